package dev.j8s.controllers.statefulset;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.common.ControllerRefManager;
import dev.j8s.controllers.common.EventRecorder;
import dev.j8s.controllers.common.Hashes;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.common.PodControl;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.common.Selectors;
import dev.j8s.controllers.history.ControllerHistory;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The StatefulSet controller (upstream {@code pkg/controller/statefulset}): pods named {@code <set>-<ordinal>} with a
 * stable hostname and subdomain, each with its claims from {@code volumeClaimTemplates} made before it; created in
 * ordinal order and removed highest first, one at a time while the others are Running and Ready under
 * {@code OrderedReady}, all at once under {@code Parallel}; failed pods replaced; the template's history kept as
 * ControllerRevisions; rolling updates from the highest ordinal down to the partition, one pod at a time
 * ({@code OnDelete}: only the pods the user deletes); the claims' owner references kept as
 * {@code persistentVolumeClaimRetentionPolicy} says; and the status. Thread-safe.
 */
public final class StatefulSetController implements AutoCloseable {

    static final String COMPONENT = "statefulset-controller";
    /** Upstream's service account of this controller ({@code kube-system/statefulset-controller}). */
    public static final String SERVICE_ACCOUNT = "statefulset-controller";
    public static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    public static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

    private final ResourceClient<StatefulSet> sets;
    private final ResourceClient<Pod> pods;
    private final ResourceClient<PersistentVolumeClaim> claims;
    private final ResourceClient<ControllerRevision> revisions;
    private final SharedInformer<StatefulSet> setInformer;
    private final SharedInformer<Pod> podInformer;
    private final SharedInformer<PersistentVolumeClaim> claimInformer;
    private final SharedInformer<ControllerRevision> revisionInformer;
    private final ControllerHistory history;
    private final Clock clock;
    private final EventRecorder events;
    private final WorkQueue queue = new WorkQueue("statefulset", RateLimiter.defaults());
    private final ControllerLoop loop;

    public StatefulSetController(KubeClient client, InformerFactory informers, Clock clock, int workers) {
        this.sets = client.resource(Kind.STATEFUL_SETS);
        this.pods = client.resource(Kind.PODS);
        this.claims = client.resource(Kind.PERSISTENT_VOLUME_CLAIMS);
        this.revisions = client.resource(Kind.CONTROLLER_REVISIONS);
        this.setInformer = informers.informer(Kind.STATEFUL_SETS);
        this.podInformer = informers.informer(Kind.PODS);
        this.claimInformer = informers.informer(Kind.PERSISTENT_VOLUME_CLAIMS);
        this.revisionInformer = informers.informer(Kind.CONTROLLER_REVISIONS);
        this.history = new ControllerHistory(revisions, "apps/v1", "StatefulSet");
        this.clock = clock;
        this.events = new EventRecorder(client, COMPONENT, clock);
        this.loop = new ControllerLoop(COMPONENT, queue, this::sync, workers);
        setInformer.addEventHandler(ResourceEventHandler.of(this::enqueue, this::enqueue));
        podInformer.addEventHandler(ResourceEventHandler.of(p -> ownerOf(p).ifPresent(this::enqueuePodChange),
                p -> ownerOf(p).ifPresent(this::enqueue)));
        revisionInformer.addEventHandler(ResourceEventHandler.of(cr -> ownerOf(cr).ifPresent(this::enqueue),
                cr -> ownerOf(cr).ifPresent(this::enqueue)));
        claimInformer.addEventHandler(ResourceEventHandler.of(c -> { }, c -> setInformer.list(c.getMetadata()
                .getNamespace()).forEach(this::enqueue)));
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
        events.close();
    }

    private void enqueue(StatefulSet set) {
        queue.add(SharedInformer.key(set));
    }

    /** A pod changed; a set waiting for availability is also looked at again when minReadySeconds have passed. */
    private void enqueuePodChange(StatefulSet set) {
        enqueue(set);
        Integer minReady = set.getSpec().getMinReadySeconds();
        if (minReady != null && minReady > 0) {
            queue.addAfter(SharedInformer.key(set), Duration.ofSeconds(minReady + 1L));
        }
    }

