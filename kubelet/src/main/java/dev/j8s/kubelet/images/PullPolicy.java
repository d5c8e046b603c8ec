package dev.j8s.kubelet.images;

import dev.j8s.oci.reference.ImageReference;

/** A container's {@code imagePullPolicy}; immutable. */
enum PullPolicy {
    ALWAYS,
    IF_NOT_PRESENT,
    NEVER;

    /**
     * The policy named {@code value}; when it is unset, the API server's defaulting ({@code Always} when the
     * effective tag is {@code latest}, else {@code IfNotPresent}). Values the API server would have rejected
     * count as {@code IfNotPresent}.
     */
    static PullPolicy of(String value, ImageReference parsed) {
        if (value == null || value.isEmpty()) {
            String tag = parsed.tag().orElse(parsed.digest().isEmpty() ? "latest" : "");
            return tag.equals("latest") ? ALWAYS : IF_NOT_PRESENT;
        }
        return switch (value) {
            case "Always" -> ALWAYS;
            case "Never" -> NEVER;
            default -> IF_NOT_PRESENT;
        };
    }
}
