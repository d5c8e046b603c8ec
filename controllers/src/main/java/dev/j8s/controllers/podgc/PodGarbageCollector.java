package dev.j8s.controllers.podgc;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.SharedInformer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The pod garbage collector (upstream's pkg/controller/podgc), one pass every 20 seconds: deletes the oldest
 * finished (Succeeded or Failed) pods beyond {@code terminatedPodThreshold} (0 or less: never); marks pods bound to
 * a node that has been gone for 40 seconds Failed with a {@code DisruptionTarget} condition ({@code
 * DeletionByPodGC}) and force-deletes them; force-deletes unscheduled pods that are being deleted. Thread-safe.
 */
public final class PodGarbageCollector implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PodGarbageCollector.class.getName());
    /** Upstream's service account of pod GC ({@code kube-system/pod-garbage-collector}). */
    public static final String SERVICE_ACCOUNT = "pod-garbage-collector";
    /** Upstream's --terminated-pod-gc-threshold default. */
    public static final int DEFAULT_THRESHOLD = 12500;
    static final Duration PERIOD = Duration.ofSeconds(20);
    static final Duration QUARANTINE = Duration.ofSeconds(40);

    private final ResourceClient<Pod> pods;
    private final ResourceClient<Node> nodes;
    private final SharedInformer<Pod> podInformer;
    private final SharedInformer<Node> nodeInformer;
    private final Clock clock;
    private final int threshold;
    /** Nodes seen missing, with when they were first missed. */
    private final Map<String, Instant> missingSince = new HashMap<>();
    private volatile Thread thread;

    public PodGarbageCollector(KubeClient client, InformerFactory informers, Clock clock, int terminatedPodThreshold) {
        this.pods = client.resource(Kind.PODS);
        this.nodes = client.resource(Kind.NODES);
        this.podInformer = informers.informer(Kind.PODS);
        this.nodeInformer = informers.informer(Kind.NODES);
        this.clock = clock;
        this.threshold = terminatedPodThreshold;
    }

    public void start() {
        thread = Thread.ofVirtual().name("pod-garbage-collector").start(() -> {
            while (true) {
                try {
                    Thread.sleep(PERIOD);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    gc();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "pod garbage collection failed: " + e.getMessage(), e);
                }
            }
        });
    }

    /** One pass; returns the pods deleted. */
    public synchronized List<String> gc() {
        List<String> deleted = new ArrayList<>();
        List<Pod> all = podInformer.list();
        gcTerminated(all, deleted);
        gcOrphaned(all, deleted);
        gcUnscheduledTerminating(all, deleted);
        return deleted;
    }

    private void gcTerminated(List<Pod> all, List<String> deleted) {
        if (threshold <= 0) {
            return;
        }
        List<Pod> terminated = new ArrayList<>(all.stream().filter(Pods::isTerminal).toList());
        int excess = terminated.size() - threshold;
        if (excess <= 0) {
            return;
        }
        terminated.sort(Comparator.comparing((Pod p) -> Pods.time(p.getMetadata().getCreationTimestamp())
                .orElse(Instant.EPOCH)));
        for (Pod p : terminated.subList(0, excess)) {
            forceDelete(p, deleted);
        }
    }

    private void gcOrphaned(List<Pod> all, List<String> deleted) {
        Instant now = clock.instant();
        for (Pod p : all) {
            String node = Pods.nodeName(p);
            if (node.isEmpty() || nodeInformer.get("", node).isPresent()) {
                missingSince.remove(node);
                continue;
            }
            Instant since = missingSince.computeIfAbsent(node, n -> now);
            if (Duration.between(since, now).compareTo(QUARANTINE) < 0) {
                continue;
            }
            if (nodes.get("", node).isPresent()) {
                missingSince.remove(node);
                continue;
            }
            if (!Pods.isTerminal(p)) {
                String patch = "{\"status\":{\"phase\":\"Failed\",\"conditions\":[{\"type\":\"DisruptionTarget\","
                        + "\"status\":\"True\",\"reason\":\"DeletionByPodGC\",\"message\":\"PodGC: node no longer exists\","
                        + "\"lastTransitionTime\":\"" + java.time.format.DateTimeFormatter.ISO_INSTANT
                        .format(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)) + "\"}]}}";
                try {
                    pods.patchStatus(p.getMetadata().getNamespace(), p.getMetadata().getName(),
                            PatchType.STRATEGIC_MERGE, patch);
                } catch (ClusterException e) {
                    LOG.log(Level.DEBUG, "cannot mark pod of a missing node failed pod={0}: {1}",
                            SharedInformer.key(p), e.getMessage());
                }
            }
            forceDelete(p, deleted);
        }
    }

    private void gcUnscheduledTerminating(List<Pod> all, List<String> deleted) {
        for (Pod p : all) {
            if (Pods.nodeName(p).isEmpty() && Owners.isDeleting(p)) {
                forceDelete(p, deleted);
            }
        }
    }

    private void forceDelete(Pod p, List<String> deleted) {
        try {
            pods.delete(p.getMetadata().getNamespace(), p.getMetadata().getName(),
                    DeleteOptions.defaults().withGracePeriod(0).withUid(Owners.uid(p)));
            deleted.add(SharedInformer.key(p));
        } catch (ClusterException.NotFound | ClusterException.Conflict gone) {
            // gone already or replaced
        }
    }

    @Override
    public void close() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
