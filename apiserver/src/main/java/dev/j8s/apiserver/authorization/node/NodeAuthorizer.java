package dev.j8s.apiserver.authorization.node;

import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.authorization.Decision;
import dev.j8s.apiserver.authorization.rbac.PolicyRule;
import java.util.List;
import java.util.Optional;

/**
 * Upstream's {@code NodeAuthorizer} with {@code AuthorizeNodeWithSelectors} (on in 1.32): for node users only,
 * secrets and configMaps are readable one named object at a time when a pod bound to the node references them,
 * claims likewise by name (get only) and the PersistentVolumes bound to such claims,
 * service-account tokens can be created only for accounts such pods run as, pods are read through the node's
 * field selector or by a related name, a node reads only its own Node and Lease; everything else by the static
 * {@code system:node} rules. Other users get no opinion. Thread-safe.
 */
public final class NodeAuthorizer implements Authorizer {

    static final String NODE_LEASE_NAMESPACE = "kube-node-lease";

    private final NodeGraph graph;
    private final List<PolicyRule> nodeRules;

    public NodeAuthorizer(NodeGraph graph, List<PolicyRule> nodeRules) {
        this.graph = graph;
        this.nodeRules = List.copyOf(nodeRules);
    }

    @Override
    public Decision authorize(Attributes a) {
        Optional<String> identity = a.user().nodeName();
        if (identity.isEmpty()) {
            return Decision.NO_OPINION;
        }
        String node = identity.get();
        if (node.isEmpty()) {
            return Decision.noOpinion("unknown node for user " + quote(a.user().name()));
        }
        if (a.resourceRequest()) {
            String resource = a.apiGroup() + "/" + a.resource();
            switch (resource) {
                case "/secrets" -> {
                    return readNamespacedObject(node, NodeGraph.Kind.SECRET, a);
                }
                case "/configmaps" -> {
                    return readNamespacedObject(node, NodeGraph.Kind.CONFIG_MAP, a);
                }
                case "/persistentvolumeclaims" -> {
                    if (a.subresource().equals("status")) {
                        return statusUpdate(node, a);
                    }
                    return get(node, a, () -> graph.referencedFrom(node, NodeGraph.Kind.PERSISTENT_VOLUME_CLAIM,
                            a.namespace(), a.name()));
                }
                case "/persistentvolumes" -> {
                    return get(node, a, () -> graph.volumeReferencedFrom(node, a.name()));
                }
                case "storage.k8s.io/volumeattachments", "resource.k8s.io/resourceclaims" -> {
                    return get(node, a, () -> false);
                }
                case "/serviceaccounts" -> {
                    return createToken(node, a);
                }
                case "coordination.k8s.io/leases" -> {
                    return lease(node, a);
                }
                case "storage.k8s.io/csinodes" -> {
                    return csiNode(node, a);
                }
                case "/nodes" -> {
                    return nodeObject(node, a);
                }
                case "/pods" -> {
                    return pod(node, a);
                }
                default -> { }
            }
        }
        for (PolicyRule r : nodeRules) {
            if (r.allows(a)) {
                return Decision.ALLOW;
            }
        }
        return Decision.NO_OPINION;
    }

    @Override
    public Rules rulesFor(UserInfo user, String namespace) {
        if (user.nodeName().isPresent()) {
            return new Rules(List.of(), List.of(), true, "node authorizer does not support user rule resolution");
        }
        return Rules.NONE;
    }

    private Decision readNamespacedObject(String node, NodeGraph.Kind kind, Attributes a) {
        if (!List.of("get", "list", "watch").contains(a.verb())) {
            return Decision.noOpinion("can only read resources of this type");
        }
        if (!a.subresource().isEmpty()) {
            return Decision.noOpinion("cannot read subresource");
        }
        if (a.namespace().isEmpty()) {
            return Decision.noOpinion("can only read namespaced object of this type");
        }
        return related(node, a, () -> graph.referencedFrom(node, kind, a.namespace(), a.name()));
    }

    private Decision statusUpdate(String node, Attributes a) {
        if (!a.verb().equals("update") && !a.verb().equals("patch")) {
            return Decision.noOpinion("can only get/update/patch this type");
        }
        return related(node, a, () -> graph.referencedFrom(node, NodeGraph.Kind.PERSISTENT_VOLUME_CLAIM,
                a.namespace(), a.name()));
    }

