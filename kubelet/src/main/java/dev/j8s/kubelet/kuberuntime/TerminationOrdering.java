package dev.j8s.kubelet.kuberuntime;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The order in which a pod with sidecars stops its containers (upstream {@code terminationOrdering}, KEP-753): the
 * regular containers at once; each sidecar once every regular container and every sidecar declared after it has
 * terminated, so sidecars stop in reverse order, after the containers they serve. Only containers running when the
 * termination began take part. Thread-safe: each container's kill waits on its own thread.
 */
final class TerminationOrdering {

    private final Map<String, CountDownLatch> terminated = new HashMap<>();
    private final Map<String, List<String>> waitsFor = new HashMap<>();

    TerminationOrdering(Pod pod, List<String> running) {
        for (String name : running) {
            terminated.put(name, new CountDownLatch(1));
        }
        List<String> regular = pod.getSpec().getContainers().stream().map(Container::getName)
                .filter(terminated::containsKey).toList();
        List<Container> inits = pod.getSpec().getInitContainers();
        List<String> later = new ArrayList<>(); // sidecars declared after the one at hand, filled back to front
        for (int i = inits.size() - 1; i >= 0; i--) {
            Container c = inits.get(i);
            if (!"Always".equals(c.getRestartPolicy()) || !terminated.containsKey(c.getName())) {
                continue;
            }
            List<String> before = new ArrayList<>(regular);
            before.addAll(later);
            waitsFor.put(c.getName(), before);
            later.add(c.getName());
        }
    }

    /**
     * Waits until every container {@code name} must outlive has terminated, at most {@code max}; the whole seconds
     * waited, truncated (what upstream takes off the grace period).
     */
    long waitForTurn(String name, Duration max) {
        long start = System.nanoTime();
        long deadline = start + max.toNanos();
        try {
            for (String other : waitsFor.getOrDefault(name, List.of())) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !terminated.get(other).await(left, TimeUnit.NANOSECONDS)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    }

    /** {@code name} has terminated: those waiting for it may go on. */
    void containerTerminated(String name) {
        CountDownLatch latch = terminated.get(name);
        if (latch != null) {
            latch.countDown();
        }
    }
}
