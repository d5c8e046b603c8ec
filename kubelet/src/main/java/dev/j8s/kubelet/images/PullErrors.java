package dev.j8s.kubelet.images;

import dev.j8s.oci.image.PullException;
import dev.j8s.oci.reference.ImageReference;

/**
 * Turns pull failures into the error texts a containerd-backed kubelet shows, and those texts into waiting
 * reasons and messages as upstream's {@code evalCRIPullErr} does. Stateless and thread-safe.
 */
final class PullErrors {
    private PullErrors() {}

    /** The waiting reason and message for a failed pull. */
    record Classified(String reason, String message) {}

    /**
     * The runtime's error text for a failed pull of {@code ref} (canonical, tag defaulted), modelled on
     * containerd's ({@code failed to pull and unpack image "…": …}), with that prefix once: the image store's own
     * prefix on its failures is not repeated. Network failures carry the CRI {@code RegistryUnavailable} prefix so
     * that they classify as upstream's {@code RegistryUnavailable}.
     */
    static String describe(ImageReference ref, RuntimeException failure) {
        String canonical = ref.toString();
        String prefix = "failed to pull and unpack image " + quote(canonical) + ": ";
        String detail = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        if (detail.startsWith(prefix)) {
            detail = detail.substring(prefix.length());
        }
        if (!(failure instanceof PullException pe)) {
            return prefix + detail;
        }
        String resolve = "failed to resolve reference " + quote(canonical) + ": ";
        return switch (pe.kind()) {
            case NOT_FOUND -> prefix + resolve + canonical + ": not found";
            case UNAUTHORIZED -> prefix + resolve
                    + "pull access denied, repository does not exist or may require authorization: " + detail;
            case NETWORK -> ImagePullResult.REGISTRY_UNAVAILABLE + ": " + prefix + detail;
            case INVALID_IMAGE, STORAGE -> prefix + detail;
        };
    }

    /** {@code evalCRIPullErr}: the waiting reason and message for the runtime error text {@code error}. */
    static Classified classify(String image, String error) {
        if (error.startsWith(ImagePullResult.REGISTRY_UNAVAILABLE)) {
            return new Classified(ImagePullResult.REGISTRY_UNAVAILABLE, "image pull failed for " + image
                    + " because the registry is unavailable"
                    + error.substring(ImagePullResult.REGISTRY_UNAVAILABLE.length()));
        }
        if (error.startsWith(ImagePullResult.SIGNATURE_VALIDATION_FAILED)) {
            return new Classified(ImagePullResult.SIGNATURE_VALIDATION_FAILED, "image pull failed for " + image
                    + " because the signature validation failed"
                    + error.substring(ImagePullResult.SIGNATURE_VALIDATION_FAILED.length()));
        }
        return new Classified(ImagePullResult.ERR_IMAGE_PULL, error);
    }

    /** Go's {@code %q} for the printable strings image names are. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
