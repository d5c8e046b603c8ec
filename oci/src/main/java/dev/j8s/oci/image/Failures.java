package dev.j8s.oci.image;

import dev.j8s.oci.layer.LayerException;
import dev.j8s.oci.manifest.ManifestException;
import dev.j8s.oci.reference.InvalidReferenceException;
import dev.j8s.oci.registry.RegistryException;
import dev.j8s.oci.store.ContentException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Maps the oci packages' exceptions to a {@link PullException} kind. Stateless and thread-safe. */
final class Failures {
    private Failures() {}

    static PullException classify(String prefix, Throwable e) {
        if (e instanceof PullException pe) {
            return pe.getMessage().startsWith(prefix) ? pe : new PullException(pe.kind(), prefix + ": " + pe.getMessage(), pe);
        }
        PullException.Kind kind = kind(e);
        return new PullException(kind, prefix + ": " + e.getMessage(), e);
    }

    static PullException.Kind kind(Throwable e) {
        return switch (e) {
            case PullException pe -> pe.kind();
            case RegistryException re -> re.status() == 404 ? PullException.Kind.NOT_FOUND
                    : re.status() == 401 || re.status() == 403 ? PullException.Kind.UNAUTHORIZED
                    : re.getCause() instanceof ContentException ? PullException.Kind.INVALID_IMAGE
                    : PullException.Kind.NETWORK;
            case ManifestException me -> me.getMessage().contains("no match for platform")
                    ? PullException.Kind.NOT_FOUND : PullException.Kind.INVALID_IMAGE;
            case ContentException ce -> PullException.Kind.INVALID_IMAGE;
            case InvalidReferenceException ie -> PullException.Kind.INVALID_IMAGE;
            case LayerException le -> le.getMessage().contains("free on the image file system") ? PullException.Kind.STORAGE
                    : le.getCause() instanceof IOException ? PullException.Kind.STORAGE
                    : PullException.Kind.INVALID_IMAGE;
            case UncheckedIOException io -> PullException.Kind.STORAGE;
            default -> PullException.Kind.INVALID_IMAGE;
        };
    }
}
