package dev.j8s.kubelet.qos;

import dev.j8s.kubelet.status.QosClass;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * The {@code oom_score_adj} of the kubelet and of each container, as upstream's {@code pkg/kubelet/qos/policy.go}
 * sets them: the kubelet (here the whole j8s server) at {@value #KUBELET}, a node-critical or Guaranteed container
 * at {@value #GUARANTEED}, a BestEffort one at {@value #BEST_EFFORT}, a Burstable one in between by its memory
 * request's share of the node's memory. Stateless and thread-safe.
 */
public final class OomScore {

    public static final int KUBELET = -999;
    static final int GUARANTEED = -997;
    static final int BEST_EFFORT = 1000;

    private OomScore() {}

    /** The container's score on a node with {@code memoryCapacity} bytes. */
    public static int of(Pod pod, Container container, long memoryCapacity) {
        if ("system-node-critical".equals(pod.getSpec().getPriorityClassName())) {
            return GUARANTEED;
        }
        switch (QosClass.of(pod.getSpec())) {
            case "Guaranteed" -> {
                return GUARANTEED;
            }
            case "BestEffort" -> {
                return BEST_EFFORT;
            }
            default -> { }
        }
        long request = 0;
        if (container.getResources() != null && container.getResources().getRequests() != null) {
            Quantity memory = container.getResources().getRequests().get("memory");
            if (memory != null) {
                request = Quantity.getAmountInBytes(memory).longValue();
            }
        }
        long score = memoryCapacity <= 0 ? BEST_EFFORT - 1 : 1000 - (1000 * request) / memoryCapacity;
        if (score < 1000 + GUARANTEED) {
            return 1000 + GUARANTEED;
        }
        if (score == BEST_EFFORT) {
            return BEST_EFFORT - 1;
        }
        return (int) score;
    }
}
