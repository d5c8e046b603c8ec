package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.node.NodeGraph;
import dev.j8s.apiserver.errors.ApiError;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The NodeRestriction admission plugin, as upstream's {@code plugin/pkg/admission/noderestriction}: a kubelet
 * ({@code system:node:<name>}) may create only mirror pods of its own node that reference nothing else, delete
 * and update the status of pods bound to its node only (without relabelling them), change only its own Node (no
 * taints, no restricted labels) and Lease, write only the capacity and conditions of a claim's status, and request
 * tokens only bound to pods on its node. Other users pass.
 * Thread-safe when its lookup is.
 */
final class NodeRestriction {

    static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
    private static final String NODE_LEASE_NAMESPACE = "kube-node-lease";
    private static final Set<String> KUBELET_LABELS = Set.of("kubernetes.io/hostname", "topology.kubernetes.io/zone",
            "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone",
            "failure-domain.beta.kubernetes.io/region", "beta.kubernetes.io/instance-type",
            "node.kubernetes.io/instance-type", "kubernetes.io/os", "kubernetes.io/arch", "beta.kubernetes.io/os",
            "beta.kubernetes.io/arch", "node.kubernetes.io/windows-build");
    private static final List<String> KUBELET_LABEL_NAMESPACES = List.of("kubelet.kubernetes.io", "node.kubernetes.io");

    private final Admission.Lookup lookup;

    NodeRestriction(Admission.Lookup lookup) {
        this.lookup = lookup;
    }

    /** A create by {@code user}. */
    void admitCreate(UserInfo user, String kind, String resource, ObjectNode obj) {
        Optional<String> node = nodeOf(user, resource, name(obj));
        if (node.isEmpty()) {
            return;
        }
        String n = node.get();
        switch (kind) {
            case "Pod" -> admitPodCreate(n, obj);
            case "Node" -> {
                admitNodeName(n, name(obj));
                if (obj.path("spec").has("configSource") && !obj.path("spec").path("configSource").isNull()) {
                    throw forbidden("nodes", name(obj), "node \"" + n + "\" is not allowed to create pods with a non-nil configSource");
                }
                Set<String> forbidden = forbiddenLabels(modifiedLabels(labels(obj), Map.of()));
                if (!forbidden.isEmpty()) {
                    throw forbidden("nodes", name(obj), "node \"" + n + "\" is not allowed to set the following labels: "
                            + String.join(", ", forbidden));
                }
            }
            case "Lease" -> admitLease(n, text(obj, "metadata.namespace"), name(obj));
            default -> { }
        }
    }

    /** An update of the main resource or a subresource by {@code user}. */
    void admitUpdate(UserInfo user, String kind, String resource, ObjectNode old, ObjectNode obj, String subresource) {
        Optional<String> node = nodeOf(user, resource, name(obj));
        if (node.isEmpty()) {
            return;
        }
        String n = node.get();
        switch (kind) {
            case "Pod" -> {
                if (!subresource.equals("status")) {
                    throw forbidden("pods", name(obj), "unexpected operation \"UPDATE\", node \"" + n
                            + "\" can only create and delete mirror pods");
                }
                if (!old.path("spec").path("nodeName").asText("").equals(n)) {
                    throw forbidden("pods", name(obj), "node \"" + n
                            + "\" can only update pod status for pods with spec.nodeName set to itself");
                }
                if (!labels(old).equals(labels(obj))) {
                    throw forbidden("pods", name(obj), "node \"" + n + "\" cannot update labels through pod status");
                }
            }
            case "Node" -> {
                admitNodeName(n, name(obj));
                JsonNode configSource = obj.path("spec").path("configSource");
                if (!configSource.isMissingNode() && !configSource.isNull()
                        && !configSource.equals(old.path("spec").path("configSource"))) {
                    throw forbidden("nodes", name(obj), "node \"" + n
                            + "\" is not allowed to update configSource to a new non-nil configSource");
                }
                if (!taints(obj).equals(taints(old))) {
                    throw forbidden("nodes", name(obj), "node \"" + n + "\" is not allowed to modify taints");
                }
                Set<String> forbidden = forbiddenLabels(modifiedLabels(labels(obj), labels(old)));
                if (!forbidden.isEmpty()) {
                    throw forbidden("nodes", name(obj), "is not allowed to modify labels: " + String.join(", ", forbidden));
                }
            }
            case "Lease" -> admitLease(n, text(obj, "metadata.namespace"), name(obj));
            case "PersistentVolumeClaim" -> {
                if (subresource.equals("status")) {
                    admitClaimStatus(n, old, obj);
                }
            }
            default -> { }
        }
    }

    /** The parts of a claim's status a node may write (with RecoverVolumeExpansionFailure, on in 1.32). */
    private static final Set<String> CLAIM_STATUS_FOR_NODES = Set.of("capacity", "conditions", "allocatedResources",
            "allocatedResourceStatuses");
    private static final List<String> CLAIM_METADATA = List.of("labels", "annotations", "finalizers",
            "ownerReferences", "deletionTimestamp", "deletionGracePeriodSeconds");

