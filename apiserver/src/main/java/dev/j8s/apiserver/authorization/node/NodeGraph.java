package dev.j8s.apiserver.authorization.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.storage.Store;
import dev.j8s.apiserver.storage.WatchEvent;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which node each bound pod runs on and which secrets, configMaps, service accounts and claims it references, and
 * which claim each PersistentVolume's {@code claimRef} names (upstream's node-authorizer graph with its pod and PV
 * populators: a volume is related to a node through its claim), kept current by store watches whose events arrive
 * before the write that caused them returns. Pods without a node are not in the graph. Thread-safe.
 */
public final class NodeGraph implements AutoCloseable {

    /** The kinds of object a pod references. */
    public enum Kind { SECRET, CONFIG_MAP, SERVICE_ACCOUNT, PERSISTENT_VOLUME_CLAIM }

    /** A referenced object. */
    public record Ref(Kind kind, String namespace, String name) {}

    /** A pod in the graph: its node and what it references. */
    private record PodEntry(String node, Set<Ref> refs) {}

    private final Map<String, PodEntry> pods = new ConcurrentHashMap<>();
    private final Map<Ref, Set<String>> referencedBy = new ConcurrentHashMap<>();
    private final Map<String, Integer> nodes = new ConcurrentHashMap<>();
    /** Each PersistentVolume's claim (its {@code spec.claimRef}), by volume name. */
    private final Map<String, Ref> volumeClaims = new ConcurrentHashMap<>();
    private Store.Watch watch;
    private Store.Watch volumeWatch;

    /**
     * A graph fed by {@code store}'s pod and PersistentVolume watches from now on (the current objects are loaded
     * first).
     */
    public static NodeGraph watching(Store store) {
        NodeGraph graph = new NodeGraph();
        graph.watch = store.watch("pods", "", 0, graph::onPod);
        graph.volumeWatch = store.watch("persistentvolumes", "", 0, graph::onVolume);
        return graph;
    }

    /**
     * Applies one PersistentVolume change (public for tests that feed the graph themselves): the volume is related
     * to the claim its {@code claimRef} names, as upstream's graph adds its PV-to-claim edge, whatever the claim's
     * own {@code volumeName} says.
     */
    public void onVolume(WatchEvent e) {
        JsonNode claimRef = e.type() == WatchEvent.Type.DELETED ? null : e.object().path("spec").path("claimRef");
        String namespace = claimRef == null ? "" : claimRef.path("namespace").asText("");
        String name = claimRef == null ? "" : claimRef.path("name").asText("");
        if (namespace.isEmpty() || name.isEmpty()) {
            volumeClaims.remove(e.name());
        } else {
            volumeClaims.put(e.name(), new Ref(Kind.PERSISTENT_VOLUME_CLAIM, namespace, name));
        }
    }

    /**
     * Applies one pod change (public for tests that feed the graph themselves). A reader never sees a pod that
     * stays on its node without its references: new references are added before the pod's entry changes and
     * stale ones removed after.
     */
    public synchronized void onPod(WatchEvent e) {
        String key = e.namespace() + "/" + e.name();
        String node = e.type() == WatchEvent.Type.DELETED ? "" : e.object().path("spec").path("nodeName").asText("");
        PodEntry old = pods.get(key);
        if (node.isEmpty()) {
            if (old != null) {
                pods.remove(key);
                nodes.computeIfPresent(old.node(), (n, count) -> count > 1 ? count - 1 : null);
                unreference(key, old.refs());
            }
            return;
        }
        PodEntry entry = new PodEntry(node, references(e.namespace(), e.object()));
        if (entry.equals(old)) {
            return; // the common case: a status update
        }
        for (Ref r : entry.refs()) {
            referencedBy.computeIfAbsent(r, k -> ConcurrentHashMap.newKeySet()).add(key);
        }
        nodes.merge(node, 1, Integer::sum);
        pods.put(key, entry);
        if (old != null) {
            nodes.computeIfPresent(old.node(), (n, count) -> count > 1 ? count - 1 : null);
            Set<Ref> stale = new HashSet<>(old.refs());
            stale.removeAll(entry.refs());
            unreference(key, stale);
        }
    }

    private void unreference(String key, Set<Ref> refs) {
        for (Ref r : refs) {
            referencedBy.computeIfPresent(r, (k, set) -> {
                set.remove(key);
                return set.isEmpty() ? null : set;
            });
        }
    }

    /** Whether any pod on the node is in the graph (upstream: the node's vertex exists). */
    boolean knowsNode(String node) {
        return nodes.containsKey(node);
    }

