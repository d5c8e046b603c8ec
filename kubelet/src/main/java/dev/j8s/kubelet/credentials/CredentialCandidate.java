package dev.j8s.kubelet.credentials;

import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.Credentials;
import java.util.Optional;

/**
 * One credential that may be tried for a pull: the credentials, the keyring key that matched and the source.
 * Immutable and thread-safe; {@code toString()} shows no secret.
 *
 * @param key the normalized keyring key that matched (e.g. {@code index.docker.io}, {@code *.example.com})
 * @param credentials what to send to the registry
 * @param email the entry's email (only used for the KEP-2535 credential hash)
 * @param source where the credential came from
 */
public record CredentialCandidate(String key, Credentials credentials, String email, CredentialSource source) {
    /**
     * A supplier that hands out these credentials only for {@code image}'s own registry host and repository, and
     * nothing for any other host, so the credentials never travel elsewhere.
     */
    public CredentialSupplier supplierFor(ImageReference image) {
        return (host, repository) -> host.equals(image.domain()) && repository.equals(image.path())
                ? Optional.of(credentials) : Optional.empty();
    }

    /** Upstream's credential hash ({@code SHA-256} of username/password/email JSON), for pull records. */
    public String credentialHash() {
        return switch (credentials) {
            case Credentials.UsernamePassword up -> DockerConfigEntry.credentialHash(up.username(), up.password(), email);
            case Credentials.IdentityToken it -> DockerConfigEntry.credentialHash(it.username(), it.token(), email);
        };
    }

    @Override
    public String toString() {
        return "CredentialCandidate[key=" + key + ", credentials=" + credentials + ", source=" + source.describe() + "]";
    }
}
