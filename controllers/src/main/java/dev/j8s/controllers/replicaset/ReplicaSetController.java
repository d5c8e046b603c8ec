package dev.j8s.controllers.replicaset;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.common.ControllerRefManager;
import dev.j8s.controllers.common.EventRecorder;
import dev.j8s.controllers.common.Expectations;
import dev.j8s.controllers.common.Hashes;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.common.PodControl;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.common.Selectors;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The ReplicaSet controller (upstream's pkg/controller/replicaset): for each ReplicaSet it claims the active pods
 * its selector matches, creates missing pods in slow-start batches (1, 2, 4, … at most 500 per sync) or deletes
 * surplus ones in parallel (ranked by {@link PodRanking}), recording expectations first so a stale cache never
 * acts twice, and writes the status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
 * observedGeneration, the ReplicaFailure condition). Thread-safe.
 */
public final class ReplicaSetController implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ReplicaSetController.class.getName());
    /** The most pods one sync creates or deletes. */
    static final int BURST_REPLICAS = 500;
    private static final String COMPONENT = "replicaset-controller";
    /** Upstream's service account of this controller ({@code kube-system/replicaset-controller}). */
    public static final String SERVICE_ACCOUNT = "replicaset-controller";

    private final KubeClient client;
    private final ResourceClient<ReplicaSet> replicaSets;
    private final SharedInformer<ReplicaSet> rsInformer;
    private final SharedInformer<Pod> podInformer;
    private final Clock clock;
    private final EventRecorder events;
    private final PodControl podControl;
    private final Expectations expectations;
    private final WorkQueue queue = new WorkQueue("replicaset", RateLimiter.defaults());
    private final ControllerLoop loop;
    private final ExecutorService parallel = Executors.newVirtualThreadPerTaskExecutor();

    public ReplicaSetController(KubeClient client, InformerFactory informers, Clock clock, int workers) {
        this.client = client;
        this.replicaSets = client.resource(Kind.REPLICA_SETS);
        this.rsInformer = informers.informer(Kind.REPLICA_SETS);
        this.podInformer = informers.informer(Kind.PODS);
        this.clock = clock;
        this.events = new EventRecorder(client, COMPONENT, clock);
        this.podControl = new PodControl(client.resource(Kind.PODS), events);
        this.expectations = new Expectations(clock);
        this.loop = new ControllerLoop(COMPONENT, queue, this::sync, workers);
        rsInformer.addEventHandler(ResourceEventHandler.of(this::enqueue, rs -> {
            expectations.delete(SharedInformer.key(rs));
            enqueue(rs);
        }));
        podInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                addPod(pod);
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
                updatePod(old, pod);
            }

            @Override
            public void onDelete(Pod pod) {
                deletePod(pod);
            }
        });
    }

    public void start() {
        loop.start();
    }

    /** The keys waiting (for tests and benchmarks). */
    public int queueLength() {
        return queue.length();
    }

    @Override
    public void close() {
        loop.close();
        parallel.shutdownNow();
        events.close();
    }

    // ---- event handlers -------------------------------------------------------------------------------

    private void enqueue(ReplicaSet rs) {
        queue.add(SharedInformer.key(rs));
    }

    /** The ReplicaSet a controller reference names, if the cache has it with that uid. */
    private Optional<ReplicaSet> resolve(String namespace, OwnerReference ref) {
        return rsInformer.resolve(namespace, ref, "apps/v1", "ReplicaSet");
    }

    private void addPod(Pod pod) {
        if (Owners.isDeleting(pod)) {
            // seen first while already being deleted (e.g. after a restart): a deletion for expectations
            deletePod(pod);
            return;
        }
        Optional<OwnerReference> ref = Owners.controllerOf(pod);
        if (ref.isPresent()) {
            resolve(pod.getMetadata().getNamespace(), ref.get()).ifPresent(rs -> {
                expectations.creationObserved(SharedInformer.key(rs));
                enqueue(rs);
            });
            return;
        }
        // an orphan: every ReplicaSet that selects it may adopt it
        for (ReplicaSet rs : selecting(pod)) {
            enqueue(rs);
        }
    }

    private void updatePod(Pod old, Pod pod) {
        if (Objects.equals(old.getMetadata().getResourceVersion(), pod.getMetadata().getResourceVersion())) {
            return; // a resync: the ReplicaSets resync themselves
        }
        boolean labelsChanged = !Objects.equals(old.getMetadata().getLabels(), pod.getMetadata().getLabels());
        if (Owners.isDeleting(pod)) {
            // a graceful deletion starts: the pod no longer counts, the ReplicaSet may replace it now
            deletePod(pod);
            if (labelsChanged) {
                deletePod(old);
            }
            return;
        }
        Optional<OwnerReference> oldRef = Owners.controllerOf(old);
        Optional<OwnerReference> ref = Owners.controllerOf(pod);
        if (oldRef.isPresent() && !oldRef.equals(ref)) {
            resolve(old.getMetadata().getNamespace(), oldRef.get()).ifPresent(this::enqueue);
        }
        if (ref.isPresent()) {
            resolve(pod.getMetadata().getNamespace(), ref.get()).ifPresent(rs -> {
                enqueue(rs);
                int minReady = rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
                if (!Pods.isReady(old) && Pods.isReady(pod) && minReady > 0) {
                    // availability is time-driven: look again once the pod has been ready long enough
                    queue.addAfter(SharedInformer.key(rs), Duration.ofSeconds(minReady + 1L));
                }
            });
            return;
        }
        if (labelsChanged || oldRef.isPresent()) {
            for (ReplicaSet rs : selecting(pod)) {
                enqueue(rs);
            }
        }
    }

    private void deletePod(Pod pod) {
        Owners.controllerOf(pod).flatMap(ref -> resolve(pod.getMetadata().getNamespace(), ref)).ifPresent(rs -> {
            expectations.deletionObserved(SharedInformer.key(rs), SharedInformer.key(pod));
            enqueue(rs);
        });
    }

    private List<ReplicaSet> selecting(Pod pod) {
        List<ReplicaSet> out = new ArrayList<>();
        for (ReplicaSet rs : rsInformer.list(pod.getMetadata().getNamespace())) {
            if (Selectors.matches(rs.getSpec().getSelector(), pod.getMetadata().getLabels())) {
                out.add(rs);
            }
        }
        return out;
    }

    // ---- sync ----------------------------------------------------------------------------------------

    private void sync(String key) {
        Optional<ReplicaSet> cached = rsInformer.getByKey(key);
        if (cached.isEmpty()) {
            expectations.delete(key);
            return;
        }
        ReplicaSet rs = cached.get();
        String namespace = rs.getMetadata().getNamespace();
        String name = rs.getMetadata().getName();
        boolean needsSync = expectations.satisfied(key);
        List<Pod> active = podInformer.list(namespace).stream().filter(Pods::isActive).toList();
        ControllerRefManager<Pod> refs = new ControllerRefManager<>(client.resource(Kind.PODS), rs, "apps/v1",
                "ReplicaSet", p -> Selectors.matches(rs.getSpec().getSelector(), p.getMetadata().getLabels()),
                () -> replicaSets.get(namespace, name).map(r -> (HasMetadata) r));
        List<Pod> claimed = refs.claim(active);

        RuntimeException manageError = null;
        if (needsSync && !Owners.isDeleting(rs)) {
            try {
                manageReplicas(claimed, rs, key);
            } catch (RuntimeException e) {
                manageError = e;
            }
        }
        ReplicaSetStatus status = calculateStatus(rs, claimed, manageError);
        ReplicaSet updated = writeStatus(rs, status);
        int minReady = minReadySeconds(rs);
        if (manageError == null && minReady > 0 && updated.getStatus() != null
                && Objects.equals(updated.getStatus().getReadyReplicas(), replicas(rs))
                && !Objects.equals(updated.getStatus().getAvailableReplicas(), replicas(rs))) {
            queue.addAfter(key, Duration.ofSeconds(minReady));
        }
        if (manageError != null) {
            throw manageError;
        }
    }

    private void manageReplicas(List<Pod> pods, ReplicaSet rs, String key) {
        int diff = pods.size() - replicas(rs);
        if (diff < 0) {
            int toCreate = Math.min(-diff, BURST_REPLICAS);
            expectations.expectCreations(key, toCreate);
            OwnerReference controllerRef = Owners.controllerRef(rs, "apps/v1", "ReplicaSet");
            int created = 0;
            RuntimeException failure = null;
            int batch = 1;
            int remaining = toCreate;
            // slow start: a failing batch (quota, admission) stops before flooding the API
            while (remaining > 0 && failure == null) {
                int size = Math.min(batch, remaining);
                List<Future<?>> results = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    results.add(parallel.submit(() -> podControl.create(
                            dev.j8s.controllers.common.PodControl.fromTemplate(rs.getSpec().getTemplate(), rs,
                                    controllerRef), rs)));
                }
                for (Future<?> f : results) {
                    try {
                        f.get();
                        created++;
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (failure == null) {
                            failure = e.getCause() instanceof RuntimeException r ? r
                                    : new IllegalStateException(e.getCause());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        failure = new IllegalStateException("interrupted while creating pods of " + key);
                    }
                }
                remaining -= size;
                batch *= 2;
            }
            // pods never created (failed or skipped) will never be observed
            for (int i = created; i < toCreate; i++) {
                expectations.creationObserved(key);
            }
            if (failure != null) {
                throw failure;
            }
        } else if (diff > 0) {
            int toDelete = Math.min(diff, BURST_REPLICAS);
            List<Pod> victims = PodRanking.podsToDelete(pods, relatedPods(rs), toDelete, clock.instant());
            expectations.expectDeletions(key, victims.stream().map(SharedInformer::key).toList());
            List<Future<?>> results = new ArrayList<>();
            for (Pod victim : victims) {
                results.add(parallel.submit(() -> {
                    try {
                        podControl.delete(victim, rs);
                    } catch (RuntimeException e) {
                        expectations.deletionObserved(key, SharedInformer.key(victim));
                        throw e;
                    }
                }));
            }
            RuntimeException failure = null;
            for (Future<?> f : results) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = new IllegalStateException("interrupted while deleting pods of " + key);
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** The pods of this ReplicaSet and of its siblings (the ReplicaSets of the same owner), for the ranking. */
    private List<Pod> relatedPods(ReplicaSet rs) {
        Optional<OwnerReference> owner = Owners.controllerOf(rs);
        List<String> uids = new ArrayList<>();
        uids.add(Owners.uid(rs));
        if (owner.isPresent()) {
            for (ReplicaSet sibling : rsInformer.list(rs.getMetadata().getNamespace())) {
                if (Owners.isControlledBy(sibling, owner.get().getUid())) {
                    uids.add(Owners.uid(sibling));
                }
            }
        }
        List<Pod> out = new ArrayList<>();
        for (Pod p : podInformer.list(rs.getMetadata().getNamespace())) {
            if (Owners.controllerOf(p).map(r -> uids.contains(r.getUid())).orElse(false)) {
                out.add(p);
            }
        }
        return out;
    }

    private ReplicaSetStatus calculateStatus(ReplicaSet rs, List<Pod> pods, RuntimeException manageError) {
        Map<String, String> templateLabels = rs.getSpec().getTemplate() == null
                || rs.getSpec().getTemplate().getMetadata() == null
                || rs.getSpec().getTemplate().getMetadata().getLabels() == null
                ? Map.of() : rs.getSpec().getTemplate().getMetadata().getLabels();
        int fullyLabeled = 0;
        int ready = 0;
        int available = 0;
        Instant now = clock.instant();
        for (Pod p : pods) {
            Map<String, String> labels = p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
            if (labels.entrySet().containsAll(templateLabels.entrySet())) {
                fullyLabeled++;
            }
            if (Pods.isReady(p)) {
                ready++;
                if (Pods.isAvailable(p, minReadySeconds(rs), now)) {
                    available++;
                }
            }
        }
        ReplicaSetStatus current = rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus();
        List<ReplicaSetCondition> conditions = new ArrayList<>(current.getConditions() == null ? List.of()
                : current.getConditions());
        boolean hasFailure = conditions.stream().anyMatch(c -> "ReplicaFailure".equals(c.getType()));
        if (manageError != null && !hasFailure) {
            int diff = pods.size() - replicas(rs);
            String reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "";
            conditions.add(new ReplicaSetConditionBuilder().withType("ReplicaFailure").withStatus("True")
                    .withReason(reason).withMessage(PodControl.detail(manageError instanceof ClusterException c ? c
                            : ClusterException.of(manageError.getMessage(), 0, "", manageError)))
                    .withLastTransitionTime(timestamp(now)).build());
        } else if (manageError == null && hasFailure) {
            conditions.removeIf(c -> "ReplicaFailure".equals(c.getType()));
        }
        return new ReplicaSetStatusBuilder()
                .withReplicas(pods.size())
                .withFullyLabeledReplicas(fullyLabeled)
                .withReadyReplicas(ready)
                .withAvailableReplicas(available)
                .withObservedGeneration(rs.getMetadata().getGeneration())
                .withConditions(conditions.isEmpty() ? null : conditions)
                .build();
    }

    /** Writes the status when it changed; one retry on a stale read (upstream's updateReplicaSetStatus). */
    private ReplicaSet writeStatus(ReplicaSet rs, ReplicaSetStatus status) {
        if (Hashes.semanticallyEqual(rs.getStatus() == null ? new ReplicaSetStatus() : rs.getStatus(), status)) {
            return rs;
        }
        ReplicaSet next = Hashes.copy(rs, ReplicaSet.class);
        next.setStatus(status);
        try {
            return replicaSets.updateStatus(next);
        } catch (ClusterException.Conflict e) {
            Optional<ReplicaSet> fresh = replicaSets.get(rs.getMetadata().getNamespace(), rs.getMetadata().getName());
            if (fresh.isEmpty() || !Owners.uid(fresh.get()).equals(Owners.uid(rs))) {
                return rs;
            }
            ReplicaSet retry = fresh.get();
            retry.setStatus(new ReplicaSetStatusBuilder(status)
                    .withObservedGeneration(fresh.get().getMetadata().getGeneration()).build());
            LOG.log(Level.DEBUG, "status write conflicted, retrying once replicaset={0}", SharedInformer.key(rs));
            return replicaSets.updateStatus(retry);
        }
    }

    static int replicas(ReplicaSet rs) {
        return rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    }

    static int minReadySeconds(ReplicaSet rs) {
        return rs.getSpec().getMinReadySeconds() == null ? 0 : rs.getSpec().getMinReadySeconds();
    }

    static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
