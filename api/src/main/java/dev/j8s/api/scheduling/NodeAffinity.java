package dev.j8s.api.scheduling;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.List;
import java.util.Map;

/**
 * Whether a pod's {@code nodeSelector} and required node affinity fit a node, as upstream's NodeAffinity filter
 * ({@code GetRequiredNodeAffinity(pod).Match(node)}): every selector label equal, and one of the ORed terms whose
 * expressions (on labels) and fields ({@code metadata.name}) all hold. Stateless.
 */
public final class NodeAffinity {

    private NodeAffinity() {}

    public static boolean matches(Node node, PodSpec pod) {
        return fitsNodeSelector(node, pod) && fitsRequiredAffinity(node, pod);
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

    private static Map<String, String> labels(Node node) {
        return node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    }
}
