package dev.j8s.kubelet.credentials;

import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.images.ImageService;
import java.util.List;
import java.util.Optional;

/**
 * The node's credential wiring for the kubelet: node docker config, credential helpers, dynamic providers (exec
 * plugins) and the KEP-2535 pull records with their verification policy. Immutable and thread-safe.
 *
 * @param node the node docker config, empty when none is searched
 * @param helpers runs {@code credHelpers}/{@code credsStore}
 * @param providers exec plugins then built-ins, in precedence order
 * @param pulledImages the pull records and policy guarding present images
 */
public record KubeletCredentials(Optional<NodeDockerConfig> node, CredentialHelpers helpers,
                                 List<DynamicCredentialProvider> providers, SecretPulledImages pulledImages) {
    /** Copies the list. */
    public KubeletCredentials {
        providers = List.copyOf(providers);
    }

    /** No node config, no plugins and no verification: every pull without pod secrets is anonymous. */
    public static KubeletCredentials none() {
        return new KubeletCredentials(Optional.empty(), CredentialHelpers.fromPath(), List.of(),
                new SecretPulledImages(SecretPulledImages.Policy.NEVER_VERIFY, List.of(), (ref, c) -> false));
    }

    /** {@code images} wrapped so that every matching credential is tried in order and pulls are recorded. */
    public ImageService imageService(ImageService images) {
        return new KeyringImageService(images, pulledImages);
    }

    /** The pod keyrings, with pull secrets fetched from {@code secrets} and problems reported to {@code events}. */
    public PodCredentials podCredentials(SecretSource secrets, EventRecorder events) {
        return new PodCredentials(secrets, node, helpers, providers, events);
    }
}
