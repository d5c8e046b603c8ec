package dev.j8s.apiserver.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.storage.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The scheduler's VolumeBinding plugin for the one node (upstream {@code pkg/scheduler/framework/plugins/
 * volumebinding}): decides whether a pod's persistentVolumeClaims let it be bound to the node now. A claim that is
 * missing, being deleted, or unbound with immediate binding makes the pod unschedulable with upstream's message; an
 * unbound claim of a {@code WaitForFirstConsumer} class gets the {@code volume.kubernetes.io/selected-node}
 * annotation (so the PV controller provisions it for this node) and the pod waits, unbound and without an event,
 * until the claim is bound. Stateless and thread-safe.
 */
final class VolumeBinding {

    static final String SELECTED_NODE = "volume.kubernetes.io/selected-node";

    /** What the plugin decided for a pod. */
    sealed interface Decision {
        /** Every claim is bound: bind the pod. */
        record Bind() implements Decision {}

        /** A claim is being provisioned or bound for this node: look again when a claim changes. */
        record Wait() implements Decision {}

        /** The pod cannot be scheduled: {@code reason} is the plugin's message. */
        record Unschedulable(String reason) implements Decision {}
    }

    private final Store store;
    private final String nodeName;

    VolumeBinding(Store store, String nodeName) {
        this.store = store;
        this.nodeName = nodeName;
    }

    Decision decide(ObjectNode pod) {
        String namespace = Json.namespace(pod);
        List<ObjectNode> delayed = new ArrayList<>();
        for (JsonNode volume : pod.path("spec").path("volumes")) {
            String claimName = volume.path("persistentVolumeClaim").path("claimName").asText("");
            if (claimName.isEmpty()) {
                continue;
            }
            Optional<ObjectNode> claim = store.get("persistentvolumeclaims", namespace, claimName);
            if (claim.isEmpty()) {
                return new Decision.Unschedulable("persistentvolumeclaim \"" + claimName + "\" not found");
            }
            if (claim.get().path("metadata").hasNonNull("deletionTimestamp")) {
                return new Decision.Unschedulable("persistentvolumeclaim \"" + claimName + "\" is being deleted");
            }
            String volumeName = Json.text(claim.get(), "spec.volumeName");
            if (!volumeName.isEmpty()) {
                Optional<ObjectNode> pv = store.get("persistentvolumes", "", volumeName);
                if (pv.isPresent() && !nodeAffinityAllows(pv.get())) {
                    return new Decision.Unschedulable("1 node(s) had volume node affinity conflict");
                }
                continue;
            }
            String className = Json.text(claim.get(), "spec.storageClassName");
            Optional<ObjectNode> storageClass = className.isEmpty() ? Optional.empty()
                    : store.get("storageclasses.storage.k8s.io", "", className);
            if (storageClass.isEmpty() || !"WaitForFirstConsumer".equals(Json.text(storageClass.get(), "volumeBindingMode"))) {
                return new Decision.Unschedulable("pod has unbound immediate PersistentVolumeClaims");
            }
            delayed.add(claim.get());
        }
        if (delayed.isEmpty()) {
            return new Decision.Bind();
        }
        for (ObjectNode claim : delayed) {
            if (!nodeName.equals(claim.path("metadata").path("annotations").path(SELECTED_NODE).asText(""))) {
                store.guaranteedUpdate("persistentvolumeclaims", Json.namespace(claim), Json.name(claim), c -> {
                    Json.child(Json.child(c, "metadata"), "annotations").put(SELECTED_NODE, nodeName);
                    return c;
                });
            }
        }
        return new Decision.Wait();
    }

    /** Whether a volume's required node affinity lets it be used on this node (the hostname terms j8s writes). */
    private boolean nodeAffinityAllows(ObjectNode pv) {
        JsonNode terms = pv.path("spec").path("nodeAffinity").path("required").path("nodeSelectorTerms");
        if (!terms.isArray() || terms.isEmpty()) {
            return true;
        }
        for (JsonNode term : terms) {
            boolean all = true;
            for (JsonNode requirement : term.path("matchExpressions")) {
                if (!"kubernetes.io/hostname".equals(requirement.path("key").asText())) {
                    continue; // a label j8s' node may carry; not judged here
                }
                boolean in = false;
                for (JsonNode v : requirement.path("values")) {
                    in |= v.asText().equals(nodeName);
                }
                String operator = requirement.path("operator").asText();
                if (operator.equals("In") && !in || operator.equals("NotIn") && in) {
                    all = false;
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /**
     * Sets the pod's PodScheduled condition to False with reason Unschedulable and {@code message}; false when it
     * already said so (nothing written, so the caller records no repeat event for its own status write).
     */
    static boolean markUnschedulable(Store store, ObjectNode pod, String message, String now) {
        JsonNode current = condition(pod);
        if (current != null && "False".equals(current.path("status").asText())
                && message.equals(current.path("message").asText())) {
            return false;
        }
        store.guaranteedUpdate("pods", Json.namespace(pod), Json.name(pod), p -> {
            ObjectNode status = Json.child(p, "status");
            ArrayNode conditions = status.has("conditions") && status.get("conditions").isArray()
                    ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
            for (int i = conditions.size() - 1; i >= 0; i--) {
                if (conditions.get(i).path("type").asText().equals("PodScheduled")) {
                    conditions.remove(i);
                }
            }
            ObjectNode c = conditions.addObject();
            c.put("type", "PodScheduled");
            c.put("status", "False");
            c.putNull("lastProbeTime");
            c.put("lastTransitionTime", now);
            c.put("reason", "Unschedulable");
            c.put("message", message);
            return p;
        });
        return true;
    }

    private static JsonNode condition(ObjectNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if ("PodScheduled".equals(c.path("type").asText())) {
                return c;
            }
        }
        return null;
    }

    /**
     * Upstream's FitError for one node whose PreFilter refused, followed by what preemption says then: {@code 0/1
     * nodes are available: <reason>. preemption: 0/1 nodes are available: 1 Preemption is not helpful for
     * scheduling.}
     */
    static String fitError(int nodes, String reason) {
        return "0/" + nodes + " nodes are available: " + reason + ". preemption: 0/" + nodes
                + " nodes are available: " + nodes + " Preemption is not helpful for scheduling.";
    }
}
