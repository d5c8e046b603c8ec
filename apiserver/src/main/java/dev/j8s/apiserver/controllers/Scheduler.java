package dev.j8s.apiserver.controllers;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ObjectService;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code default-scheduler}: binds each pod that names no node (and no other scheduler) to the node
 * {@link SchedulingDecision} picks among every registered node, with the {@code Scheduled} event; a pod that fits
 * nowhere gets {@code PodScheduled=False} with reason {@code Unschedulable} and the {@code FailedScheduling} event in
 * upstream's words (the VolumeBinding plugin's first, and a pod with claims goes to the server's node, where
 * local-path volumes live), and is tried again when a node changes in a way that matters to scheduling (added, labels,
 * taints, unschedulable, allocatable) or a bound pod ends or goes away, as upstream's scheduling queue moves
 * unschedulable pods back on such cluster events. Decisions are serialized, so two pods never count on the same room.
 * Thread-safe.
 */
final class Scheduler {

    static final String NAME = "default-scheduler";
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private final ObjectService objects;
    private final EventRecorder events;
    /** Pods left unschedulable, by namespace/name. */
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    /** The scheduling-relevant part of each node, to tell a heartbeat from a change that may make room. */
    private final Map<String, String> nodeFingerprints = new ConcurrentHashMap<>();
    /** The bound pods as model objects, by namespace/name, converted again only when their resourceVersion moved. */
    private final Map<String, Converted<Pod>> converted = new HashMap<>();
    /** The nodes as model objects, by name, converted again only when their resourceVersion moved. */
    private final Map<String, Converted<Node>> convertedNodes = new HashMap<>();

    private record Converted<T>(String resourceVersion, T object) {}

    private final String embeddedNode;
    private final VolumeBinding volumeBinding;

    /**
     * @param embeddedNode  the server's own node, the only one whose volumes the local-path provisioner makes
     * @param volumeBinding decides first whether the pod's claims let it be bound now
     */
    Scheduler(ObjectService objects, EventRecorder events, String embeddedNode, VolumeBinding volumeBinding) {
        this.objects = objects;
        this.events = events;
        this.embeddedNode = embeddedNode;
        this.volumeBinding = volumeBinding;
    }

    /** A pod changed: schedule it when it waits for this scheduler; retry the pending ones when it freed room. */
    void onPod(String namespace, String name, ObjectNode pod, boolean deleted) {
        String key = namespace + "/" + name;
        if (deleted) {
            pending.remove(key);
            if (!Json.text(pod, "spec.nodeName").isEmpty()) {
                retryPending();
            }
            return;
        }
        if (!Json.text(pod, "spec.nodeName").isEmpty()) {
            String phase = Json.text(pod, "status.phase");
            if (phase.equals("Succeeded") || phase.equals("Failed")) {
                retryPending();
            }
            return;
        }
        if (pod.path("metadata").hasNonNull("deletionTimestamp") || !ours(pod)) {
            return;
        }
        schedule(namespace, name);
    }

    /** A node changed: retry the pending pods when what scheduling looks at changed. */
    void onNode(String name, ObjectNode node, boolean deleted) {
        if (deleted) {
            nodeFingerprints.remove(name);
            return;
        }
        String fingerprint = String.join("\u0000", Json.at(node, "metadata.labels").toString(),
                Json.at(node, "spec.taints").toString(), Json.text(node, "spec.unschedulable"),
                Json.at(node, "status.allocatable").toString());
        if (!fingerprint.equals(nodeFingerprints.put(name, fingerprint))) {
            retryPending();
        }
    }

    private static boolean ours(ObjectNode pod) {
        String scheduler = Json.text(pod, "spec.schedulerName");
        return scheduler.isEmpty() || scheduler.equals(NAME);
    }

    private void retryPending() {
        for (String key : new ArrayList<>(pending)) {
            String[] parts = key.split("/", 2);
            schedule(parts[0], parts[1]);
        }
    }

