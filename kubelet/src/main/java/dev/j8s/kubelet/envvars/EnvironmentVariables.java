package dev.j8s.kubelet.envvars;

import dev.j8s.kubelet.container.ConfigException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapKeySelector;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * Upstream {@code makeEnvironmentVariables}: the variables the kubelet gives a container, with {@code env} over
 * {@code envFrom} over service links ({@link ServiceLinks}); values of {@code env} expanded ({@link Expansion})
 * against the variables before them and the service links, values from {@code valueFrom} never expanded. The
 * image's {@code Env} is not part of it: the runtime puts these over it. Thread-safe when its sources are.
 */
public final class EnvironmentVariables {

    private final EnvSources sources;

    public EnvironmentVariables(EnvSources sources) {
        this.sources = sources;
    }

    /**
     * A {@code envFrom} key that is not a valid variable name even under the relaxed rules of 1.32 (printable
     * ASCII but {@code =}): skipped and reported (upstream's {@code InvalidEnvironmentVariableNames} event).
     */
    public record SkippedKeys(String kind, String namespace, String name, List<String> keys) {
        /** Upstream's event message. */
        public String message() {
            return "Keys [" + String.join(", ", keys) + "] from the EnvFrom " + kind + " " + namespace + "/" + name
                    + " were skipped since they are considered invalid environment variable names.";
        }
    }

    /** The computed variables, in a stable order (declaration order, then service links by name). */
    public record Result(SequencedMap<String, String> env, List<SkippedKeys> skipped) {}

    /**
     * The variables of {@code container}.
     *
     * @throws ConfigException with upstream's text when a non-optional source is missing
     *     ({@code CreateContainerConfigError})
     */
    public Result make(Pod pod, Container container, List<String> podIps, DownwardApi.Node node) {
        String namespace = pod.getMetadata().getNamespace();
        boolean links = !Boolean.FALSE.equals(pod.getSpec().getEnableServiceLinks());
        SequencedMap<String, String> serviceEnv = ServiceLinks.fromServices(ServiceLinks.select(namespace, links,
                links ? read(() -> sources.services(namespace)) : List.of(),
                read(() -> sources.services(ServiceLinks.MASTER_NAMESPACE))));

        SequencedMap<String, String> env = new LinkedHashMap<>();
        List<SkippedKeys> skipped = new ArrayList<>();
        Map<String, Optional<ConfigMap>> configMaps = new HashMap<>();
        Map<String, Optional<Secret>> secrets = new HashMap<>();
        for (EnvFromSource from : container.getEnvFrom()) {
            String prefix = from.getPrefix() == null ? "" : from.getPrefix();
            Map<String, String> values;
            String kind;
            String name;
            if (from.getConfigMapRef() != null) {
                kind = "configMap";
                name = from.getConfigMapRef().getName();
                Optional<ConfigMap> cm = configMaps.computeIfAbsent(name, n -> configMap(namespace, n));
                if (cm.isEmpty()) {
                    if (Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
                        continue;
                    }
                    throw new ConfigException("configmap \"" + name + "\" not found");
                }
                values = configMapValues(cm.get());
            } else if (from.getSecretRef() != null) {
                kind = "secret";
                name = from.getSecretRef().getName();
                Optional<Secret> secret = secrets.computeIfAbsent(name, n -> secret(namespace, n));
                if (secret.isEmpty()) {
                    if (Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                        continue;
                    }
                    throw new ConfigException("secret \"" + name + "\" not found");
                }
                values = secretValues(secret.get());
            } else {
                continue;
            }
            List<String> invalid = new ArrayList<>();
            values.forEach((key, value) -> {
                String variable = prefix + key;
                if (isEnvVarName(variable)) {
                    env.put(variable, value);
                } else {
                    invalid.add(key);
                }
            });
            if (!invalid.isEmpty()) {
                skipped.add(new SkippedKeys(kind, namespace, name, invalid.stream().sorted().toList()));
            }
        }

        for (EnvVar v : container.getEnv()) {
            EnvVarSource from = v.getValueFrom();
            if (from == null) {
                String value = v.getValue() == null ? "" : v.getValue();
                env.put(v.getName(), Expansion.expand(value, n -> env.containsKey(n) ? env.get(n) : serviceEnv.get(n)));
                continue;
            }
            Optional<String> value = valueFrom(pod, container, from, namespace, podIps, node, configMaps, secrets);
            value.ifPresent(s -> env.put(v.getName(), s));
        }

        SequencedMap<String, String> result = new LinkedHashMap<>(env);
        serviceEnv.forEach(result::putIfAbsent);
        return new Result(result, skipped);
    }

