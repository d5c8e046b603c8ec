package dev.j8s.kubelet.credentials;

import dev.j8s.kubelet.container.ContainerReferences;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.events.EventType;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.Credentials;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the ordered credentials for a pod's image pulls as upstream's kubelet does: the pod's
 * {@code imagePullSecrets} (types {@code kubernetes.io/dockerconfigjson} and {@code kubernetes.io/dockercfg}, from
 * the pod's namespace only), then the node docker config (with its credential helpers), then the dynamic providers
 * (exec plugins, built-in GCR). Thread-safe.
 */
public final class PodCredentials {
    /** Secret type of a {@code config.json}-shaped secret. */
    public static final String TYPE_DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson";
    /** Secret type of a legacy {@code .dockercfg} secret. */
    public static final String TYPE_DOCKERCFG = "kubernetes.io/dockercfg";
    /** Data key of a {@code kubernetes.io/dockerconfigjson} secret. */
    public static final String KEY_DOCKER_CONFIG_JSON = ".dockerconfigjson";
    /** Data key of a {@code kubernetes.io/dockercfg} secret. */
    public static final String KEY_DOCKERCFG = ".dockercfg";

    private static final System.Logger LOG = System.getLogger(PodCredentials.class.getName());

    private final SecretSource secrets;
    private final Optional<NodeDockerConfig> node;
    private final CredentialHelpers helpers;
    private final List<DynamicCredentialProvider> providers;
    private final EventRecorder events;

    /**
     * @param secrets where pull secrets are fetched
     * @param node the node docker config, empty when the node has none configured
     * @param helpers runs {@code credHelpers}/{@code credsStore} named by the node config
     * @param providers exec plugins then built-ins, in precedence order
     * @param events receives {@code FailedToRetrieveImagePullSecret}
     */
    public PodCredentials(SecretSource secrets, Optional<NodeDockerConfig> node, CredentialHelpers helpers,
                          List<? extends DynamicCredentialProvider> providers, EventRecorder events) {
        this.secrets = secrets;
        this.node = node;
        this.helpers = helpers;
        this.providers = List.copyOf(providers);
        this.events = events;
    }

    /** The secret part of a pod's keyring: fetched once per pod sync, like upstream's getPullSecretsForPod. */
    public final class PodKeyring {
        private final DockerKeyring<SecretItem> keyring;
        private final Optional<CredentialsException> secretError;
        private final List<String> problems;

        private PodKeyring(DockerKeyring<SecretItem> keyring, Optional<CredentialsException> secretError,
                           List<String> problems) {
            this.keyring = keyring;
            this.secretError = secretError;
            this.problems = List.copyOf(problems);
        }

        /**
         * The credentials to try for {@code image}, in order.
         *
         * @throws CredentialsException when a pull secret is malformed: upstream fails the pull with that error
         */
        public Resolution resolve(ImageReference image) {
            if (secretError.isPresent()) {
                throw secretError.get();
            }
            List<String> problems = new ArrayList<>(this.problems);
            List<CredentialCandidate> out = new ArrayList<>();
            for (DockerKeyring.Match<SecretItem> m : keyring.matches(image.repository())) {
                m.value().entry().credentials(false).ifPresent(c ->
                        out.add(new CredentialCandidate(m.key(), c, m.value().entry().email(), m.value().source())));
            }
            out.addAll(nodeCandidates(image, problems));
            out.addAll(providerCandidates(image, problems));
            return new Resolution(image, out, problems);
        }
    }

    private record SecretItem(DockerConfigEntry entry, CredentialSource.PullSecret source) {}

    private sealed interface NodeItem {
        record Static(DockerConfigEntry entry, Path file) implements NodeItem {}

        record Helper(String helper, String serverUrl, Path file) implements NodeItem {}
    }

    /**
     * Fetches {@code pod}'s pull secrets; when some cannot be retrieved, emits upstream's Warning
     * {@code FailedToRetrieveImagePullSecret} on the pod
     * ({@code Unable to retrieve some image pull secrets (<a>, <b>); attempting to pull the image may not succeed.})
     * and goes on with the rest.
     */
    public PodKeyring forPod(Pod pod) {
        String namespace = pod.getMetadata() == null || pod.getMetadata().getNamespace() == null
                ? "default" : pod.getMetadata().getNamespace();
        List<LocalObjectReference> refs = pod.getSpec() == null || pod.getSpec().getImagePullSecrets() == null
                ? List.of() : pod.getSpec().getImagePullSecrets();
        DockerKeyring<SecretItem> keyring = new DockerKeyring<>();
        List<String> failed = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        Optional<CredentialsException> error = Optional.empty();
        for (LocalObjectReference ref : refs) {
            String name = ref == null || ref.getName() == null ? "" : ref.getName();
            if (name.isEmpty() || !seen.add(name)) {
                continue;
            }
            Optional<Secret> secret;
            try {
                secret = secrets.get(namespace, name);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot retrieve pull secret namespace=" + namespace + " name=" + name
                        + " error=" + e.getClass().getSimpleName());
                secret = Optional.empty();
            }
            if (secret.isEmpty()) {
                failed.add(name);
                continue;
            }
            try {
                addSecret(keyring, secret.get(), namespace, name);
            } catch (CredentialsException e) {
                error = error.or(() -> Optional.of(e));
            }
        }
        List<String> problems = new ArrayList<>();
        if (!failed.isEmpty()) {
            String message = "Unable to retrieve some image pull secrets (" + String.join(", ", failed)
                    + "); attempting to pull the image may not succeed.";
            events.event(ContainerReferences.of(pod), EventType.WARNING,
                    EventReason.FAILED_TO_RETRIEVE_IMAGE_PULL_SECRET, message);
            problems.add(message);
        }
        return new PodKeyring(keyring, error, problems);
    }

    /** The credentials a pod without pull secrets (or a bare image, or a static pod) would try. */
    public Resolution resolveWithoutPod(ImageReference image) {
        return new PodKeyring(new DockerKeyring<>(), Optional.empty(), List.of()).resolve(image);
    }

    private static void addSecret(DockerKeyring<SecretItem> keyring, Secret secret, String namespace, String name) {
        String type = secret.getType() == null ? "" : secret.getType();
        String key = switch (type) {
            case TYPE_DOCKER_CONFIG_JSON -> KEY_DOCKER_CONFIG_JSON;
            case TYPE_DOCKERCFG -> KEY_DOCKERCFG;
            default -> null;
        };
        if (key == null) {
            return; // Upstream silently ignores other secret types.
        }
        byte[] content = data(secret, key);
        if (content.length == 0) {
            return;
        }
        String where = "secret " + namespace + "/" + name;
        DockerConfig cfg = type.equals(TYPE_DOCKER_CONFIG_JSON)
                ? DockerConfig.parseConfigJson(content, where)
                : DockerConfig.parseDockercfg(content, where);
        String uid = secret.getMetadata() == null || secret.getMetadata().getUid() == null
                ? "" : secret.getMetadata().getUid();
        CredentialSource.PullSecret source = new CredentialSource.PullSecret(namespace, name, uid, type);
        cfg.auths().forEach((k, entry) -> keyring.add(k, new SecretItem(entry, source)));
    }

    private static byte[] data(Secret secret, String key) {
        Map<String, String> data = secret.getData();
        if (data != null && data.get(key) != null) {
            try {
                return Base64.getMimeDecoder().decode(data.get(key));
            } catch (IllegalArgumentException e) {
                throw new CredentialsException("secret data[" + key + "] is not valid base64");
            }
        }
        Map<String, String> stringData = secret.getStringData();
        if (stringData != null && stringData.get(key) != null) {
            return stringData.get(key).getBytes(StandardCharsets.UTF_8);
        }
        return new byte[0];
    }

    private List<CredentialCandidate> nodeCandidates(ImageReference image, List<String> problems) {
        if (node.isEmpty()) {
            return List.of();
        }
        NodeDockerConfig.Loaded loaded = node.get().current();
        if (loaded.file().isEmpty()) {
            return List.of();
        }
        Path file = loaded.file().get();
        DockerConfig cfg = loaded.config();
        DockerKeyring<NodeItem> keyring = new DockerKeyring<>();
        cfg.auths().forEach((k, entry) -> {
            if (entry.isEmpty() && cfg.credsStore().isPresent() && !cfg.credHelpers().containsKey(k)) {
                keyring.add(k, new NodeItem.Helper(cfg.credsStore().get(), k, file));
            } else if (!entry.isEmpty()) {
                keyring.add(k, new NodeItem.Static(entry, file));
            }
        });
        cfg.credHelpers().forEach((k, helper) -> keyring.add(k, new NodeItem.Helper(helper, k, file)));
        List<CredentialCandidate> out = new ArrayList<>();
        for (DockerKeyring.Match<NodeItem> m : keyring.matches(image.repository())) {
            switch (m.value()) {
                case NodeItem.Static s -> s.entry().credentials(true).ifPresent(c -> out.add(
                        new CredentialCandidate(m.key(), c, s.entry().email(), new CredentialSource.NodeConfigFile(s.file()))));
                case NodeItem.Helper h -> {
                    try {
                        helpers.get(h.helper(), h.serverUrl()).ifPresent(c -> out.add(new CredentialCandidate(
                                m.key(), c, "", new CredentialSource.CredentialHelper(h.helper(), h.file()))));
                    } catch (CredentialsException e) {
                        LOG.log(Level.WARNING, "credential helper failed image=" + image + " error=" + e.getMessage());
                        problems.add(e.getMessage());
                    }
                }
            }
        }
        return out;
    }

    private List<CredentialCandidate> providerCandidates(ImageReference image, List<String> problems) {
        String repo = image.repository();
        DockerKeyring<CredentialCandidate> keyring = new DockerKeyring<>();
        for (DynamicCredentialProvider p : providers) {
            if (!p.matches(repo)) {
                continue;
            }
            Map<String, Credentials> auth;
            try {
                auth = p.provide(repo);
            } catch (CredentialsException e) {
                problems.add(e.getMessage());
                continue;
            }
            auth.forEach((k, c) -> keyring.add(k, new CredentialCandidate(k, c, "", p.source())));
        }
        return keyring.matches(repo).stream()
                .map(m -> new CredentialCandidate(m.key(), m.value().credentials(), "", m.value().source()))
                .filter(c -> !(c.credentials() instanceof Credentials.UsernamePassword up
                        && up.username().isEmpty() && up.password().isEmpty()))
                .toList();
    }
}
