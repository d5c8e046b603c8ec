package dev.j8s.kubelet.cm;

import dev.j8s.kubelet.status.QosClass;
import dev.j8s.runtime.PodSandboxConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The limits of a pod's own cgroup, as upstream's {@code ResourceConfigForPod} and the pod container manager set
 * them: CPU shares from the pod's CPU request (the sum of its containers', or its largest init container's when
 * larger), a CFS quota and a memory limit from the sums of its containers' limits when the pod is Guaranteed or
 * every container declares that limit, the minimum shares for a BestEffort pod, and the node's pids limit
 * ({@code --pod-max-pids}). Stateless and thread-safe.
 */
public final class PodCgroupConfig {

    /** Upstream's {@code MinShares}, {@code QuotaPeriod} (100 ms) and {@code MinQuotaPeriod}. */
    static final long MIN_SHARES = 2;
    static final long QUOTA_PERIOD = 100_000;
    static final long MIN_QUOTA = 1000;

    private PodCgroupConfig() {}

    /** The pod cgroup's limits; {@code pidsLimit} {@code <= 0} leaves the number of tasks unlimited. */
    public static PodSandboxConfig.PodResources of(Pod pod, long pidsLimit) {
        var spec = pod.getSpec();
        String qos = QosClass.of(spec);
        long pids = Math.max(0, pidsLimit);
        if (qos.equals("BestEffort")) {
            return new PodSandboxConfig.PodResources(MIN_SHARES, 0, 0, 0, pids);
        }
        long cpuRequest = Math.max(sum(spec.getContainers(), "requests", "cpu", true),
                max(spec.getInitContainers(), "requests", "cpu", true));
        long cpuLimit = Math.max(sum(spec.getContainers(), "limits", "cpu", true),
                max(spec.getInitContainers(), "limits", "cpu", true));
        long memoryLimit = Math.max(sum(spec.getContainers(), "limits", "memory", false),
                max(spec.getInitContainers(), "limits", "memory", false));
        boolean guaranteed = qos.equals("Guaranteed");
        boolean cpuLimits = guaranteed || spec.getContainers().stream().allMatch(c -> has(c, "cpu"));
        boolean memoryLimits = guaranteed || spec.getContainers().stream().allMatch(c -> has(c, "memory"));
        long shares = Math.max(MIN_SHARES, cpuRequest * 1024 / 1000);
        long quota = cpuLimits && cpuLimit > 0 ? Math.max(MIN_QUOTA, cpuLimit * QUOTA_PERIOD / 1000) : 0;
        return new PodSandboxConfig.PodResources(shares, quota, quota > 0 ? QUOTA_PERIOD : 0,
                memoryLimits ? memoryLimit : 0, pids);
    }

    private static boolean has(Container c, String resource) {
        Map<String, Quantity> limits = c.getResources() == null ? null : c.getResources().getLimits();
        return limits != null && limits.containsKey(resource) && limits.get(resource).getNumericalAmount().signum() > 0;
    }

    /** The sum over {@code containers} of a request or limit: milli-cores for CPU, bytes for memory. */
    private static long sum(List<Container> containers, String kind, String resource, boolean milli) {
        return containers.stream().mapToLong(c -> amount(c, kind, resource, milli)).sum();
    }

    private static long max(List<Container> containers, String kind, String resource, boolean milli) {
        return containers.stream().mapToLong(c -> amount(c, kind, resource, milli)).max().orElse(0);
    }

    private static long amount(Container c, String kind, String resource, boolean milli) {
        if (c.getResources() == null) {
            return 0;
        }
        Map<String, Quantity> values = kind.equals("requests") ? c.getResources().getRequests()
                : c.getResources().getLimits();
        Quantity q = values == null ? null : values.get(resource);
        if (q == null && kind.equals("requests")) {
            // an unset request defaults to the limit
            Map<String, Quantity> limits = c.getResources().getLimits();
            q = limits == null ? null : limits.get(resource);
        }
        if (q == null) {
            return 0;
        }
        BigDecimal amount = Quantity.getAmountInBytes(q);
        return milli ? amount.multiply(BigDecimal.valueOf(1000)).longValue() : amount.longValue();
    }
}