    /**
     * Upstream's {@code admitPVCStatus}: a node (which the Node authorizer lets update the status of its pods'
     * claims, for expansion) may change only the claim's capacity, conditions and allocated resources; the fields it
     * changed besides are named.
     */
    private static void admitClaimStatus(String node, ObjectNode old, ObjectNode obj) {
        Set<String> changed = new TreeSet<>();
        for (String field : CLAIM_METADATA) {
            if (!java.util.Objects.equals(old.path("metadata").get(field), obj.path("metadata").get(field))) {
                changed.add("metadata." + field);
            }
        }
        Set<String> statusFields = new TreeSet<>();
        old.path("status").fieldNames().forEachRemaining(statusFields::add);
        obj.path("status").fieldNames().forEachRemaining(statusFields::add);
        for (String field : statusFields) {
            if (!CLAIM_STATUS_FOR_NODES.contains(field)
                    && !java.util.Objects.equals(old.path("status").get(field), obj.path("status").get(field))) {
                changed.add("status." + field);
            }
        }
        if (!changed.isEmpty()) {
            throw forbidden("persistentvolumeclaims", name(obj), "node \"" + node + "\" is not allowed to update "
                    + "fields other than status.capacity and status.conditions: " + String.join(", ", changed));
        }
    }

    /** A delete by {@code user}. */
    void admitDelete(UserInfo user, String kind, String resource, ObjectNode current) {
        Optional<String> node = nodeOf(user, resource, name(current));
        if (node.isEmpty()) {
            return;
        }
        switch (kind) {
            case "Pod" -> {
                if (!current.path("spec").path("nodeName").asText("").equals(node.get())) {
                    throw forbidden("pods", name(current), "node \"" + node.get()
                            + "\" can only delete pods with spec.nodeName set to itself");
                }
            }
            case "Node" -> admitNodeName(node.get(), name(current));
            case "Lease" -> admitLease(node.get(), text(current, "metadata.namespace"), name(current));
            default -> { }
        }
    }

    /**
     * A TokenRequest by a node: bound to a pod (with its UID) that runs on the node.
     *
     * @param tokenRequest the decoded request
     */
    void admitTokenRequest(UserInfo user, String namespace, String serviceAccount, ObjectNode tokenRequest) {
        Optional<String> node = nodeOf(user, "serviceaccounts", serviceAccount);
        if (node.isEmpty()) {
            return;
        }
        JsonNode ref = tokenRequest.path("spec").path("boundObjectRef");
        if (ref.isMissingNode() || ref.isNull() || !ref.path("apiVersion").asText("").equals("v1")
                || !ref.path("kind").asText("").equals("Pod") || ref.path("name").asText("").isEmpty()) {
            throw forbidden("serviceaccounts", serviceAccount, "node requested token not bound to a pod");
        }
        if (ref.path("uid").asText("").isEmpty()) {
            throw forbidden("serviceaccounts", serviceAccount, "node requested token with a pod binding without a uid");
        }
        String podName = ref.path("name").asText();
        ObjectNode pod = lookup.get("pods", namespace, podName)
                .orElseThrow(() -> new ApiError.NotFound("pods", podName));
        String uid = pod.path("metadata").path("uid").asText("");
        if (!ref.path("uid").asText().equals(uid)) {
            throw forbidden("serviceaccounts", serviceAccount, "the UID in the bound object reference ("
                    + ref.path("uid").asText() + ") does not match the UID in record. The object might have been deleted"
                    + " and then recreated");
        }
        if (!pod.path("spec").path("nodeName").asText("").equals(node.get())) {
            throw forbidden("serviceaccounts", serviceAccount,
                    "node requested token bound to a pod scheduled on a different node");
        }
    }

    /** The node of a node user; empty for other users. */
    private static Optional<String> nodeOf(UserInfo user, String resource, String name) {
        Optional<String> node = user.nodeName();
        if (node.isPresent() && node.get().isEmpty()) {
            throw forbidden(resource, name, "could not determine node from user \"" + user.name() + "\"");
        }
        return node;
    }

