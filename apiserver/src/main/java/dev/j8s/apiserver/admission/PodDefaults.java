package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pod defaulting as upstream's {@code pkg/apis/core/v1/defaults.go} (SetDefaults_Pod, _PodSpec,
 * _Container, probes, volumes), the DefaultTolerationSeconds plugin and the QoS class of
 * {@code pkg/apis/core/helper/qos}. Stateless and thread-safe.
 */
final class PodDefaults {

    static final List<String> CONTAINER_LISTS = List.of("initContainers", "containers", "ephemeralContainers");

    private PodDefaults() {}

    /** Applies the decode-time defaults to a pod; idempotent, so it is re-run on every update. */
    static void apply(ObjectNode pod) {
        apply(pod, false);
    }

    /**
     * The defaults of a pod template ({@code {"spec": template.spec}}): SetDefaults_PodSpec and below, without
     * what upstream's SetDefaults_Pod adds to pods only (enableServiceLinks, requests from limits, host ports
     * under hostNetwork).
     */
    static void applyToTemplate(ObjectNode pod) {
        apply(pod, true);
    }

    private static void apply(ObjectNode pod, boolean template) {
        ObjectNode spec = Trees.objOrCreate(pod, "spec");
        Trees.putIfAbsent(spec, "dnsPolicy", "ClusterFirst");
        Trees.putIfAbsent(spec, "restartPolicy", "Always");
        if (!Trees.has(spec, "terminationGracePeriodSeconds")) {
            spec.put("terminationGracePeriodSeconds", 30);
        }
        if (!Trees.has(spec, "securityContext")) {
            spec.putObject("securityContext");
        }
        Trees.putIfAbsent(spec, "schedulerName", "default-scheduler");
        if (!template && !Trees.has(spec, "enableServiceLinks")) {
            spec.put("enableServiceLinks", true);
        }
        // v1 conversion: the deprecated serviceAccount fills serviceAccountName, and is echoed back.
        if (Trees.str(spec, "serviceAccountName").isEmpty() && !Trees.str(spec, "serviceAccount").isEmpty()) {
            spec.put("serviceAccountName", Trees.str(spec, "serviceAccount"));
        }
        boolean hostNetwork = !template && spec.path("hostNetwork").asBoolean(false);
        for (String list : CONTAINER_LISTS) {
            for (ObjectNode c : Trees.objects(spec, list)) {
                container(c, hostNetwork && !list.equals("ephemeralContainers"));
                if (!template && !list.equals("ephemeralContainers")) {
                    requestsFromLimits(c);
                }
            }
        }
        for (ObjectNode v : Trees.objects(spec, "volumes")) {
            volume(v);
        }
    }

