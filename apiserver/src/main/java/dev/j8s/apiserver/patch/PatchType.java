package dev.j8s.apiserver.patch;

import java.util.Locale;
import java.util.Optional;

/**
 * The patch formats the server accepts, one per request Content-Type (upstream
 * {@code k8s.io/apimachinery/pkg/types.PatchType}). Immutable and thread-safe.
 */
public enum PatchType {
    /** RFC 6902, {@code application/json-patch+json}. */
    JSON_PATCH("application/json-patch+json"),
    /** RFC 7386, {@code application/merge-patch+json}. */
    MERGE_PATCH("application/merge-patch+json"),
    /** Kubernetes strategic merge patch, {@code application/strategic-merge-patch+json}. */
    STRATEGIC_MERGE_PATCH("application/strategic-merge-patch+json"),
    /** Server-side apply, {@code application/apply-patch+yaml} (the body is YAML or JSON). */
    APPLY_PATCH("application/apply-patch+yaml");

    private final String mediaType;

    PatchType(String mediaType) {
        this.mediaType = mediaType;
    }

    /** The media type without parameters, e.g. {@code application/merge-patch+json}. */
    public String mediaType() {
        return mediaType;
    }

    /** From a Content-Type header (parameters ignored); empty when not a patch type. */
    public static Optional<PatchType> fromContentType(String contentType) {
        int semicolon = contentType.indexOf(';');
        String bare = (semicolon >= 0 ? contentType.substring(0, semicolon) : contentType)
                .strip().toLowerCase(Locale.ROOT);
        for (PatchType type : values()) {
            if (type.mediaType.equals(bare)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