    private Optional<StatefulSet> ownerOf(HasMetadata child) {
        return setInformer.controllerOf(child, "apps/v1", "StatefulSet");
    }

    // ---- sync ----------------------------------------------------------------------------------------

    private void sync(String key) {
        Optional<StatefulSet> cached = setInformer.getByKey(key);
        if (cached.isEmpty()) {
            return;
        }
        StatefulSet set = Hashes.copy(cached.get(), StatefulSet.class);
        if (Owners.isDeleting(set)) {
            return;
        }
        String namespace = set.getMetadata().getNamespace();
        ControllerRefManager<Pod> podRefs = new ControllerRefManager<>(pods, set, "apps/v1", "StatefulSet",
                p -> Selectors.matches(set.getSpec().getSelector(), p.getMetadata().getLabels())
                        && StatefulSetPods.isMemberOf(set, p),
                () -> sets.get(namespace, set.getMetadata().getName()).map(x -> (HasMetadata) x));
        List<Pod> members = podRefs.claim(podInformer.list(namespace));
        ControllerRefManager<ControllerRevision> revisionRefs = new ControllerRefManager<>(revisions, set, "apps/v1",
                "StatefulSet", cr -> Selectors.matches(set.getSpec().getSelector(), cr.getMetadata().getLabels()),
                () -> sets.get(namespace, set.getMetadata().getName()).map(x -> (HasMetadata) x));
        List<ControllerRevision> owned = revisionRefs.claim(revisionInformer.list(namespace));
        Integer collisions = set.getStatus() == null ? null : set.getStatus().getCollisionCount();
        ControllerHistory.Revisions found = history.construct(set, set.getSpec().getTemplate(), collisions, owned,
                () -> bumpCollisionCount(set));
        ControllerRevision update = found.update();
        String currentName = set.getStatus() == null ? null : set.getStatus().getCurrentRevision();
        ControllerRevision current = found.all().stream()
                .filter(cr -> cr.getMetadata().getName().equals(currentName)).findFirst().orElse(update);

        StatefulSetStatus status = updateStatefulSet(set, current, update, members);
        updateStatus(set, status);
        truncateHistory(set, members, found.all(), current, update);
    }

    /**
     * One pass of {@code updateStatefulSet}: returns the status computed from the pods as they were found plus
     * what this pass created; every wait ends the pass (the pod events bring the set back).
     */
    StatefulSetStatus updateStatefulSet(StatefulSet set, ControllerRevision current, ControllerRevision update,
            List<Pod> members) {
        StatefulSetPods plan = StatefulSetPods.plan(set, members);
        List<Pod> observed = new ArrayList<>(members);
        boolean monotonic = !"Parallel".equals(set.getSpec().getPodManagementPolicy());
        Instant now = clock.instant();
        int minReady = set.getSpec().getMinReadySeconds() == null ? 0 : set.getSpec().getMinReadySeconds();
        boolean waiting = false;
        for (int ordinal : plan.ordinals()) {
            Pod pod = plan.replicas().get(ordinal);
            if (pod != null && (Pods.isTerminal(pod)) && !Owners.isDeleting(pod)) {
                deletePod(set, pod);
                waiting |= monotonic;
                if (monotonic) {
                    break;
                }
                continue;
            }
            if (pod == null) {
                ControllerRevision revision = StatefulSetPods.createFromCurrent(set, ordinal) ? current : update;
                Optional<Pod> created = createPod(set, ordinal, revision);
                created.ifPresent(observed::add);
                if (monotonic) {
                    waiting = true;
                    break;
                }
                continue;
            }
            if (Owners.isDeleting(pod)) {
                if (monotonic) {
                    waiting = true;
                    break;
                }
                continue;
            }
            updateClaimRetention(set, pod, false);
            if (!isHealthy(pod, minReady, now) && monotonic) {
                waiting = true;
                break;
            }
        }
        if (!waiting) {
            for (Pod pod : plan.condemned()) {
                if (Owners.isDeleting(pod)) {
                    if (monotonic) {
                        waiting = true;
                        break;
                    }
                    continue;
                }
                updateClaimRetention(set, pod, true);
                deletePod(set, pod);
                if (monotonic) {
                    waiting = true;
                    break;
                }
            }
        }
        if (!waiting && isRollingUpdate(set)) {
            rollingUpdate(set, plan, update, minReady, now);
        }
        return computeStatus(set, observed, current, update, minReady, now);
    }

