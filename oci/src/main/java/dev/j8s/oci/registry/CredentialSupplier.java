package dev.j8s.oci.registry;

import java.util.Optional;

/**
 * Supplies credentials for a registry host ({@code host[:port]} as in the image reference) and repository
 * path; empty means anonymous. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface CredentialSupplier {
    /** No credentials for anything. */
    CredentialSupplier ANONYMOUS = (host, repository) -> Optional.empty();

    Optional<Credentials> credentials(String registryHost, String repository);
}