    private static void container(ObjectNode c, boolean hostNetwork) {
        if (Trees.str(c, "imagePullPolicy").isEmpty()) {
            c.put("imagePullPolicy", ImageNames.defaultPullPolicy(Trees.str(c, "image")));
        }
        Trees.putIfAbsent(c, "terminationMessagePath", "/dev/termination-log");
        Trees.putIfAbsent(c, "terminationMessagePolicy", "File");
        if (!Trees.has(c, "resources")) {
            c.putObject("resources");
        }
        for (ObjectNode p : Trees.objects(c, "ports")) {
            Trees.putIfAbsent(p, "protocol", "TCP");
            if (hostNetwork && !Trees.has(p, "hostPort") && Trees.has(p, "containerPort")) {
                p.set("hostPort", p.get("containerPort").deepCopy());
            }
        }
        for (ObjectNode env : Trees.objects(c, "env")) {
            ObjectNode fieldRef = Trees.obj(Trees.obj(env, "valueFrom"), "fieldRef");
            if (fieldRef != null) {
                Trees.putIfAbsent(fieldRef, "apiVersion", "v1");
            }
        }
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            ObjectNode p = Trees.obj(c, probe);
            if (p != null) {
                probe(p);
            }
        }
        ObjectNode lifecycle = Trees.obj(c, "lifecycle");
        if (lifecycle != null) {
            for (String hook : List.of("postStart", "preStop")) {
                handler(Trees.obj(lifecycle, hook));
            }
        }
    }

    private static void probe(ObjectNode p) {
        for (var d : Map.of("timeoutSeconds", 1, "periodSeconds", 10, "successThreshold", 1, "failureThreshold", 3).entrySet()) {
            if (!Trees.has(p, d.getKey())) {
                p.put(d.getKey(), d.getValue());
            }
        }
        handler(p);
        ObjectNode grpc = Trees.obj(p, "grpc");
        if (grpc != null && !Trees.has(grpc, "service")) {
            grpc.put("service", "");
        }
    }

    private static void handler(ObjectNode h) {
        ObjectNode http = Trees.obj(h, "httpGet");
        if (http != null) {
            Trees.putIfAbsent(http, "path", "/");
            Trees.putIfAbsent(http, "scheme", "HTTP");
        }
    }

    private static void volume(ObjectNode v) {
        for (String source : List.of("secret", "configMap", "downwardAPI", "projected")) {
            ObjectNode s = Trees.obj(v, source);
            if (s != null && !Trees.has(s, "defaultMode")) {
                s.put("defaultMode", 420);
            }
        }
        ObjectNode projected = Trees.obj(v, "projected");
        if (projected != null) {
            for (ObjectNode source : Trees.objects(projected, "sources")) {
                ObjectNode token = Trees.obj(source, "serviceAccountToken");
                if (token != null && !Trees.has(token, "expirationSeconds")) {
                    token.put("expirationSeconds", 3600);
                }
            }
        }
        ObjectNode hostPath = Trees.obj(v, "hostPath");
        if (hostPath != null && !Trees.has(hostPath, "type")) {
            hostPath.put("type", "");
        }
        if (!hasVolumeSource(v)) {
            // upstream's decoder defaults an empty volume source to emptyDir
            v.putObject("emptyDir");
        }
    }

    static final Set<String> VOLUME_SOURCES = Set.of("hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore",
            "gitRepo", "secret", "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder",
            "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
            "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image");

    static boolean hasVolumeSource(ObjectNode v) {
        return v.properties().stream().anyMatch(e -> VOLUME_SOURCES.contains(e.getKey()) && !e.getValue().isNull());
    }

    /** SetDefaults_Pod: a limit without a request makes the request equal to the limit. */
    private static void requestsFromLimits(ObjectNode c) {
        ObjectNode resources = Trees.obj(c, "resources");
        ObjectNode limits = Trees.obj(resources, "limits");
        if (limits == null) {
            return;
        }
        ObjectNode requests = Trees.objOrCreate(resources, "requests");
        limits.properties().forEach(e -> {
            if (!requests.has(e.getKey())) {
                requests.set(e.getKey(), e.getValue().deepCopy());
            }
        });
    }

    /** DefaultTolerationSeconds: not-ready and unreachable NoExecute tolerations of 300 s unless tolerated already. */
    static void defaultTolerations(ObjectNode pod) {
        ObjectNode spec = Trees.objOrCreate(pod, "spec");
        boolean notReady = false;
        boolean unreachable = false;
        for (ObjectNode t : Trees.objects(spec, "tolerations")) {
            String key = Trees.str(t, "key");
            String effect = Trees.str(t, "effect");
            boolean noExecute = effect.isEmpty() || effect.equals("NoExecute");
            notReady |= noExecute && (key.isEmpty() || key.equals("node.kubernetes.io/not-ready"));
            unreachable |= noExecute && (key.isEmpty() || key.equals("node.kubernetes.io/unreachable"));
        }
        if (notReady && unreachable) {
            return;
        }
        ArrayNode tolerations = spec.get("tolerations") instanceof ArrayNode a ? a : spec.putArray("tolerations");
        if (!notReady) {
            tolerations.add(toleration(spec, "node.kubernetes.io/not-ready"));
        }
        if (!unreachable) {
            tolerations.add(toleration(spec, "node.kubernetes.io/unreachable"));
        }
    }

    private static ObjectNode toleration(ObjectNode factory, String key) {
        ObjectNode t = factory.objectNode();
        t.put("key", key);
        t.put("operator", "Exists");
        t.put("effect", "NoExecute");
        t.put("tolerationSeconds", 300);
        return t;
    }

    /** {@code GetPodQOS} over init and regular containers, cpu and memory only. */
    static String qosClass(String kind, ObjectNode spec) {
        Map<String, Quantity> requests = new HashMap<>();
        Map<String, Quantity> limits = new HashMap<>();
        boolean guaranteed = true;
        for (String list : List.of("initContainers", "containers")) {
            for (ObjectNode c : Trees.objects(spec, list)) {
                ObjectNode resources = Trees.obj(c, "resources");
                sum(kind, Trees.obj(resources, "requests"), requests);
                Set<String> found = sum(kind, Trees.obj(resources, "limits"), limits);
                if (!found.contains("cpu") || !found.contains("memory")) {
                    guaranteed = false;
                }
            }
        }
        if (requests.isEmpty() && limits.isEmpty()) {
            return "BestEffort";
        }
        if (guaranteed) {
            for (var e : requests.entrySet()) {
                Quantity lim = limits.get(e.getKey());
                if (lim == null || lim.compareTo(e.getValue()) != 0) {
                    guaranteed = false;
                    break;
                }
            }
        }
        return guaranteed && requests.size() == limits.size() ? "Guaranteed" : "Burstable";
    }

    private static Set<String> sum(String kind, ObjectNode list, Map<String, Quantity> into) {
        Set<String> found = new HashSet<>();
        if (list == null) {
            return found;
        }
        for (var e : list.properties()) {
            String name = e.getKey();
            if (!name.equals("cpu") && !name.equals("memory")) {
                continue;
            }
            JsonNode raw = e.getValue();
            Quantity q = Quantity.of(kind, raw);
            if (q.isPositive()) {
                found.add(name);
                into.merge(name, q, (a, b) -> new Quantity(a.text(), a.value().add(b.value())));
            }
        }
        return found;
    }
}