    /** Replaces, from the highest ordinal down to the partition, the first pod not of the update revision. */
    private void rollingUpdate(StatefulSet set, StatefulSetPods plan, ControllerRevision update, int minReady,
            Instant now) {
        int partition = StatefulSetPods.partition(set);
        List<Integer> ordinals = new ArrayList<>(plan.ordinals());
        ordinals.sort(Comparator.reverseOrder());
        int start = StatefulSetPods.startOrdinal(set);
        for (int ordinal : ordinals) {
            if (ordinal < start + partition) {
                break;
            }
            Pod pod = plan.replicas().get(ordinal);
            if (pod == null || Owners.isDeleting(pod)) {
                return;
            }
            if (!update.getMetadata().getName().equals(revisionOf(pod))) {
                deletePod(set, pod);
                return;
            }
            if (!isHealthy(pod, minReady, now)) {
                return;
            }
        }
    }

    private static boolean isRollingUpdate(StatefulSet set) {
        return set.getSpec().getUpdateStrategy() == null || set.getSpec().getUpdateStrategy().getType() == null
                || "RollingUpdate".equals(set.getSpec().getUpdateStrategy().getType());
    }

    private static boolean isHealthy(Pod pod, int minReady, Instant now) {
        return "Running".equals(Pods.phase(pod)) && Pods.isAvailable(pod, minReady, now);
    }

    static String revisionOf(Pod pod) {
        return pod.getMetadata().getLabels() == null ? ""
                : pod.getMetadata().getLabels().getOrDefault(ControllerHistory.REVISION_HASH, "");
    }

    // ---- pods and claims ------------------------------------------------------------------------------

    private Optional<Pod> createPod(StatefulSet set, int ordinal, ControllerRevision revision) {
        Pod pod = StatefulSetPods.newPod(set, ordinal, revision);
        String podName = pod.getMetadata().getName();
        String setName = set.getMetadata().getName();
        try {
            createClaims(set, pod, ordinal);
        } catch (RuntimeException e) {
            events.event(set, EventRecorder.WARNING, "FailedCreate", "create Pod " + podName + " in StatefulSet "
                    + setName + " failed error: " + (e instanceof ClusterException ce ? PodControl.detail(ce)
                    : e.getMessage()));
            throw e;
        }
        try {
            Pod created = pods.create(pod);
            events.event(set, EventRecorder.NORMAL, "SuccessfulCreate", "create Pod " + podName + " in StatefulSet "
                    + setName + " successful");
            return Optional.of(created);
        } catch (ClusterException.AlreadyExists exists) {
            return Optional.empty(); // the cache has not seen it yet
        } catch (ClusterException e) {
            events.event(set, EventRecorder.WARNING, "FailedCreate", "create Pod " + podName + " in StatefulSet "
                    + setName + " failed error: " + PodControl.detail(e));
            throw e;
        }
    }

