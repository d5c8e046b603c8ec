package dev.j8s.controllers.replicaset;

import dev.j8s.controllers.common.Pods;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which pods a ReplicaSet deletes first when it scales down (upstream's ActivePodsWithRanks): the first rule on
 * which two pods differ decides, and the pod that sorts first goes first. Stateless.
 *
 * <ol>
 *   <li>unassigned before assigned;</li>
 *   <li>Pending before Unknown before Running;</li>
 *   <li>not ready before ready;</li>
 *   <li>lower {@code controller.kubernetes.io/pod-deletion-cost} first;</li>
 *   <li>more related pods on the same node first (the rank);</li>
 *   <li>both ready: ready for less time first, in log2 buckets of the time (then by uid);</li>
 *   <li>more container restarts first;</li>
 *   <li>newer first, in log2 buckets of the age (then by uid).</li>
 * </ol>
 */
final class PodRanking {

    static final String DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";
    private static final Map<String, Integer> PHASE_ORDER = Map.of("Pending", 0, "Unknown", 1, "Running", 2);

    private PodRanking() {}

    /** A pod and its rank: the number of active related pods on its node. */
    record Ranked(Pod pod, int rank) {}

    /** The {@code count} pods to delete, ranked among {@code pods} with {@code related} counting per node. */
    static List<Pod> podsToDelete(List<Pod> pods, List<Pod> related, int count, Instant now) {
        if (count >= pods.size()) {
            return List.copyOf(pods);
        }
        Map<String, Long> perNode = new java.util.HashMap<>();
        for (Pod p : related) {
            if (Pods.isActive(p)) {
                perNode.merge(Pods.nodeName(p), 1L, Long::sum);
            }
        }
        List<Ranked> ranked = new ArrayList<>();
        for (Pod p : pods) {
            String node = Pods.nodeName(p);
            ranked.add(new Ranked(p, node.isEmpty() ? 0 : perNode.getOrDefault(node, 0L).intValue()));
        }
        ranked.sort(order(now));
        return ranked.subList(0, count).stream().map(Ranked::pod).toList();
    }

    static Comparator<Ranked> order(Instant now) {
        return (a, b) -> compare(a, b, now);
    }

    private static int compare(Ranked ra, Ranked rb, Instant now) {
        Pod a = ra.pod();
        Pod b = rb.pod();
        String na = Pods.nodeName(a);
        String nb = Pods.nodeName(b);
        if (!na.equals(nb) && (na.isEmpty() || nb.isEmpty())) {
            return na.isEmpty() ? -1 : 1;
        }
        int pa = PHASE_ORDER.getOrDefault(Pods.phase(a), 0);
        int pb = PHASE_ORDER.getOrDefault(Pods.phase(b), 0);
        if (pa != pb) {
            return Integer.compare(pa, pb);
        }
        boolean readyA = Pods.isReady(a);
        boolean readyB = Pods.isReady(b);
        if (readyA != readyB) {
            return readyA ? 1 : -1;
        }
        int costA = deletionCost(a);
        int costB = deletionCost(b);
        if (costA != costB) {
            return Integer.compare(costA, costB);
        }
        if (ra.rank() != rb.rank()) {
            return Integer.compare(rb.rank(), ra.rank());
        }
        if (readyA && readyB) {
            Optional<Instant> ta = Pods.readySince(a);
            Optional<Instant> tb = Pods.readySince(b);
            if (!ta.equals(tb)) {
                int byTime = newerFirst(ta, tb, a, b, now);
                if (byTime != 0) {
                    return byTime;
                }
            }
        }
        int restartsA = maxRestarts(a);
        int restartsB = maxRestarts(b);
        if (restartsA != restartsB) {
            return Integer.compare(restartsB, restartsA);
        }
        Optional<Instant> ca = Pods.time(a.getMetadata().getCreationTimestamp());
        Optional<Instant> cb = Pods.time(b.getMetadata().getCreationTimestamp());
        if (!ca.equals(cb)) {
            return newerFirst(ca, cb, a, b, now);
        }
        return 0;
    }

    /**
     * Upstream's afterOrZero and logarithmicRankDiff: a missing time first, then the more recent time, compared in
     * {@code floor(log2(now − t))} buckets of nanoseconds with the uid breaking ties inside a bucket.
     */
    private static int newerFirst(Optional<Instant> ta, Optional<Instant> tb, Pod a, Pod b, Instant now) {
        if (ta.isEmpty() || tb.isEmpty()) {
            return ta.isEmpty() ? (tb.isEmpty() ? 0 : -1) : 1;
        }
        long rankA = logRank(Duration.between(ta.get(), now));
        long rankB = logRank(Duration.between(tb.get(), now));
        if (rankA == rankB) {
            return uid(a).compareTo(uid(b));
        }
        return Long.compare(rankA, rankB);
    }

    private static long logRank(Duration d) {
        long nanos = d.toNanos();
        return nanos > 0 ? (long) (Math.log(nanos) / Math.log(2)) : -1;
    }

    private static String uid(Pod p) {
        return p.getMetadata().getUid() == null ? "" : p.getMetadata().getUid();
    }

    private static int deletionCost(Pod pod) {
        var annotations = pod.getMetadata().getAnnotations();
        String v = annotations == null ? null : annotations.get(DELETION_COST);
        if (v == null) {
            return 0;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return 0; // validation refuses a cost that is not an int32
        }
    }

    private static int maxRestarts(Pod pod) {
        int max = 0;
        if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
            for (ContainerStatus s : pod.getStatus().getContainerStatuses()) {
                if (s.getRestartCount() != null) {
                    max = Math.max(max, s.getRestartCount());
                }
            }
        }
        return max;
    }
}
