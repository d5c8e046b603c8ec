package dev.j8s.kubelet.credentials;

import dev.j8s.kubelet.images.ImageService;
import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.image.PullListener;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import java.util.Optional;

/**
 * An image service that, given a pod's {@link Resolution} as the credential supplier, tries every
 * matching credential in keyring order until a pull succeeds, as upstream's puller does; any other
 * supplier is passed through. Thread-safe when the delegate is.
 */
public final class KeyringImageService implements ImageService {

    private final ImageService delegate;
    private final Optional<SecretPulledImages> records;

    public KeyringImageService(ImageService delegate) {
        this.delegate = delegate;
        this.records = Optional.empty();
    }

    /** Also records every pull made with a {@link Resolution} (intent, then the credential that worked) in {@code records}. */
    public KeyringImageService(ImageService delegate, SecretPulledImages records) {
        this.delegate = delegate;
        this.records = Optional.of(records);
    }

    @Override
    public Optional<ImageRecord> find(ImageReference ref) {
        return delegate.find(ref);
    }

    @Override
    public ImageRecord pull(ImageReference ref, CredentialSupplier credentials, PullListener listener) {
        if (credentials instanceof Resolution resolution) {
            String image = ref.toString();
            records.ifPresent(r -> r.pullStarted(image));
            Resolution.Attempted<ImageRecord> done;
            try {
                done = resolution.tryInOrder(supplier -> delegate.pull(ref, supplier, listener));
            } catch (RuntimeException e) {
                records.ifPresent(r -> r.pullFailed(image));
                throw e;
            }
            records.ifPresent(r -> r.pulled(image, ref, done.value().id().toString(), done.used()));
            return done.value();
        }
        return delegate.pull(ref, credentials, listener);
    }
}