    /** Whether the pod {@code namespace/name} is bound to {@code node}. */
    boolean podOnNode(String node, String namespace, String name) {
        PodEntry p = pods.get(namespace + "/" + name);
        return p != null && p.node().equals(node);
    }

    /** Whether a pod bound to {@code node} references the object. */
    boolean referencedFrom(String node, Kind kind, String namespace, String name) {
        Set<String> from = referencedBy.get(new Ref(kind, namespace, name));
        if (from == null) {
            return false;
        }
        for (String pod : from) {
            PodEntry p = pods.get(pod);
            if (p != null && p.node().equals(node)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the PersistentVolume {@code name} is bound to a claim that a pod bound to {@code node} references. */
    boolean volumeReferencedFrom(String node, String name) {
        Ref claim = volumeClaims.get(name);
        return claim != null && referencedFrom(node, claim.kind(), claim.namespace(), claim.name());
    }

    /**
     * What a pod references, as upstream's {@code VisitPodSecretNames}/{@code VisitPodConfigmapNames} and the graph
     * populator: pull secrets, env and envFrom of every container, secret, configMap and projected volumes (and the
     * secret references of other volume types), its service account, its claims (ephemeral ones by their
     * {@code <pod>-<volume>} name).
     */
    public static Set<Ref> references(String namespace, JsonNode pod) {
        Set<Ref> refs = new HashSet<>();
        JsonNode spec = pod.path("spec");
        String sa = spec.path("serviceAccountName").asText("");
        if (!sa.isEmpty()) {
            refs.add(new Ref(Kind.SERVICE_ACCOUNT, namespace, sa));
        }
        for (JsonNode s : spec.path("imagePullSecrets")) {
            add(refs, Kind.SECRET, namespace, s.path("name"));
        }
        for (String list : new String[] {"initContainers", "containers", "ephemeralContainers"}) {
            for (JsonNode c : spec.path(list)) {
                for (JsonNode env : c.path("env")) {
                    JsonNode from = env.path("valueFrom");
                    add(refs, Kind.SECRET, namespace, from.path("secretKeyRef").path("name"));
                    add(refs, Kind.CONFIG_MAP, namespace, from.path("configMapKeyRef").path("name"));
                }
                for (JsonNode envFrom : c.path("envFrom")) {
                    add(refs, Kind.SECRET, namespace, envFrom.path("secretRef").path("name"));
                    add(refs, Kind.CONFIG_MAP, namespace, envFrom.path("configMapRef").path("name"));
                }
            }
        }
        String podName = pod.path("metadata").path("name").asText("");
        for (JsonNode v : spec.path("volumes")) {
            // only the sources the volume has (a name and usually one source), not a lookup of every type per volume
            for (var field : v.properties()) {
                JsonNode source = field.getValue();
                switch (field.getKey()) {
                    case "secret" -> add(refs, Kind.SECRET, namespace, source.path("secretName"));
                    case "configMap" -> add(refs, Kind.CONFIG_MAP, namespace, source.path("name"));
                    case "projected" -> {
                        for (JsonNode projection : source.path("sources")) {
                            add(refs, Kind.SECRET, namespace, projection.path("secret").path("name"));
                            add(refs, Kind.CONFIG_MAP, namespace, projection.path("configMap").path("name"));
                        }
                    }
                    case "azureFile", "cephfs", "cinder", "flexVolume", "iscsi", "rbd", "scaleIO", "storageos", "csi" -> {
                        add(refs, Kind.SECRET, namespace, source.path("secretRef").path("name"));
                        add(refs, Kind.SECRET, namespace, source.path("secretName"));
                        add(refs, Kind.SECRET, namespace, source.path("nodePublishSecretRef").path("name"));
                    }
                    case "persistentVolumeClaim" ->
                            add(refs, Kind.PERSISTENT_VOLUME_CLAIM, namespace, source.path("claimName"));
                    case "ephemeral" -> refs.add(new Ref(Kind.PERSISTENT_VOLUME_CLAIM, namespace,
                            podName + "-" + v.path("name").asText("")));
                    default -> { }
                }
            }
        }
        return refs;
    }

    private static void add(Set<Ref> refs, Kind kind, String namespace, JsonNode name) {
        String n = name.asText("");
        if (!n.isEmpty()) {
            refs.add(new Ref(kind, namespace, n));
        }
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
        if (volumeWatch != null) {
            volumeWatch.close();
        }
    }
}
