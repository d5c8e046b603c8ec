package dev.j8s.kubelet.credentials;

import dev.j8s.oci.registry.Credentials;
import java.util.Map;

/**
 * A source that produces keyring entries per image on demand (an exec plugin, the built-in GCR provider);
 * implementations must be thread-safe and must return within their own deadline.
 */
public interface DynamicCredentialProvider {
    /** The source recorded for what this provider returns. */
    CredentialSource source();

    /** Whether this provider is asked at all for {@code repository} (e.g. {@code docker.io/library/nginx}). */
    boolean matches(String repository);

    /**
     * The keyring entries (docker config key → credentials, in order) for {@code repository}; may come from a
     * cache.
     *
     * @throws CredentialsException when the provider fails; the message names it and contains no value
     */
    Map<String, Credentials> provide(String repository);
}