    private void admitPodCreate(String node, ObjectNode pod) {
        String name = name(pod);
        JsonNode annotations = pod.path("metadata").path("annotations");
        if (!annotations.has(MIRROR_ANNOTATION)) {
            throw forbidden("pods", name, "pod does not have \"" + MIRROR_ANNOTATION + "\" annotation, node \"" + node
                    + "\" can only create mirror pods");
        }
        if (!pod.path("spec").path("nodeName").asText("").equals(node)) {
            throw forbidden("pods", name, "node \"" + node + "\" can only create pods with spec.nodeName set to itself");
        }
        JsonNode owners = pod.path("metadata").path("ownerReferences");
        if (owners.size() > 1) {
            throw forbidden("pods", name, "node \"" + node + "\" can only create pods with a single owner reference set to itself");
        }
        if (owners.size() == 0) {
            throw forbidden("pods", name, "node \"" + node + "\" can only create pods with an owner reference set to itself");
        }
        JsonNode owner = owners.get(0);
        if (!owner.path("apiVersion").asText("").equals("v1") || !owner.path("kind").asText("").equals("Node")
                || !owner.path("name").asText("").equals(node)) {
            throw forbidden("pods", name, "node \"" + node + "\" can only create pods with an owner reference set to itself");
        }
        if (!owner.path("controller").asBoolean(false)) {
            throw forbidden("pods", name, "node \"" + node + "\" can only create pods with a controller owner reference set to itself");
        }
        if (owner.path("blockOwnerDeletion").asBoolean(false)) {
            throw forbidden("pods", name, "node \"" + node + "\" must not set blockOwnerDeletion on an owner reference");
        }
        ObjectNode nodeObject = lookup.get("nodes", "", node).orElseThrow(() -> new ApiError.NotFound("nodes", node));
        String uid = nodeObject.path("metadata").path("uid").asText("");
        if (!owner.path("uid").asText("").equals(uid)) {
            throw forbidden("pods", name, "node " + node + " UID mismatch: expected " + owner.path("uid").asText("")
                    + " got " + uid);
        }
        JsonNode spec = pod.path("spec");
        if (!spec.path("serviceAccountName").asText("").isEmpty()) {
            throw forbidden("pods", name, "node \"" + node + "\" can not create pods that reference a service account");
        }
        Set<NodeGraph.Kind> referenced = new HashSet<>();
        NodeGraph.references(text(pod, "metadata.namespace"), pod).forEach(r -> referenced.add(r.kind()));
        if (referenced.contains(NodeGraph.Kind.SECRET)) {
            throw forbidden("pods", name, "node \"" + node + "\" can not create pods that reference secrets");
        }
        if (referenced.contains(NodeGraph.Kind.CONFIG_MAP)) {
            throw forbidden("pods", name, "node \"" + node + "\" can not create pods that reference configmaps");
        }
        for (JsonNode v : spec.path("volumes")) {
            for (JsonNode source : v.path("projected").path("sources")) {
                if (source.has("clusterTrustBundle")) {
                    throw forbidden("pods", name, "node \"" + node + "\" can not create pods that reference clustertrustbundles");
                }
            }
        }
        for (JsonNode v : spec.path("volumes")) {
            if (v.has("persistentVolumeClaim")) {
                throw forbidden("pods", name, "node \"" + node + "\" can not create pods that reference persistentvolumeclaims");
            }
        }
    }

    private static void admitNodeName(String node, String requested) {
        if (!requested.equals(node)) {
            throw forbidden("nodes", requested, "node \"" + node + "\" is not allowed to modify node \"" + requested + "\"");
        }
    }

    private static void admitLease(String node, String namespace, String name) {
        if (!namespace.equals(NODE_LEASE_NAMESPACE)) {
            throw forbidden("leases.coordination.k8s.io", name, "can only access leases in the \"" + NODE_LEASE_NAMESPACE
                    + "\" system namespace");
        }
        if (!name.equals(node)) {
            throw forbidden("leases.coordination.k8s.io", name,
                    "can only access node lease with the same name as the requesting node");
        }
    }

    private static Map<String, String> labels(JsonNode obj) {
        return Trees.stringMap(obj.path("metadata"), "labels");
    }

    private static JsonNode taints(JsonNode node) {
        JsonNode t = node.path("spec").path("taints");
        return t.isMissingNode() || t.isNull() || t.isEmpty() ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : t;
    }

    static Set<String> modifiedLabels(Map<String, String> a, Map<String, String> b) {
        Set<String> modified = new TreeSet<>();
        a.forEach((k, v) -> {
            if (!v.equals(b.get(k))) {
                modified.add(k);
            }
        });
        b.forEach((k, v) -> {
            if (!v.equals(a.get(k))) {
                modified.add(k);
            }
        });
        return modified;
    }

    static Set<String> forbiddenLabels(Set<String> modified) {
        Set<String> forbidden = new TreeSet<>();
        for (String label : modified) {
            String namespace = labelNamespace(label);
            if (namespace.equals("node-restriction.kubernetes.io") || namespace.endsWith(".node-restriction.kubernetes.io")) {
                forbidden.add(label);
            }
            boolean kubernetes = namespace.equals("kubernetes.io") || namespace.endsWith(".kubernetes.io")
                    || namespace.equals("k8s.io") || namespace.endsWith(".k8s.io");
            if (kubernetes && !isKubeletLabel(label)) {
                forbidden.add(label);
            }
        }
        return forbidden;
    }

    private static boolean isKubeletLabel(String key) {
        if (KUBELET_LABELS.contains(key)) {
            return true;
        }
        String namespace = labelNamespace(key);
        return KUBELET_LABEL_NAMESPACES.stream().anyMatch(n -> namespace.equals(n) || namespace.endsWith("." + n));
    }

    private static String labelNamespace(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? "" : key.substring(0, slash);
    }

    private static String name(JsonNode obj) {
        return obj.path("metadata").path("name").asText("");
    }

    private static String text(JsonNode obj, String dotted) {
        JsonNode n = obj;
        for (String part : dotted.split("\\.")) {
            n = n.path(part);
        }
        return n.asText("");
    }

    private static ApiError.Forbidden forbidden(String resource, String name, String why) {
        return ApiError.Forbidden.of(resource, name, why);
    }
}
