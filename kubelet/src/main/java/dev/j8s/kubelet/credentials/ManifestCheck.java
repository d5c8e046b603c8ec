package dev.j8s.kubelet.credentials;

import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.Credentials;
import java.util.Optional;

/**
 * Asks the registry whether a credential may read an image, with a manifest request only (no layer download);
 * implementations must be thread-safe and bounded in time. Empty credentials mean an anonymous request.
 */
@FunctionalInterface
public interface ManifestCheck {
    /** True when the registry serves {@code ref}'s manifest to {@code credentials}; false on any denial or error. */
    boolean canAccess(ImageReference ref, Optional<Credentials> credentials);
}