    /** createPersistentVolumeClaims: the pod's missing claims; a claim being deleted blocks the pod. */
    private void createClaims(StatefulSet set, Pod pod, int ordinal) {
        String namespace = set.getMetadata().getNamespace();
        for (PersistentVolumeClaim claim : StatefulSetPods.claims(set, ordinal)) {
            String name = claim.getMetadata().getName();
            Optional<PersistentVolumeClaim> existing = claimInformer.get(namespace, name)
                    .or(() -> claims.get(namespace, name));
            if (existing.isPresent()) {
                if (Owners.isDeleting(existing.get())) {
                    throw new IllegalStateException("pvc " + name + " is being deleted");
                }
                continue;
            }
            claim.getMetadata().setOwnerReferences(retentionOwners(set, pod, claim, false));
            try {
                claims.create(claim);
                events.event(set, EventRecorder.NORMAL, "SuccessfulCreate", "create Claim " + name + " Pod "
                        + pod.getMetadata().getName() + " in StatefulSet " + set.getMetadata().getName() + " success");
            } catch (ClusterException.AlreadyExists exists) {
                // made meanwhile
            } catch (ClusterException e) {
                events.event(set, EventRecorder.WARNING, "FailedCreate", "create Claim " + name + " for Pod "
                        + pod.getMetadata().getName() + " in StatefulSet " + set.getMetadata().getName()
                        + " failed error: " + PodControl.detail(e));
                throw e;
            }
        }
    }

    /**
     * The owner references a claim of {@code pod} should carry under the retention policy: the pod alone when
     * {@code whenScaled} is Delete and the pod is condemned, else the set when {@code whenDeleted} is Delete; the
     * claim's other owners are kept.
     */
    private static List<OwnerReference> retentionOwners(StatefulSet set, Pod pod, PersistentVolumeClaim claim,
            boolean condemned) {
        List<OwnerReference> refs = new ArrayList<>(claim.getMetadata().getOwnerReferences() == null ? List.of()
                : claim.getMetadata().getOwnerReferences());
        String setUid = Owners.uid(set);
        String podUid = pod.getMetadata().getUid();
        refs.removeIf(r -> r.getUid().equals(setUid) || podUid != null && r.getUid().equals(podUid));
        var policy = set.getSpec().getPersistentVolumeClaimRetentionPolicy();
        boolean goesWithPod = condemned && podUid != null && policy != null && "Delete".equals(policy.getWhenScaled());
        if (goesWithPod) {
            // the set must not keep the claim of a pod scaled away alive: the pod alone owns it
            refs.add(reference(pod, "v1", "Pod"));
        } else if (policy != null && "Delete".equals(policy.getWhenDeleted())) {
            refs.add(reference(set, "apps/v1", "StatefulSet"));
        }
        return refs;
    }

