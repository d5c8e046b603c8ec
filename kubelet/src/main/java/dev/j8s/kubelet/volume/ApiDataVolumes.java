package dev.j8s.kubelet.volume;

import dev.j8s.kubelet.envvars.DownwardApi;
import dev.j8s.kubelet.envvars.EnvSources;
import dev.j8s.kubelet.envvars.EnvironmentVariables;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapProjection;
import io.fabric8.kubernetes.api.model.ConfigMapVolumeSource;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIProjection;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeSource;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProjectedVolumeSource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretProjection;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The payloads of the API-data volumes (upstream {@code MakePayload} of the secret, configMap, downwardAPI and
 * projected plugins): which files, with which bytes and modes, the {@link AtomicWriter} puts in the volume.
 * Stateless and thread-safe when the sources are.
 */
public final class ApiDataVolumes {

    /** The default file mode, 0644 ({@code SecretVolumeSourceDefaultMode} and the others). */
    public static final int DEFAULT_MODE = 0644;

    /** Where a projected volume's service-account tokens come from (the kubelet's token manager). */
    @FunctionalInterface
    public interface TokenSource {
        /**
         * The token of the pod's service account for the projection.
         *
         * @throws RuntimeException with the message to report (never the token)
         */
        String token(Pod pod, ServiceAccountTokenProjection projection);
    }

    /**
     * Who a projected volume's token file belongs to, as upstream's mounter arguments: {@code fsUser} the one
     * effective {@code runAsUser} of all containers, if they share one; whether the pod has an {@code fsGroup}.
     */
    public record Ownership(java.util.OptionalLong fsUser, boolean fsGroup) {
        public static final Ownership NONE = new Ownership(java.util.OptionalLong.empty(), false);
    }

    private ApiDataVolumes() {}

    /** The files of a {@code secret} volume; empty for a missing optional secret. */
    public static Map<String, AtomicWriter.FileProjection> secret(String namespace, SecretVolumeSource source,
            EnvSources objects) {
        boolean optional = Boolean.TRUE.equals(source.getOptional());
        Optional<Secret> secret = objects.secret(namespace, source.getSecretName());
        if (secret.isEmpty()) {
            if (optional) {
                return Map.of();
            }
            throw new VolumeException("secret \"" + source.getSecretName() + "\" not found");
        }
        return payload(EnvironmentVariables.secretData(secret.get()), source.getItems(), mode(source.getDefaultMode()), optional,
                "references non-existent secret key: ");
    }

    /** The files of a {@code configMap} volume; empty for a missing optional configMap. */
    public static Map<String, AtomicWriter.FileProjection> configMap(String namespace, ConfigMapVolumeSource source,
            EnvSources objects) {
        boolean optional = Boolean.TRUE.equals(source.getOptional());
        Optional<ConfigMap> cm = objects.configMap(namespace, source.getName());
        if (cm.isEmpty()) {
            if (optional) {
                return Map.of();
            }
            throw new VolumeException("configmap \"" + source.getName() + "\" not found");
        }
        return payload(EnvironmentVariables.configMapData(cm.get()), source.getItems(), mode(source.getDefaultMode()), optional,
                "configmap references non-existent config key: ");
    }

    /** The files of a {@code downwardAPI} volume. */
    public static Map<String, AtomicWriter.FileProjection> downwardApi(Pod pod, DownwardAPIVolumeSource source,
            DownwardApi.Node node) {
        return downwardApiFiles(pod, source.getItems(), mode(source.getDefaultMode()), node);
    }

    /** {@link #projected(Pod, ProjectedVolumeSource, EnvSources, DownwardApi.Node, TokenSource, Ownership)} without tokens. */
    public static Map<String, AtomicWriter.FileProjection> projected(Pod pod, ProjectedVolumeSource source,
            EnvSources objects, DownwardApi.Node node) {
        return projected(pod, source, objects, node, (p, projection) -> {
            throw new VolumeException("serviceAccountToken projections need a token source");
        }, Ownership.NONE);
    }

