package dev.j8s.kubelet.images;

import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.image.ImageStore;
import dev.j8s.oci.image.PullListener;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.reference.ImageReference;
import java.util.Optional;

/**
 * The node's images as the kubelet sees them (upstream's CRI {@code ImageService}: {@code ImageStatus} and
 * {@code PullImage}); implementations must be thread-safe.
 */
public interface ImageService {
    /**
     * The local image that {@code ref} names, if present ({@code GetImageRef}); a failure to look (not an
     * absent image) is thrown as an unchecked exception whose message contains no credential.
     */
    Optional<ImageRecord> find(ImageReference ref);

    /**
     * Pulls {@code ref} and returns the stored image.
     *
     * @throws dev.j8s.oci.image.PullException when the pull fails; its message must contain no credential
     */
    ImageRecord pull(ImageReference ref, CredentialSupplier credentials, PullListener listener);

    /** The node's image store as the kubelet's image service. */
    static ImageService of(ImageStore store) {
        return new ImageService() {
            @Override
            public Optional<ImageRecord> find(ImageReference ref) {
                return store.find(ref);
            }

            @Override
            public ImageRecord pull(ImageReference ref, CredentialSupplier credentials, PullListener listener) {
                return store.pull(ref, credentials, listener);
            }
        };
    }
}