    private static OwnerReference reference(HasMetadata owner, String apiVersion, String kind) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind)
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid())
                .withBlockOwnerDeletion(true).build();
    }

    /** Brings the owner references of a pod's existing claims in line with the retention policy. */
    private void updateClaimRetention(StatefulSet set, Pod pod, boolean condemned) {
        int ordinal = StatefulSetPods.ordinal(pod);
        for (PersistentVolumeClaim template : StatefulSetPods.claims(set, ordinal)) {
            Optional<PersistentVolumeClaim> existing = claimInformer.get(set.getMetadata().getNamespace(),
                    template.getMetadata().getName());
            if (existing.isEmpty() || Owners.isDeleting(existing.get())) {
                continue;
            }
            List<OwnerReference> wanted = retentionOwners(set, pod, existing.get(), condemned);
            List<OwnerReference> have = existing.get().getMetadata().getOwnerReferences() == null ? List.of()
                    : existing.get().getMetadata().getOwnerReferences();
            if (Set.copyOf(uids(wanted)).equals(Set.copyOf(uids(have)))) {
                continue;
            }
            PersistentVolumeClaim copy = Hashes.copy(existing.get(), PersistentVolumeClaim.class);
            copy.getMetadata().setOwnerReferences(wanted);
            claims.update(copy);
        }
    }

    private static List<String> uids(List<OwnerReference> refs) {
        return refs.stream().map(OwnerReference::getUid).toList();
    }

    private void deletePod(StatefulSet set, Pod pod) {
        String name = pod.getMetadata().getName();
        try {
            pods.delete(pod.getMetadata().getNamespace(), name, DeleteOptions.defaults().withUid(Owners.uid(pod)));
            events.event(set, EventRecorder.NORMAL, "SuccessfulDelete", "delete Pod " + name + " in StatefulSet "
                    + set.getMetadata().getName() + " successful");
        } catch (ClusterException.NotFound gone) {
            // deleted already
        } catch (ClusterException e) {
            events.event(set, EventRecorder.WARNING, "FailedDelete", "delete Pod " + name + " in StatefulSet "
                    + set.getMetadata().getName() + " failed error: " + PodControl.detail(e));
            throw e;
        }
    }

    // ---- status and history ------------------------------------------------------------------------

    private StatefulSetStatus computeStatus(StatefulSet set, List<Pod> members, ControllerRevision current,
            ControllerRevision update, int minReady, Instant now) {
        int replicas = 0;
        int ready = 0;
        int available = 0;
        int currentReplicas = 0;
        int updated = 0;
        Set<String> seen = new HashSet<>();
        for (Pod pod : members) {
            if (!seen.add(pod.getMetadata().getName())) {
                continue;
            }
            replicas++;
            if ("Running".equals(Pods.phase(pod)) && Pods.isReady(pod)) {
                ready++;
                if (Pods.isAvailable(pod, minReady, now)) {
                    available++;
                }
            }
            if (!Owners.isDeleting(pod)) {
                String revision = revisionOf(pod);
                if (revision.equals(current.getMetadata().getName())) {
                    currentReplicas++;
                }
                if (revision.equals(update.getMetadata().getName())) {
                    updated++;
                }
            }
        }
        StatefulSetStatus old = set.getStatus() == null ? new StatefulSetStatus() : set.getStatus();
        StatefulSetStatusBuilder next = new StatefulSetStatusBuilder(old)
                .withObservedGeneration(set.getMetadata().getGeneration())
                .withReplicas(replicas)
                .withReadyReplicas(ready)
                .withAvailableReplicas(available)
                .withCurrentReplicas(currentReplicas)
                .withUpdatedReplicas(updated)
                .withCurrentRevision(current.getMetadata().getName())
                .withUpdateRevision(update.getMetadata().getName());
        // completeRollingUpdate: once every pod runs the update revision and is ready, it becomes current
        if (isRollingUpdate(set) && updated == replicas && ready == replicas
                && replicas == StatefulSetPods.replicas(set)) {
            next.withCurrentReplicas(updated).withCurrentRevision(update.getMetadata().getName());
        }
        if (minReady > 0 && ready != available) {
            queue.addAfter(SharedInformer.key(set), Duration.ofSeconds(minReady));
        }
        return next.build();
    }

    private void updateStatus(StatefulSet set, StatefulSetStatus status) {
        if (Hashes.semanticallyEqual(set.getStatus(), status)) {
            return;
        }
        StatefulSet copy = Hashes.copy(set, StatefulSet.class);
        copy.setStatus(status);
        sets.updateStatus(copy);
    }

    private void bumpCollisionCount(StatefulSet set) {
        StatefulSet fresh = sets.get(set.getMetadata().getNamespace(), set.getMetadata().getName()).orElseThrow();
        StatefulSetStatus status = fresh.getStatus() == null ? new StatefulSetStatus() : fresh.getStatus();
        status.setCollisionCount((status.getCollisionCount() == null ? 0 : status.getCollisionCount()) + 1);
        fresh.setStatus(status);
        sets.updateStatus(fresh);
    }

    /** Keeps at most revisionHistoryLimit revisions that neither a pod nor the current or update revision use. */
    private void truncateHistory(StatefulSet set, List<Pod> members, List<ControllerRevision> all,
            ControllerRevision current, ControllerRevision update) {
        Set<String> live = new HashSet<>();
        members.forEach(p -> live.add(revisionOf(p)));
        live.add(current.getMetadata().getName());
        live.add(update.getMetadata().getName());
        List<ControllerRevision> unused = all.stream().filter(cr -> !live.contains(cr.getMetadata().getName())).toList();
        int limit = set.getSpec().getRevisionHistoryLimit() == null ? 10 : set.getSpec().getRevisionHistoryLimit();
        history.truncate(unused, limit);
    }
}
