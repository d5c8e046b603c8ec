package dev.j8s.kubelet.credentials;

import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.Credentials;
import dev.j8s.oci.registry.RegistryClient;
import java.lang.System.Logger.Level;
import java.util.Optional;

/**
 * The {@link ManifestCheck} of a {@link RegistryClient}: fetches only the image's manifest with the candidate's
 * credentials, sent only to the image's own registry host and repository. Thread-safe.
 */
public final class RegistryManifestCheck implements ManifestCheck {
    private static final System.Logger LOG = System.getLogger(RegistryManifestCheck.class.getName());

    private final RegistryClient client;

    /** @param client a shared client; each check uses a view of it with the candidate's credentials */
    public RegistryManifestCheck(RegistryClient client) {
        this.client = client;
    }

    @Override
    public boolean canAccess(ImageReference ref, Optional<Credentials> credentials) {
        RegistryClient view = client.withCredentials((host, repository) ->
                host.equals(ref.domain()) && repository.equals(ref.path()) ? credentials : Optional.empty());
        try {
            view.fetchManifest(ref);
            return true;
        } catch (RuntimeException e) {
            // The message names the reference and the HTTP outcome, never a credential.
            LOG.log(Level.INFO, "manifest check denied image={0} identity={1} error={2}", ref,
                    credentials.map(Credentials::identity).orElse("anonymous"), e.getMessage());
            return false;
        }
    }
}
