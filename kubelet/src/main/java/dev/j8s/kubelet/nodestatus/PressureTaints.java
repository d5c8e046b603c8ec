package dev.j8s.kubelet.nodestatus;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The taints a node carries for its pressure conditions, as upstream's node lifecycle controller sets them
 * ({@code TaintNodesByCondition}): {@code node.kubernetes.io/memory-pressure}, {@code disk-pressure} and
 * {@code pid-pressure}, each {@code NoSchedule}; other taints are kept. Stateless.
 */
public final class PressureTaints {

    static final Map<String, String> BY_CONDITION = Map.of(
            "MemoryPressure", "node.kubernetes.io/memory-pressure",
            "DiskPressure", "node.kubernetes.io/disk-pressure",
            "PIDPressure", "node.kubernetes.io/pid-pressure");

    private PressureTaints() {}

    /** {@code node} with exactly the pressure taints of {@code pressure}. */
    public static Node apply(Node node, Set<String> pressure) {
        List<Taint> taints = new ArrayList<>();
        List<Taint> existing = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
                : node.getSpec().getTaints();
        for (Taint t : existing) {
            if (!BY_CONDITION.containsValue(t.getKey())) {
                taints.add(t);
            }
        }
        for (String condition : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
            if (pressure.contains(condition)) {
                taints.add(new TaintBuilder().withKey(BY_CONDITION.get(condition)).withEffect("NoSchedule").build());
            }
        }
        return new NodeBuilder(node).editOrNewSpec().withTaints(taints).endSpec().build();
    }
}