    private Optional<String> valueFrom(Pod pod, Container container, EnvVarSource from, String namespace,
            List<String> podIps, DownwardApi.Node node, Map<String, Optional<ConfigMap>> configMaps,
            Map<String, Optional<Secret>> secrets) {
        try {
            if (from.getFieldRef() != null) {
                return Optional.of(DownwardApi.fieldValue(pod, from.getFieldRef().getFieldPath(), podIps, node));
            }
            if (from.getResourceFieldRef() != null) {
                var ref = from.getResourceFieldRef();
                Container target = ref.getContainerName() == null || ref.getContainerName().isEmpty() ? container
                        : findContainer(pod, ref.getContainerName());
                return Optional.of(DownwardApi.resourceValue(ref, target, node));
            }
        } catch (DownwardApi.UnsupportedFieldException e) {
            throw new ConfigException(e.getMessage());
        }
        if (from.getConfigMapKeyRef() != null) {
            ConfigMapKeySelector ref = from.getConfigMapKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            Optional<ConfigMap> cm = configMaps.computeIfAbsent(ref.getName(), n -> configMap(namespace, n));
            if (cm.isEmpty()) {
                if (optional) {
                    return Optional.empty();
                }
                throw new ConfigException("configmap \"" + ref.getName() + "\" not found");
            }
            String value = configMapValues(cm.get()).get(ref.getKey());
            if (value == null) {
                if (optional) {
                    return Optional.empty();
                }
                throw new ConfigException("couldn't find key " + ref.getKey() + " in ConfigMap " + namespace + "/"
                        + ref.getName());
            }
            return Optional.of(value);
        }
        if (from.getSecretKeyRef() != null) {
            SecretKeySelector ref = from.getSecretKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            Optional<Secret> secret = secrets.computeIfAbsent(ref.getName(), n -> secret(namespace, n));
            if (secret.isEmpty()) {
                if (optional) {
                    return Optional.empty();
                }
                throw new ConfigException("secret \"" + ref.getName() + "\" not found");
            }
            String value = secretValues(secret.get()).get(ref.getKey());
            if (value == null) {
                if (optional) {
                    return Optional.empty();
                }
                throw new ConfigException("couldn't find key " + ref.getKey() + " in Secret " + namespace + "/"
                        + ref.getName());
            }
            return Optional.of(value);
        }
        // a source this model has no field for (e.g. fileKeyRef): refused, never an empty variable
        throw new ConfigException("unsupported valueFrom source in env of container \"" + container.getName()
                + "\": " + from.getAdditionalProperties().keySet());
    }

    private static Container findContainer(Pod pod, String name) {
        return java.util.stream.Stream.concat(pod.getSpec().getContainers().stream(),
                        pod.getSpec().getInitContainers().stream())
                .filter(c -> name.equals(c.getName())).findFirst()
                .orElseThrow(() -> new ConfigException("container " + name + " not found"));
    }

    /** A ConfigMap's values as text, by key. */
    static Map<String, String> configMapValues(ConfigMap cm) {
        return text(configMapData(cm));
    }

    /** A Secret's values as text, by key. */
    static Map<String, String> secretValues(Secret secret) {
        return text(secretData(secret));
    }

    /** A ConfigMap's {@code data} and (decoded) {@code binaryData}, by key. */
    public static Map<String, byte[]> configMapData(ConfigMap cm) {
        Map<String, byte[]> values = new java.util.TreeMap<>();
        if (cm.getData() != null) {
            cm.getData().forEach((k, v) -> values.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        if (cm.getBinaryData() != null) {
            cm.getBinaryData().forEach((k, v) -> values.put(k, Base64.getDecoder().decode(v)));
        }
        return values;
    }

    /** A Secret's (decoded) {@code data}, with any {@code stringData} over it, by key. */
    public static Map<String, byte[]> secretData(Secret secret) {
        Map<String, byte[]> values = new java.util.TreeMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> values.put(k, Base64.getDecoder().decode(v)));
        }
        if (secret.getStringData() != null) {
            secret.getStringData().forEach((k, v) -> values.put(k, v.getBytes(StandardCharsets.UTF_8)));
        }
        return values;
    }

    private static Map<String, String> text(Map<String, byte[]> data) {
        Map<String, String> values = new java.util.TreeMap<>();
        data.forEach((k, v) -> values.put(k, new String(v, StandardCharsets.UTF_8)));
        return values;
    }

    /**
     * The relaxed rule of 1.32 ({@code RelaxedEnvironmentVariableValidation}, on by default): non-empty printable
     * ASCII without {@code =}.
     */
    static boolean isEnvVarName(String name) {
        return !name.isEmpty() && name.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f && ch != '=');
    }

    private Optional<ConfigMap> configMap(String namespace, String name) {
        return read(() -> sources.configMap(namespace, name));
    }

    private Optional<Secret> secret(String namespace, String name) {
        return read(() -> sources.secret(namespace, name));
    }

    /** An API read whose failure (other than not found) fails the container with the error text. */
    private static <T> T read(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ConfigException(e.getMessage());
        }
    }
}