    /**
     * The files of a {@code projected} volume: every source into one payload, a later source winning a path; the
     * errors of all failing sources together ({@code [e1, e2]} when more than one). A token file is mode 0600
     * (owned by {@code fsUser}) when the pod has an {@code fsUser} or {@code fsGroup}, else the default mode.
     */
    public static Map<String, AtomicWriter.FileProjection> projected(Pod pod, ProjectedVolumeSource source,
            EnvSources objects, DownwardApi.Node node, TokenSource tokens, Ownership ownership) {
        int defaultMode = mode(source.getDefaultMode());
        String namespace = pod.getMetadata().getNamespace();
        Map<String, AtomicWriter.FileProjection> files = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (VolumeProjection p : source.getSources()) {
            try {
                if (p.getSecret() != null) {
                    SecretProjection s = p.getSecret();
                    files.putAll(secret(namespace, new SecretVolumeSource(defaultMode, s.getItems(), s.getOptional(),
                            s.getName()), objects));
                } else if (p.getConfigMap() != null) {
                    ConfigMapProjection c = p.getConfigMap();
                    files.putAll(configMap(namespace, new ConfigMapVolumeSource(defaultMode, c.getItems(), c.getName(),
                            c.getOptional()), objects));
                } else if (p.getDownwardAPI() != null) {
                    DownwardAPIProjection d = p.getDownwardAPI();
                    files.putAll(downwardApiFiles(pod, d.getItems(), defaultMode, node));
                } else if (p.getServiceAccountToken() != null) {
                    ServiceAccountTokenProjection t = p.getServiceAccountToken();
                    int mode = ownership.fsUser().isPresent() || ownership.fsGroup() ? 0600 : defaultMode;
                    String token = tokens.token(pod, t);
                    files.put(t.getPath(), new AtomicWriter.FileProjection(token.getBytes(StandardCharsets.UTF_8),
                            mode, ownership.fsUser().orElse(-1)));
                } else {
                    errors.add("projected source " + p.getAdditionalProperties().keySet()
                            + " is not supported by j8s yet");
                }
            } catch (RuntimeException e) {
                errors.add(e.getMessage());
            }
        }
        if (errors.size() == 1) {
            throw new VolumeException(errors.getFirst());
        }
        if (!errors.isEmpty()) {
            throw new VolumeException("[" + String.join(", ", errors) + "]");
        }
        return files;
    }

    private static Map<String, AtomicWriter.FileProjection> payload(Map<String, byte[]> values, List<KeyToPath> items,
            int defaultMode, boolean optional, String missingKey) {
        Map<String, AtomicWriter.FileProjection> files = new TreeMap<>();
        if (items == null || items.isEmpty()) {
            values.forEach((k, v) -> files.put(k, new AtomicWriter.FileProjection(v, defaultMode)));
            return files;
        }
        for (KeyToPath item : items) {
            byte[] value = values.get(item.getKey());
            if (value == null) {
                if (optional) {
                    continue;
                }
                throw new VolumeException(missingKey + item.getKey());
            }
            files.put(item.getPath(), new AtomicWriter.FileProjection(value,
                    item.getMode() == null ? defaultMode : item.getMode()));
        }
        return files;
    }

    private static Map<String, AtomicWriter.FileProjection> downwardApiFiles(Pod pod, List<DownwardAPIVolumeFile> items,
            int defaultMode, DownwardApi.Node node) {
        Map<String, AtomicWriter.FileProjection> files = new TreeMap<>();
        for (DownwardAPIVolumeFile item : items) {
            String value;
            try {
                if (item.getFieldRef() != null) {
                    String path = item.getFieldRef().getFieldPath();
                    if (!path.startsWith("metadata.")) {
                        throw new VolumeException("fieldPath " + path + " is not supported in a downwardAPI volume");
                    }
                    value = DownwardApi.fieldValue(pod, path, List.of(), node);
                } else if (item.getResourceFieldRef() != null) {
                    String name = item.getResourceFieldRef().getContainerName();
                    Container c = Stream.concat(pod.getSpec().getContainers().stream(),
                                    pod.getSpec().getInitContainers().stream())
                            .filter(x -> x.getName().equals(name)).findFirst()
                            .orElseThrow(() -> new VolumeException("container " + name + " not found"));
                    value = DownwardApi.resourceValue(item.getResourceFieldRef(), c, node);
                } else {
                    continue;
                }
            } catch (DownwardApi.UnsupportedFieldException e) {
                throw new VolumeException(e.getMessage());
            }
            files.put(item.getPath(), new AtomicWriter.FileProjection(value.getBytes(StandardCharsets.UTF_8),
                    item.getMode() == null ? defaultMode : item.getMode()));
        }
        return files;
    }

    private static int mode(Integer mode) {
        return mode == null ? DEFAULT_MODE : mode;
    }
}
