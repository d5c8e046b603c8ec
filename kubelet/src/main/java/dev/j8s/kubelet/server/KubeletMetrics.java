package dev.j8s.kubelet.server;

import dev.j8s.kubelet.Kubelet;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * {@code /metrics} in the Prometheus text format: upstream's {@code kubelet_running_pods} and
 * {@code kubelet_running_containers} gauges, counted from the pods' statuses as the kubelet last wrote them.
 * Stateless and thread-safe.
 */
final class KubeletMetrics {

    private KubeletMetrics() {
    }

    static String render(Kubelet kubelet) {
        return render(kubelet.pods());
    }

    static String render(List<Pod> pods) {
        long runningPods = pods.stream().filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
                .count();
        long runningContainers = pods.stream().filter(p -> p.getStatus() != null)
                .flatMap(p -> p.getStatus().getContainerStatuses().stream())
                .filter(KubeletMetrics::running).count();
        return "# HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox\n"
                + "# TYPE kubelet_running_pods gauge\n"
                + "kubelet_running_pods " + runningPods + "\n"
                + "# HELP kubelet_running_containers [ALPHA] Number of containers currently running\n"
                + "# TYPE kubelet_running_containers gauge\n"
                + "kubelet_running_containers{container_state=\"running\"} " + runningContainers + "\n";
    }

    private static boolean running(ContainerStatus status) {
        return status.getState() != null && status.getState().getRunning() != null;
    }
}
