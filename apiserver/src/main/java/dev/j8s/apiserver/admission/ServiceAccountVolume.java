package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The service-account token volume the ServiceAccount plugin gives pods ({@code kube-api-access-<suffix>}), as
 * upstream's {@code mountServiceAccountToken} and {@code TokenVolumeSource}. Stateless.
 */
final class ServiceAccountVolume {

    static final String MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
    static final String VOLUME_PREFIX = "kube-api-access-";
    /** A token that expires in 3607 s is what the API server extends to a year for clients that never reload it. */
    static final int TOKEN_EXPIRATION_SECONDS = 3607;
    static final String ROOT_CA_CONFIG_MAP = "kube-root-ca.crt";
    /** upstream's {@code utilrand} alphabet: no vowels, no confusable digits. */
    private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

    private ServiceAccountVolume() {}

    /** The pod's {@code automountServiceAccountToken} wins, then the account's, else true. */
    static boolean shouldAutomount(JsonNode serviceAccount, JsonNode pod) {
        JsonNode podSetting = pod.path("spec").path("automountServiceAccountToken");
        if (podSetting.isBoolean()) {
            return podSetting.asBoolean();
        }
        JsonNode saSetting = serviceAccount.path("automountServiceAccountToken");
        if (saSetting.isBoolean()) {
            return saSetting.asBoolean();
        }
        return true;
    }

    /** Mounts the token volume into every init and regular container lacking a mount at {@link #MOUNT_PATH}. */
    static void mount(ObjectNode pod, RandomGenerator random) {
        ObjectNode spec = Trees.objOrCreate(pod, "spec");
        String volumeName = "";
        boolean hasVolume = false;
        for (ObjectNode v : Trees.objects(spec, "volumes")) {
            if (Trees.str(v, "name").startsWith(VOLUME_PREFIX)) {
                volumeName = Trees.str(v, "name");
                hasVolume = true;
                break;
            }
        }
        if (volumeName.isEmpty()) {
            StringBuilder sb = new StringBuilder(VOLUME_PREFIX);
            for (int i = 0; i < 5; i++) {
                sb.append(ALPHANUMS.charAt(random.nextInt(ALPHANUMS.length())));
            }
            volumeName = sb.toString();
        }
        boolean needed = false;
        for (String list : List.of("initContainers", "containers")) {
            for (ObjectNode c : Trees.objects(spec, list)) {
                boolean mounted = Trees.objects(c, "volumeMounts").stream()
                        .anyMatch(m -> Trees.str(m, "mountPath").equals(MOUNT_PATH));
                if (!mounted) {
                    ArrayNode mounts = c.has("volumeMounts") && c.get("volumeMounts").isArray()
                            ? (ArrayNode) c.get("volumeMounts") : c.putArray("volumeMounts");
                    ObjectNode m = mounts.addObject();
                    m.put("name", volumeName);
                    m.put("readOnly", true);
                    m.put("mountPath", MOUNT_PATH);
                    needed = true;
                }
            }
        }
        if (!hasVolume && needed) {
            ArrayNode volumes = spec.has("volumes") && spec.get("volumes").isArray()
                    ? (ArrayNode) spec.get("volumes") : spec.putArray("volumes");
            ObjectNode v = volumes.addObject();
            v.put("name", volumeName);
            v.set("projected", tokenVolumeSource());
        }
    }

    /**
     * Puts back into an updated spec the token volume and its mounts that admission added at create and the
     * update left out (a replace with the original manifest); a spec that has such a volume is left alone.
     */
    static void carryOver(ObjectNode spec, ObjectNode oldSpec) {
        if (Trees.objects(spec, "volumes").stream().anyMatch(v -> Trees.str(v, "name").startsWith(VOLUME_PREFIX))) {
            return;
        }
        ObjectNode volume = Trees.objects(oldSpec, "volumes").stream()
                .filter(v -> Trees.str(v, "name").startsWith(VOLUME_PREFIX)).findFirst().orElse(null);
        if (volume == null) {
            return;
        }
        String name = Trees.str(volume, "name");
        ArrayNode volumes = spec.has("volumes") && spec.get("volumes").isArray()
                ? (ArrayNode) spec.get("volumes") : spec.putArray("volumes");
        volumes.add(volume.deepCopy());
        for (String list : List.of("initContainers", "containers")) {
            for (ObjectNode c : Trees.objects(spec, list)) {
                ObjectNode oldContainer = Trees.objects(oldSpec, list).stream()
                        .filter(o -> Trees.str(o, "name").equals(Trees.str(c, "name"))).findFirst().orElse(null);
                boolean hadMount = oldContainer != null && Trees.objects(oldContainer, "volumeMounts").stream()
                        .anyMatch(m -> Trees.str(m, "name").equals(name));
                boolean hasPath = Trees.objects(c, "volumeMounts").stream()
                        .anyMatch(m -> Trees.str(m, "mountPath").equals(MOUNT_PATH));
                if (hadMount && !hasPath) {
                    ArrayNode mounts = c.has("volumeMounts") && c.get("volumeMounts").isArray()
                            ? (ArrayNode) c.get("volumeMounts") : c.putArray("volumeMounts");
                    ObjectNode m = mounts.addObject();
                    m.put("name", name);
                    m.put("readOnly", true);
                    m.put("mountPath", MOUNT_PATH);
                }
            }
        }
    }

    /** upstream {@code TokenVolumeSource}: the token (3607 s), the root CA and the namespace, mode 0644. */
    static ObjectNode tokenVolumeSource() {
        ObjectNode projected = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        projected.put("defaultMode", 420);
        ArrayNode sources = projected.putArray("sources");
        ObjectNode token = sources.addObject().putObject("serviceAccountToken");
        token.put("expirationSeconds", TOKEN_EXPIRATION_SECONDS);
        token.put("path", "token");
        ObjectNode ca = sources.addObject().putObject("configMap");
        ca.put("name", ROOT_CA_CONFIG_MAP);
        ObjectNode item = ca.putArray("items").addObject();
        item.put("key", "ca.crt");
        item.put("path", "ca.crt");
        ObjectNode namespace = sources.addObject().putObject("downwardAPI").putArray("items").addObject();
        namespace.put("path", "namespace");
        ObjectNode fieldRef = namespace.putObject("fieldRef");
        fieldRef.put("apiVersion", "v1");
        fieldRef.put("fieldPath", "metadata.namespace");
        return projected;
    }

    /** upstream's Validate for mirror pods: no service account, no secrets, no token projections. */
    static void validateMirrorPod(ObjectNode pod, String name) {
        JsonNode spec = pod.path("spec");
        if (!spec.path("serviceAccountName").asText("").isEmpty()) {
            throw ApiError.Forbidden.of("pods", name, "a mirror pod may not reference service accounts");
        }
        boolean secrets = dev.j8s.apiserver.authorization.node.NodeGraph
                .references(pod.path("metadata").path("namespace").asText(""), pod).stream()
                .anyMatch(r -> r.kind() == dev.j8s.apiserver.authorization.node.NodeGraph.Kind.SECRET);
        if (secrets) {
            throw ApiError.Forbidden.of("pods", name, "a mirror pod may not reference secrets");
        }
        for (JsonNode v : spec.path("volumes")) {
            for (JsonNode source : v.path("projected").path("sources")) {
                if (source.has("serviceAccountToken")) {
                    throw ApiError.Forbidden.of("pods", name, "a mirror pod may not use ServiceAccountToken volume projections");
                }
            }
        }
    }
}
