package dev.j8s.controllers.tainteviction;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.api.scheduling.Tolerations;
import dev.j8s.controllers.common.EventRecorder;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;

/**
 * Upstream's taint eviction controller: a pod bound to a node with {@code NoExecute} taints is deleted at once when
 * it does not tolerate one of them, else once the shortest {@code tolerationSeconds} of the tolerations it uses has
 * passed (a toleration without seconds tolerates forever), counted from when the taint was added (its
 * {@code timeAdded}, else when this controller first saw it). Before the deletion the pod gets the
 * {@code DisruptionTarget} condition ({@code DeletionByTaintManager}) and the {@code TaintManagerEviction} event; a
 * taint removed in time cancels the eviction. Driven by node and pod changes, it sleeps until the next deadline.
 * Runs with the node lifecycle controller's client ({@code node-controller}), as upstream's does. Thread-safe.
 */
public final class TaintEvictionController implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(TaintEvictionController.class.getName());
    /** Upstream's event source of this controller. */
    static final String COMPONENT = "taint-eviction-controller";
    private static final Duration IDLE = Duration.ofMinutes(1);

    private final ResourceClient<Pod> pods;
    private final SharedInformer<Node> nodeInformer;
    private final SharedInformer<Pod> podInformer;
    private final EventRecorder recorder;
    private final Clock clock;
    private final Semaphore wake = new Semaphore(0);
    /** NoExecute taints without a timeAdded, by node/key/value, with when they were first seen. */
    private final Map<String, Instant> firstSeen = new HashMap<>();
    /**
     * Whether the last pass saw a node with a NoExecute taint. Without one a pod change has nothing to evict and does
     * not wake the pass; a node that gains one wakes it through the node handler, and that pass lists every pod.
     */
    private volatile boolean noExecuteTaints;
    private volatile Thread thread;

    public TaintEvictionController(KubeClient client, InformerFactory informers, Clock clock) {
        this.pods = client.resource(Kind.PODS);
        this.nodeInformer = informers.informer(Kind.NODES);
        this.podInformer = informers.informer(Kind.PODS);
        this.recorder = new EventRecorder(client, COMPONENT, clock);
        this.clock = clock;
        nodeInformer.addEventHandler(ResourceEventHandler.of(n -> wake.release(), n -> wake.release()));
        podInformer.addEventHandler(ResourceEventHandler.of(p -> {
            if (noExecuteTaints && !Pods.nodeName(p).isEmpty()) {
                wake.release();
            }
        }, p -> { }));
    }

    public void start() {
        thread = Thread.ofVirtual().name(COMPONENT).start(() -> {
            Duration wait = Duration.ZERO;
            while (true) {
                try {
                    if (wake.tryAcquire(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS)) {
                        wake.drainPermits();
                    }
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    wait = evictDue().orElse(IDLE);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "taint eviction pass failed: " + e.getMessage(), e);
                    wait = Duration.ofSeconds(1);
                }
            }
        });
    }

    /** Evicts the pods whose time is up; returns how long until the next one is due, if any is scheduled. */
    public synchronized Optional<Duration> evictDue() {
        Instant now = clock.instant();
        Map<String, List<Taint>> noExecute = new HashMap<>();
        for (Node node : nodeInformer.list()) {
            List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
                    : node.getSpec().getTaints().stream().filter(t -> "NoExecute".equals(t.getEffect())).toList();
            if (!taints.isEmpty()) {
                noExecute.put(node.getMetadata().getName(), taints);
            }
        }
        firstSeen.keySet().removeIf(k -> noExecute.keySet().stream().noneMatch(n -> k.startsWith(n + "/")));
        noExecuteTaints = !noExecute.isEmpty();
        if (noExecute.isEmpty()) {
            // no node has a NoExecute taint: no pod to look at (nor do pod changes wake this pass until one has)
            return Optional.empty();
        }
        Instant next = null;
        for (Pod pod : podInformer.list()) {
            List<Taint> taints = noExecute.get(Pods.nodeName(pod));
            if (taints == null || Owners.isDeleting(pod) || Pods.isTerminal(pod)) {
                continue;
            }
            Instant due = due(Pods.nodeName(pod), taints, pod, now);
            if (due == null) {
                continue;
            }
            if (!due.isAfter(now)) {
                evict(pod, now);
            } else if (next == null || due.isBefore(next)) {
                next = due;
            }
        }
        return next == null ? Optional.empty() : Optional.of(Duration.between(now, next));
    }

    /** When the pod must go: now for an untolerated taint, never (null) when tolerated forever. */
    private Instant due(String node, List<Taint> taints, Pod pod, Instant now) {
        List<Toleration> tolerations = pod.getSpec().getTolerations() == null ? List.of()
                : pod.getSpec().getTolerations();
        return due(taints, tolerations, taint -> Pods.time(taint.getTimeAdded()).orElseGet(() -> firstSeen
                .computeIfAbsent(node + "/" + taint.getKey() + "=" + taint.getValue(), k -> now)), now).orElse(null);
    }

    /**
     * When a pod with {@code tolerations} must leave a node with the NoExecute {@code taints}, each added at
     * {@code added}: {@code now} if one is not tolerated, else the earliest of, per taint, its time plus the
     * shortest {@code tolerationSeconds} of the tolerations matching it (negative counts as 0); empty when every
     * taint is tolerated forever by a toleration without seconds (upstream's {@code getMinTolerationTime}).
     */
    static Optional<Instant> due(List<Taint> taints, List<Toleration> tolerations, Function<Taint, Instant> added,
            Instant now) {
        Instant due = null;
        for (Taint taint : taints) {
            List<Toleration> used = tolerations.stream().filter(t -> Tolerations.tolerates(t, taint)).toList();
            if (used.isEmpty()) {
                return Optional.of(now);
            }
            if (used.stream().anyMatch(t -> t.getTolerationSeconds() == null)) {
                continue;
            }
            long seconds = Math.max(0, used.stream().mapToLong(Toleration::getTolerationSeconds).min().orElse(0));
            Instant at = added.apply(taint).plusSeconds(seconds);
            if (due == null || at.isBefore(due)) {
                due = at;
            }
        }
        return Optional.ofNullable(due);
    }

    private void evict(Pod pod, Instant now) {
        String namespace = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        recorder.event(pod, EventRecorder.NORMAL, "TaintManagerEviction",
                "Marking for deletion Pod " + namespace + "/" + name);
        String patch = "{\"status\":{\"conditions\":[{\"type\":\"DisruptionTarget\",\"status\":\"True\","
                + "\"reason\":\"DeletionByTaintManager\",\"message\":\"Taint manager: deleting due to NoExecute taint\","
                + "\"lastTransitionTime\":\"" + DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS))
                + "\"}]}}";
        try {
            pods.patchStatus(namespace, name, PatchType.STRATEGIC_MERGE, patch);
            pods.delete(namespace, name, DeleteOptions.defaults().withUid(Owners.uid(pod)));
            LOG.log(Level.INFO, "evicted pod from a NoExecute-tainted node pod={0}/{1} node={2}", namespace, name,
                    Pods.nodeName(pod));
        } catch (ClusterException.NotFound | ClusterException.Conflict gone) {
            // deleted or replaced meanwhile
        }
    }

    @Override
    public void close() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        recorder.close();
    }
}
