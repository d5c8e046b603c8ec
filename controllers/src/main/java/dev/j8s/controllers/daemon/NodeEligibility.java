package dev.j8s.controllers.daemon;

import dev.j8s.api.scheduling.NodeAffinity;
import dev.j8s.api.scheduling.Tolerations;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;

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
        if (!NodeAffinity.matches(node, pod)) {
            return new Decision(false, false);
        }
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
                : node.getSpec().getTaints();
        List<Toleration> tolerations = pod.getTolerations() == null ? List.of() : pod.getTolerations();
        if (Tolerations.firstUntolerated(taints, tolerations, Tolerations::noScheduleOrNoExecute).isPresent()) {
            boolean untoleratedNoExecute = Tolerations.firstUntolerated(taints, tolerations,
                    t -> "NoExecute".equals(t.getEffect())).isPresent();
            return new Decision(false, !untoleratedNoExecute);
        }
        return new Decision(true, true);
    }
}