    private Decision get(String node, Attributes a, Relation relation) {
        if (!a.verb().equals("get")) {
            return Decision.noOpinion("can only get individual resources of this type");
        }
        if (!a.subresource().isEmpty()) {
            return Decision.noOpinion("cannot get subresource");
        }
        return related(node, a, relation);
    }

    /** Upstream's {@code authorize}: a named object with a path to the node in the graph. */
    private Decision related(String node, Attributes a, Relation relation) {
        if (a.name().isEmpty()) {
            return Decision.noOpinion("No Object name found");
        }
        if (!graph.knowsNode(node) || !relation.holds()) {
            return Decision.noOpinion("no relationship found between node '" + node + "' and this object");
        }
        return Decision.ALLOW;
    }

    private Decision createToken(String node, Attributes a) {
        if (!a.verb().equals("create") || a.name().isEmpty()) {
            return Decision.noOpinion("can only create tokens for individual service accounts");
        }
        if (!a.subresource().equals("token")) {
            return Decision.noOpinion("can only create token subresource of serviceaccount");
        }
        return related(node, a, () -> graph.referencedFrom(node, NodeGraph.Kind.SERVICE_ACCOUNT, a.namespace(),
                a.name()));
    }

    private static Decision lease(String node, Attributes a) {
        if (!List.of("get", "create", "update", "patch", "delete").contains(a.verb())) {
            return Decision.noOpinion("can only get, create, update, patch, or delete a node lease");
        }
        if (!a.namespace().equals(NODE_LEASE_NAMESPACE)) {
            return Decision.noOpinion("can only access leases in the " + quote(NODE_LEASE_NAMESPACE)
                    + " system namespace");
        }
        if (!a.verb().equals("create") && !a.name().equals(node)) {
            return Decision.noOpinion("can only access node lease with the same name as the requesting node");
        }
        return Decision.ALLOW;
    }

    private static Decision csiNode(String node, Attributes a) {
        if (!List.of("get", "create", "update", "patch", "delete").contains(a.verb())) {
            return Decision.noOpinion("can only get, create, update, patch, or delete a CSINode");
        }
        if (!a.subresource().isEmpty()) {
            return Decision.noOpinion("cannot authorize CSINode subresources");
        }
        if (!a.verb().equals("create") && !a.name().equals(node)) {
            return Decision.noOpinion("can only access CSINode with the same name as the requesting node");
        }
        return Decision.ALLOW;
    }

    private static Decision nodeObject(String node, Attributes a) {
        switch (a.subresource()) {
            case "" -> {
                switch (a.verb()) {
                    case "create", "update", "patch" -> {
                        return Decision.ALLOW;
                    }
                    case "get", "list", "watch" -> {
                        if (a.name().equals(node)) {
                            return Decision.ALLOW;
                        }
                        if (a.name().isEmpty()) {
                            return Decision.noOpinion("node '" + node + "' cannot read all nodes, only its own Node object");
                        }
                        return Decision.noOpinion("node '" + node + "' cannot read '" + a.name()
                                + "', only its own Node object");
                    }
                    default -> { }
                }
            }
            case "status" -> {
                if (a.verb().equals("update") || a.verb().equals("patch")) {
                    return Decision.ALLOW;
                }
            }
            default -> { }
        }
        return Decision.NO_OPINION;
    }

    private Decision pod(String node, Attributes a) {
        switch (a.subresource()) {
            case "" -> {
                switch (a.verb()) {
                    case "get" -> {
                        return get(node, a, () -> graph.podOnNode(node, a.namespace(), a.name()));
                    }
                    case "list", "watch" -> {
                        if (a.fieldSelectorRequires("spec.nodeName").equals(node)) {
                            return Decision.ALLOW;
                        }
                        if (!a.name().isEmpty()) {
                            return related(node, a, () -> graph.podOnNode(node, a.namespace(), a.name()));
                        }
                        return Decision.noOpinion("can only list/watch pods with spec.nodeName field selector");
                    }
                    case "create", "delete" -> {
                        return Decision.ALLOW;
                    }
                    default -> { }
                }
            }
            case "status" -> {
                if (a.verb().equals("update") || a.verb().equals("patch")) {
                    return Decision.ALLOW;
                }
            }
            case "eviction" -> {
                if (a.verb().equals("create")) {
                    return Decision.ALLOW;
                }
            }
            default -> { }
        }
        return Decision.NO_OPINION;
    }

    @FunctionalInterface
    private interface Relation {
        boolean holds();
    }

    private static String quote(String s) {
        return dev.j8s.apiserver.authorization.Forbidden.quote(s);
    }
}
