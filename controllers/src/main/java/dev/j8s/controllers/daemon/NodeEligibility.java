package dev.j8s.controllers.daemon;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/**
 * Whether a daemon pod should run on a node (upstream's NodeShouldRunDaemonPod and the scheduler predicates it
 * uses): the pod's nodeName, nodeSelector and required node affinity fit the node, and every NoSchedule and
 * NoExecute taint is tolerated; a pod that tolerates the NoExecute taints may keep running where it no longer
 * fits. Stateless.
 */
final class NodeEligibility {

    private NodeEligibility() {}

    /** {@code shouldRun}: a pod belongs there; {@code shouldContinueRunning}: an existing one may stay. */
    record Decision(boolean shouldRun, boolean shouldContinueRunning) {}

    static Decision decide(Node node, PodSpec pod) {
        String nodeName = node.getMetadata().getName();
        if (pod.getNodeName() != null && !pod.getNodeName().isEmpty() && !pod.getNodeName().equals(nodeName)) {
            return new Decision(false, false);
        }
        if (!fitsNodeSelector(node, pod) || !fitsRequiredAffinity(node, pod)) {
            return new Decision(false, false);
        }
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
                : node.getSpec().getTaints();
        List<Toleration> tolerations = pod.getTolerations() == null ? List.of() : pod.getTolerations();
        boolean untolerated = taints.stream()
                .filter(t -> "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()))
                .anyMatch(t -> tolerations.stream().noneMatch(tol -> tolerates(tol, t)));
        if (untolerated) {
            boolean untoleratedNoExecute = taints.stream().filter(t -> "NoExecute".equals(t.getEffect()))
                    .anyMatch(t -> tolerations.stream().noneMatch(tol -> tolerates(tol, t)));
            return new Decision(false, !untoleratedNoExecute);
        }
        return new Decision(true, true);
    }

    private static boolean fitsNodeSelector(Node node, PodSpec pod) {
        Map<String, String> selector = pod.getNodeSelector() == null ? Map.of() : pod.getNodeSelector();
        Map<String, String> labels = labels(node);
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private static boolean fitsRequiredAffinity(Node node, PodSpec pod) {
        if (pod.getAffinity() == null || pod.getAffinity().getNodeAffinity() == null
                || pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
            return true;
        }
        List<NodeSelectorTerm> terms = pod.getAffinity().getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
        if (terms == null || terms.isEmpty()) {
            return false;
        }
        // terms are ORed; within a term every expression and field requirement must hold
        for (NodeSelectorTerm term : terms) {
            List<NodeSelectorRequirement> expressions = term.getMatchExpressions() == null ? List.of()
                    : term.getMatchExpressions();
            List<NodeSelectorRequirement> fields = term.getMatchFields() == null ? List.of() : term.getMatchFields();
            if (expressions.isEmpty() && fields.isEmpty()) {
                continue; // an empty term matches nothing
            }
            boolean ok = expressions.stream().allMatch(r -> matches(r, labels(node).get(r.getKey())))
                    && fields.stream().allMatch(r -> "metadata.name".equals(r.getKey())
                    && matches(r, node.getMetadata().getName()));
            if (ok) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(NodeSelectorRequirement r, String value) {
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        return switch (r.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            case "Gt", "Lt" -> {
                if (value == null || values.size() != 1) {
                    yield false;
                }
                try {
                    long have = Long.parseLong(value);
                    long bound = Long.parseLong(values.getFirst());
                    yield r.getOperator().equals("Gt") ? have > bound : have < bound;
                } catch (NumberFormatException e) {
                    yield false;
                }
            }
            default -> false;
        };
    }

    /** ToleratesTaint: same effect (or any), same key (or any with Exists), and Exists or an equal value. */
    static boolean tolerates(Toleration toleration, Taint taint) {
        String effect = toleration.getEffect() == null ? "" : toleration.getEffect();
        if (!effect.isEmpty() && !effect.equals(taint.getEffect())) {
            return false;
        }
        String key = toleration.getKey() == null ? "" : toleration.getKey();
        String operator = toleration.getOperator() == null || toleration.getOperator().isEmpty() ? "Equal"
                : toleration.getOperator();
        if (!key.isEmpty() && !key.equals(taint.getKey())) {
            return false;
        }
        if (key.isEmpty() && !operator.equals("Exists")) {
            return false;
        }
        return switch (operator) {
            case "Exists" -> true;
            case "Equal" -> (toleration.getValue() == null ? "" : toleration.getValue())
                    .equals(taint.getValue() == null ? "" : taint.getValue());
            default -> false;
        };
    }

    private static Map<String, String> labels(Node node) {
        return node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    }
}
