package dev.j8s.kubelet.images;

import dev.j8s.oci.image.ImageRecord;

/**
 * The outcome of {@link ImageManager#ensureImageExists}: the image is ready, or the container must wait with
 * an upstream waiting reason and message ({@code state.waiting.reason} / {@code .message}). Immutable and
 * thread-safe.
 */
public sealed interface ImagePullResult permits ImagePullResult.Ready, ImagePullResult.Waiting {
    /** {@code ErrImagePullBackOff}: a previous pull failed and the back-off window is still open. */
    String IMAGE_PULL_BACK_OFF = "ImagePullBackOff";
    /** {@code ErrImageInspect}: the local lookup failed. */
    String IMAGE_INSPECT_ERROR = "ImageInspectError";
    /** {@code ErrImagePull}: the pull failed. */
    String ERR_IMAGE_PULL = "ErrImagePull";
    /** {@code ErrImageNeverPull}: policy Never and the image is absent. */
    String ERR_IMAGE_NEVER_PULL = "ErrImageNeverPull";
    /** {@code ErrInvalidImageName}: the image string does not parse. */
    String INVALID_IMAGE_NAME = "InvalidImageName";
    /** CRI {@code ErrRegistryUnavailable}: the registry could not be reached. */
    String REGISTRY_UNAVAILABLE = "RegistryUnavailable";
    /** CRI {@code ErrSignatureValidationFailed}. */
    String SIGNATURE_VALIDATION_FAILED = "SignatureValidationFailed";

    /**
     * The image is on the node.
     *
     * @param imageRef the image ID (config digest, e.g. {@code sha256:…}), upstream's {@code imageRef}
     * @param image the stored image
     */
    record Ready(String imageRef, ImageRecord image) implements ImagePullResult {}

    /**
     * The container cannot start yet.
     *
     * @param reason one of the constants of {@link ImagePullResult}
     * @param message the waiting message, worded as upstream
     */
    record Waiting(String reason, String message) implements ImagePullResult {}
}