    /** One scheduling attempt for the pod {@code namespace/name}, if it still waits. */
    synchronized void schedule(String namespace, String name) {
        String key = namespace + "/" + name;
        var current = objects.store().get("pods", namespace, name);
        if (current.isEmpty() || !Json.text(current.get(), "spec.nodeName").isEmpty()
                || current.get().path("metadata").hasNonNull("deletionTimestamp") || !ours(current.get())) {
            pending.remove(key);
            return;
        }
        List<Node> nodes = new ArrayList<>();
        Map<String, Converted<Node>> seenNodes = new HashMap<>();
        for (ObjectNode n : objects.store().list("nodes", "").items()) {
            Converted<Node> c = current(convertedNodes, Json.name(n), n, Node.class);
            seenNodes.put(Json.name(n), c);
            nodes.add(c.object());
        }
        convertedNodes.keySet().retainAll(seenNodes.keySet());
        convertedNodes.putAll(seenNodes);
        switch (volumeBinding.decide(current.get())) {
            case VolumeBinding.Decision.Bind bind -> { }
            case VolumeBinding.Decision.Wait wait -> {
                pending.remove(key); // a change of the claim brings the pod back
                return;
            }
            case VolumeBinding.Decision.Unschedulable u -> {
                pending.add(key);
                markUnschedulable(namespace, name, VolumeBinding.fitError(Math.max(1, nodes.size()), u.reason()));
                return;
            }
        }
        // the claims' volumes (local-path) live on the server's own node
        java.util.function.Predicate<String> volumesFit = usesClaims(current.get()) ? embeddedNode::equals : n -> true;
        List<Pod> assigned = new ArrayList<>();
        Map<String, Converted<Pod>> seen = new HashMap<>();
        for (ObjectNode p : objects.store().list("pods", "").items()) {
            String phase = Json.text(p, "status.phase");
            if (!Json.text(p, "spec.nodeName").isEmpty() && !phase.equals("Succeeded") && !phase.equals("Failed")) {
                String podKey = Json.namespace(p) + "/" + Json.name(p);
                Converted<Pod> c = current(converted, podKey, p, Pod.class);
                seen.put(podKey, c);
                assigned.add(c.object());
            }
        }
        converted.keySet().retainAll(seen.keySet());
        converted.putAll(seen);
        Pod pod = SERIALIZATION.convertValue(current.get(), Pod.class);
        switch (SchedulingDecision.decide(pod, nodes, assigned, volumesFit)) {
            case SchedulingDecision.Bind(String node) -> {
                pending.remove(key);
                try {
                    ObjectNode bound = objects.bind(namespace, name, node);
                    events.record(bound, "", "Normal", "Scheduled",
                            "Successfully assigned " + namespace + "/" + name + " to " + node, NAME, "");
                } catch (ApiError.Conflict | ApiError.NotFound alreadyHandled) {
                    // bound or deleted meanwhile
                }
            }
            case SchedulingDecision.Unschedulable(String message) -> {
                pending.add(key);
                markUnschedulable(namespace, name, message);
            }
        }
    }

    /** The model object of {@code tree}: the one converted before when its resourceVersion has not moved. */
    private static <T> Converted<T> current(Map<String, Converted<T>> cache, String key, ObjectNode tree, Class<T> type) {
        String version = Json.text(tree, "metadata.resourceVersion");
        Converted<T> c = cache.get(key);
        return c != null && c.resourceVersion().equals(version) ? c
                : new Converted<>(version, SERIALIZATION.convertValue(tree, type));
    }

    /** Sets {@code PodScheduled=False/Unschedulable} and records {@code FailedScheduling} when the message is new. */
    private void markUnschedulable(String namespace, String name, String message) {
        boolean[] changed = {false};
        ObjectNode updated;
        try {
            updated = objects.store().guaranteedUpdate("pods", namespace, name, pod -> {
                if (!Json.text(pod, "spec.nodeName").isEmpty()) {
                    return pod;
                }
                ObjectNode status = Json.child(pod, "status");
                ArrayNode conditions = status.has("conditions") && status.get("conditions").isArray()
                        ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
                for (int i = 0; i < conditions.size(); i++) {
                    ObjectNode c = (ObjectNode) conditions.get(i);
                    if (c.path("type").asText().equals("PodScheduled")) {
                        if (c.path("status").asText().equals("False")
                                && Objects.equals(c.path("message").asText(), message)) {
                            return pod;
                        }
                        conditions.remove(i);
                        break;
                    }
                }
                ObjectNode scheduled = conditions.addObject();
                scheduled.put("type", "PodScheduled");
                scheduled.put("status", "False");
                scheduled.putNull("lastProbeTime");
                scheduled.put("lastTransitionTime", objects.now());
                scheduled.put("reason", "Unschedulable");
                scheduled.put("message", message);
                changed[0] = true;
                return pod;
            });
        } catch (ApiError.NotFound gone) {
            return;
        }
        if (changed[0]) {
            events.record(updated, "", "Warning", "FailedScheduling", message, NAME, "");
        }
    }

    private static boolean usesClaims(ObjectNode pod) {
        for (var volume : pod.path("spec").path("volumes")) {
            if (volume.has("persistentVolumeClaim")) {
                return true;
            }
        }
        return false;
    }

    /** The pods waiting for room, by namespace/name (for tests). */
    Set<String> pending() {
        return new LinkedHashSet<>(pending);
    }
}
