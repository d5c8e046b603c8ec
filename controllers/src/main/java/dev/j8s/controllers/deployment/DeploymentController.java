package dev.j8s.controllers.deployment;

import static dev.j8s.controllers.deployment.DeploymentUtil.n;
import static dev.j8s.controllers.deployment.DeploymentUtil.replicas;

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
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The Deployment controller (upstream's pkg/controller/deployment): claims the ReplicaSets a Deployment selects,
 * finds or creates the one of its current pod template ({@code <deployment>-<pod-template-hash>}, revision
 * max+1), and rolls pods over from the old ones (RollingUpdate within maxSurge and maxUnavailable, or Recreate),
 * scales proportionally when only the replicas changed, keeps {@code revisionHistoryLimit} old ReplicaSets, and
 * reports the status and the Available and Progressing conditions that {@code kubectl rollout status} reads.
 * Thread-safe.
 */
public final class DeploymentController implements AutoCloseable {

    private static final String COMPONENT = "deployment-controller";
    /** Upstream's service account of this controller ({@code kube-system/deployment-controller}). */
    public static final String SERVICE_ACCOUNT = "deployment-controller";

    private final KubeClient client;
    private final ResourceClient<Deployment> deployments;
    private final ResourceClient<ReplicaSet> replicaSets;
    private final SharedInformer<Deployment> dInformer;
    private final SharedInformer<ReplicaSet> rsInformer;
    private final SharedInformer<Pod> podInformer;
    private final Clock clock;
    private final EventRecorder events;
    private final WorkQueue queue = new WorkQueue("deployment", RateLimiter.defaults());
    private final ControllerLoop loop;

    public DeploymentController(KubeClient client, InformerFactory informers, Clock clock, int workers) {
        this.client = client;
        this.deployments = client.resource(Kind.DEPLOYMENTS);
        this.replicaSets = client.resource(Kind.REPLICA_SETS);
        this.dInformer = informers.informer(Kind.DEPLOYMENTS);
        this.rsInformer = informers.informer(Kind.REPLICA_SETS);
        this.podInformer = informers.informer(Kind.PODS);
        this.clock = clock;
        this.events = new EventRecorder(client, COMPONENT, clock);
        this.loop = new ControllerLoop(COMPONENT, queue, this::sync, workers);
        dInformer.addEventHandler(ResourceEventHandler.of(this::enqueue, this::enqueue));
        rsInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ReplicaSet rs) {
                if (Owners.isDeleting(rs)) {
                    ownerOf(rs).ifPresent(DeploymentController.this::enqueue);
                    return;
                }
                Optional<OwnerReference> ref = Owners.controllerOf(rs);
                if (ref.isPresent()) {
                    ownerOf(rs).ifPresent(DeploymentController.this::enqueue);
                } else {
                    selecting(rs).forEach(DeploymentController.this::enqueue);
                }
            }

            @Override
            public void onUpdate(ReplicaSet old, ReplicaSet rs) {
                if (Objects.equals(old.getMetadata().getResourceVersion(), rs.getMetadata().getResourceVersion())) {
                    return;
                }
                Optional<OwnerReference> oldRef = Owners.controllerOf(old);
                Optional<OwnerReference> ref = Owners.controllerOf(rs);
                if (oldRef.isPresent() && !oldRef.equals(ref)) {
                    ownerOf(old).ifPresent(DeploymentController.this::enqueue);
                }
                if (ref.isPresent()) {
                    ownerOf(rs).ifPresent(DeploymentController.this::enqueue);
                } else if (!Objects.equals(old.getMetadata().getLabels(), rs.getMetadata().getLabels())
                        || oldRef.isPresent()) {
                    selecting(rs).forEach(DeploymentController.this::enqueue);
                }
            }

            @Override
            public void onDelete(ReplicaSet rs) {
                ownerOf(rs).ifPresent(DeploymentController.this::enqueue);
            }
        });
        // Recreate waits for the old pods to be gone before it creates the new ones.
        podInformer.addEventHandler(ResourceEventHandler.of(pod -> { }, pod -> rsInformer
                .controllerOf(pod, "apps/v1", "ReplicaSet")
                .flatMap(this::ownerOf)
                .filter(d -> !DeploymentUtil.isRollingUpdate(d))
                .ifPresent(this::enqueue)));
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
        events.close();
    }

    private void enqueue(Deployment d) {
        queue.add(SharedInformer.key(d));
    }

    private Optional<Deployment> ownerOf(ReplicaSet rs) {
        return dInformer.controllerOf(rs, "apps/v1", "Deployment");
    }

    private List<Deployment> selecting(ReplicaSet rs) {
        return dInformer.list(rs.getMetadata().getNamespace()).stream()
                .filter(d -> Selectors.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels()))
                .toList();
    }

    // ---- sync ----------------------------------------------------------------------------------------

    private void sync(String key) {
        Optional<Deployment> cached = dInformer.getByKey(key);
        if (cached.isEmpty()) {
            return;
        }
        Deployment d = Hashes.copy(cached.get(), Deployment.class);
        if (d.getStatus() == null) {
            d.setStatus(new DeploymentStatus());
        }
        if (Selectors.isEmpty(d.getSpec().getSelector())) {
            events.event(d, EventRecorder.WARNING, "SelectingAll",
                    "This deployment is selecting all pods. A non-empty selector is required.");
            if (DeploymentUtil.observedGeneration(d.getStatus()) < DeploymentUtil.generation(d)) {
                d.getStatus().setObservedGeneration(DeploymentUtil.generation(d));
                deployments.updateStatus(d);
            }
            return;
        }
        List<ReplicaSet> rsList = claimReplicaSets(d);
        if (Owners.isDeleting(d)) {
            Rollout r = rollout(d, rsList, false);
            syncDeploymentStatus(r.all(), r.newRs(), r.d());
            return;
        }
        d = checkPausedConditions(d);
        if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
            syncScale(d, rsList);
            return;
        }
        if (isScalingEvent(d, rsList)) {
            syncScale(d, rsList);
            return;
        }
        if (DeploymentUtil.isRollingUpdate(d)) {
            rolloutRolling(d, rsList);
        } else {
            rolloutRecreate(d, rsList);
        }
    }

    /** The ReplicaSets the Deployment controls after adoption and release (getReplicaSetsForDeployment). */
    private List<ReplicaSet> claimReplicaSets(Deployment d) {
        String namespace = d.getMetadata().getNamespace();
        String name = d.getMetadata().getName();
        ControllerRefManager<ReplicaSet> refs = new ControllerRefManager<>(replicaSets, d, "apps/v1", "Deployment",
                rs -> Selectors.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels()),
                () -> deployments.get(namespace, name).map(x -> (HasMetadata) x));
        List<ReplicaSet> claimed = refs.claim(rsInformer.list(namespace));
        return claimed.stream().map(rs -> Hashes.copy(rs, ReplicaSet.class)).toList();
    }

    /** The Deployment (maybe with a new revision or condition written), its new ReplicaSet and the old ones. */
    private record Rollout(Deployment d, ReplicaSet newRs, List<ReplicaSet> old) {
        List<ReplicaSet> all() {
            List<ReplicaSet> all = new ArrayList<>(old);
            if (newRs != null) {
                all.add(newRs);
            }
            return all;
        }
    }

    /** getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked and missing) and the old ones. */
    private Rollout rollout(Deployment d, List<ReplicaSet> rsList, boolean create) {
        Optional<ReplicaSet> existing = DeploymentUtil.findNew(d, rsList);
        List<ReplicaSet> old = DeploymentUtil.findOld(d, rsList, existing);
        long maxOld = DeploymentUtil.maxRevision(old);
        String newRevision = Long.toString(maxOld + 1);
        Instant now = clock.instant();
        if (existing.isPresent()) {
            ReplicaSet rs = existing.get();
            boolean annotationsUpdated = DeploymentUtil.setNewReplicaSetAnnotations(d, rs, newRevision, true);
            boolean minReadyNeedsUpdate = !Objects.equals(n(rs.getSpec().getMinReadySeconds()),
                    n(d.getSpec().getMinReadySeconds()));
            if (annotationsUpdated || minReadyNeedsUpdate) {
                rs.getSpec().setMinReadySeconds(d.getSpec().getMinReadySeconds());
                ReplicaSet updated = replicaSets.update(rs);
                return new Rollout(d, updated, old);
            }
            boolean needsUpdate = setRevision(d, DeploymentUtil.annotations(rs).get(DeploymentUtil.REVISION));
            if (DeploymentUtil.hasProgressDeadline(d) && DeploymentUtil.getCondition(d.getStatus(), "Progressing").isEmpty()) {
                DeploymentUtil.setCondition(d.getStatus(), DeploymentUtil.condition("Progressing", "True",
                        DeploymentUtil.FOUND_NEW_RS, "Found new replica set \"" + rs.getMetadata().getName() + "\"", now));
                needsUpdate = true;
            }
            if (needsUpdate) {
                d = deployments.updateStatus(d);
            }
            return new Rollout(d, rs, old);
        }
        if (!create) {
            return new Rollout(d, null, old);
        }
        return new Rollout(d, createNewReplicaSet(d, old, newRevision, now), old);
    }

    private ReplicaSet createNewReplicaSet(Deployment d, List<ReplicaSet> old, String newRevision, Instant now) {
        PodTemplateSpec template = Hashes.copy(d.getSpec().getTemplate(), PodTemplateSpec.class);
        String hash = DeploymentUtil.hashOf(template, d.getStatus().getCollisionCount());
        Map<String, String> labels = new HashMap<>(template.getMetadata() == null || template.getMetadata().getLabels() == null
                ? Map.of() : template.getMetadata().getLabels());
        labels.put(DeploymentUtil.HASH_LABEL, hash);
        if (template.getMetadata() == null) {
            template.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
        }
        template.getMetadata().setLabels(labels);
        LabelSelector selector = new LabelSelectorBuilder(d.getSpec().getSelector())
                .addToMatchLabels(DeploymentUtil.HASH_LABEL, hash).build();
        String name = d.getMetadata().getName() + "-" + hash;
        ReplicaSet newRs = new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(d.getMetadata().getNamespace())
                .withLabels(labels)
                .withOwnerReferences(Owners.controllerRef(d, "apps/v1", "Deployment"))
                .endMetadata()
                .withNewSpec()
                .withReplicas(0)
                .withMinReadySeconds(d.getSpec().getMinReadySeconds())
                .withSelector(selector)
                .withTemplate(template)
                .endSpec()
                .build();
        List<ReplicaSet> all = new ArrayList<>(old);
        all.add(newRs);
        int size = DeploymentUtil.newRsNewReplicas(d, all, newRs);
        newRs.getSpec().setReplicas(size);
        DeploymentUtil.setNewReplicaSetAnnotations(d, newRs, newRevision, false);
        ReplicaSet created;
        boolean alreadyExists = false;
        try {
            created = replicaSets.create(newRs);
        } catch (ClusterException.AlreadyExists e) {
            alreadyExists = true;
            Optional<ReplicaSet> existing = rsInformer.get(d.getMetadata().getNamespace(), name)
                    .or(() -> replicaSets.get(d.getMetadata().getNamespace(), name));
            if (existing.isPresent() && Owners.isControlledBy(existing.get(), Owners.uid(d))
                    && DeploymentUtil.equalIgnoreHash(d.getSpec().getTemplate(), existing.get().getSpec().getTemplate())) {
                created = existing.get();
            } else {
                // a hash collision: the next sync names the ReplicaSet with the next collision count
                d.getStatus().setCollisionCount(n(d.getStatus().getCollisionCount()) + 1);
                deployments.updateStatus(d);
                throw e;
            }
        } catch (ClusterException e) {
            String message = "Failed to create new replica set \"" + name + "\": " + PodControl.detail(e);
            if (DeploymentUtil.hasProgressDeadline(d)) {
                DeploymentUtil.setCondition(d.getStatus(), DeploymentUtil.condition("Progressing", "False",
                        DeploymentUtil.FAILED_RS_CREATE, message, now));
                try {
                    deployments.updateStatus(d);
                } catch (ClusterException ignored) {
                    // the create failure is what matters
                }
            }
            events.event(d, EventRecorder.WARNING, DeploymentUtil.FAILED_RS_CREATE, message);
            throw e;
        }
        if (!alreadyExists && size > 0) {
            events.event(d, EventRecorder.NORMAL, "ScalingReplicaSet",
                    "Scaled up replica set " + created.getMetadata().getName() + " from 0 to " + size);
        }
        boolean needsUpdate = setRevision(d, newRevision);
        if (!alreadyExists && DeploymentUtil.hasProgressDeadline(d)) {
            DeploymentUtil.setCondition(d.getStatus(), DeploymentUtil.condition("Progressing", "True",
                    DeploymentUtil.NEW_REPLICA_SET, "Created new replica set \"" + created.getMetadata().getName() + "\"",
                    now));
            needsUpdate = true;
        }
        if (needsUpdate) {
            Deployment written = deployments.updateStatus(d);
            d.getMetadata().setResourceVersion(written.getMetadata().getResourceVersion());
        }
        return created;
    }

    /** SetDeploymentRevision: the Deployment carries the revision of its new ReplicaSet. */
    private static boolean setRevision(Deployment d, String revision) {
        if (revision == null) {
            return false;
        }
        Map<String, String> a = d.getMetadata().getAnnotations() == null ? new HashMap<>()
                : new HashMap<>(d.getMetadata().getAnnotations());
        if (revision.equals(a.get(DeploymentUtil.REVISION))) {
            return false;
        }
        a.put(DeploymentUtil.REVISION, revision);
        d.getMetadata().setAnnotations(a);
        return true;
    }

    /** Progressing=Unknown while paused ({@code DeploymentPaused}) and once resumed, never over a time-out. */
    private Deployment checkPausedConditions(Deployment d) {
        if (!DeploymentUtil.hasProgressDeadline(d)) {
            return d;
        }
        Optional<DeploymentCondition> c = DeploymentUtil.getCondition(d.getStatus(), "Progressing");
        if (c.isPresent() && DeploymentUtil.TIMED_OUT.equals(c.get().getReason())) {
            return d;
        }
        boolean pausedExists = c.isPresent() && DeploymentUtil.PAUSED.equals(c.get().getReason());
        boolean paused = Boolean.TRUE.equals(d.getSpec().getPaused());
        Instant now = clock.instant();
        if (paused && !pausedExists) {
            DeploymentUtil.setCondition(d.getStatus(), DeploymentUtil.condition("Progressing", "Unknown",
                    DeploymentUtil.PAUSED, "Deployment is paused", now));
        } else if (!paused && pausedExists) {
            DeploymentUtil.setCondition(d.getStatus(), DeploymentUtil.condition("Progressing", "Unknown",
                    DeploymentUtil.RESUMED, "Deployment is resumed", now));
        } else {
            return d;
        }
        return deployments.updateStatus(d);
    }

    /** A scaling event: an active ReplicaSet's desired-replicas annotation differs from the spec. */
    private boolean isScalingEvent(Deployment d, List<ReplicaSet> rsList) {
        Rollout r = rollout(d, rsList, false);
        for (ReplicaSet rs : DeploymentUtil.active(r.all())) {
            Optional<Integer> desired = DeploymentUtil.intAnnotation(rs, DeploymentUtil.DESIRED_REPLICAS);
            if (desired.isPresent() && desired.get() != replicas(d)) {
                return true;
            }
        }
        return false;
    }

    // ---- scaling (paused or replicas changed) ---------------------------------------------------------

    private void syncScale(Deployment d, List<ReplicaSet> rsList) {
        Rollout r = rollout(d, rsList, false);
        scale(r.d(), r.newRs(), r.old());
        if (Boolean.TRUE.equals(r.d().getSpec().getPaused())) {
            cleanupDeployment(r.old(), r.d());
        }
        syncDeploymentStatus(r.all(), r.newRs(), r.d());
    }

    private void scale(Deployment d, ReplicaSet newRs, List<ReplicaSet> old) {
        Optional<ReplicaSet> activeOrLatest = findActiveOrLatest(newRs, old);
        if (activeOrLatest.isPresent()) {
            if (replicas(activeOrLatest.get()) != replicas(d)) {
                scaleReplicaSet(activeOrLatest.get(), replicas(d), d);
            }
            return;
        }
        if (DeploymentUtil.isSaturated(d, newRs)) {
            for (ReplicaSet o : DeploymentUtil.active(old)) {
                scaleReplicaSet(o, 0, d);
            }
            return;
        }
        if (!DeploymentUtil.isRollingUpdate(d)) {
            return;
        }
        List<ReplicaSet> all = new ArrayList<>(old);
        if (newRs != null) {
            all.add(newRs);
        }
        all = new ArrayList<>(DeploymentUtil.active(all));
        int current = DeploymentUtil.specReplicas(all);
        int allowed = replicas(d) > 0 ? replicas(d) + DeploymentUtil.maxSurge(d) : 0;
        int toAdd = allowed - current;
        if (toAdd > 0) {
            // largest first; among equals, newer first when scaling up
            all.sort(Comparator.comparingInt((ReplicaSet rs) -> replicas(rs)).reversed()
                    .thenComparing(DeploymentUtil.BY_CREATION.reversed()));
        } else if (toAdd < 0) {
            all.sort(Comparator.comparingInt((ReplicaSet rs) -> replicas(rs)).reversed()
                    .thenComparing(DeploymentUtil.BY_CREATION));
        }
        int added = 0;
        Map<String, Integer> sizes = new HashMap<>();
        for (ReplicaSet rs : all) {
            if (toAdd != 0) {
                int proportion = proportion(rs, d, toAdd, added);
                sizes.put(rs.getMetadata().getName(), replicas(rs) + proportion);
                added += proportion;
            } else {
                sizes.put(rs.getMetadata().getName(), replicas(rs));
            }
        }
        for (int i = 0; i < all.size(); i++) {
            ReplicaSet rs = all.get(i);
            if (i == 0 && toAdd != 0) {
                int leftover = toAdd - added;
                sizes.put(rs.getMetadata().getName(), Math.max(0, sizes.get(rs.getMetadata().getName()) + leftover));
            }
            scaleReplicaSet(rs, sizes.get(rs.getMetadata().getName()), d);
        }
    }

    /** FindActiveOrLatest: the one active ReplicaSet, the newest when none is active, empty when several are. */
    private static Optional<ReplicaSet> findActiveOrLatest(ReplicaSet newRs, List<ReplicaSet> old) {
        if (newRs == null && old.isEmpty()) {
            return Optional.empty();
        }
        List<ReplicaSet> sortedOld = new ArrayList<>(old);
        sortedOld.sort(DeploymentUtil.BY_CREATION.reversed());
        List<ReplicaSet> all = new ArrayList<>(sortedOld);
        if (newRs != null) {
            all.add(newRs);
        }
        List<ReplicaSet> active = DeploymentUtil.active(all);
        return switch (active.size()) {
            case 0 -> Optional.of(newRs != null ? newRs : sortedOld.getFirst());
            case 1 -> Optional.of(active.getFirst());
            default -> Optional.empty();
        };
    }

    /** GetProportion: a ReplicaSet's share of the replicas to add (or remove), bounded by what is left. */
    private static int proportion(ReplicaSet rs, Deployment d, int toAdd, int added) {
        if (replicas(rs) == 0 || toAdd == 0 || toAdd == added) {
            return 0;
        }
        int fraction = fraction(rs, d);
        int allowed = toAdd - added;
        return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
    }

    private static int fraction(ReplicaSet rs, Deployment d) {
        if (replicas(d) == 0) {
            return -replicas(rs);
        }
        int max = replicas(d) + DeploymentUtil.maxSurge(d);
        int before = DeploymentUtil.intAnnotation(rs, DeploymentUtil.MAX_REPLICAS).orElse(0);
        if (before == 0) {
            before = n(d.getStatus().getReplicas());
            if (before == 0) {
                return 0;
            }
        }
        double size = (double) replicas(rs) * max / before;
        return (int) Math.round(size) - replicas(rs);
    }

    /**
     * Sets a ReplicaSet's replicas and its replicas annotations (scaleReplicaSet), recording
     * {@code Scaled up|down replica set <rs> from <old> to <new>}; true when the size changed.
     */
    private boolean scaleReplicaSet(ReplicaSet rs, int size, Deployment d) {
        int desired = replicas(d);
        int max = desired + DeploymentUtil.maxSurge(d);
        boolean sizeChanges = replicas(rs) != size;
        boolean annotationsChange = DeploymentUtil.replicasAnnotationsNeedUpdate(rs, desired, max);
        if (!sizeChanges && !annotationsChange) {
            return false;
        }
        int oldSize = replicas(rs);
        ReplicaSet copy = Hashes.copy(rs, ReplicaSet.class);
        copy.getSpec().setReplicas(size);
        DeploymentUtil.setReplicasAnnotations(copy, desired, max);
        ReplicaSet written = replicaSets.update(copy);
        rs.getSpec().setReplicas(size);
        rs.getMetadata().setAnnotations(written.getMetadata().getAnnotations());
        rs.getMetadata().setResourceVersion(written.getMetadata().getResourceVersion());
        if (sizeChanges) {
            events.event(d, EventRecorder.NORMAL, "ScalingReplicaSet", "Scaled " + (oldSize < size ? "up" : "down")
                    + " replica set " + rs.getMetadata().getName() + " from " + oldSize + " to " + size);
        }
        return sizeChanges;
    }

    // ---- rolling update --------------------------------------------------------------------------------

    private void rolloutRolling(Deployment d0, List<ReplicaSet> rsList) {
        Rollout r = rollout(d0, rsList, true);
        Deployment d = r.d();
        ReplicaSet newRs = r.newRs();
        List<ReplicaSet> all = r.all();
        if (reconcileNewReplicaSet(all, newRs, d)) {
            syncRolloutStatus(all, newRs, d);
            return;
        }
        if (reconcileOldReplicaSets(all, DeploymentUtil.active(r.old()), newRs, d)) {
            syncRolloutStatus(all, newRs, d);
            return;
        }
        if (DeploymentUtil.complete(d, d.getStatus())) {
            cleanupDeployment(r.old(), d);
        }
        syncRolloutStatus(all, newRs, d);
    }

    private boolean reconcileNewReplicaSet(List<ReplicaSet> all, ReplicaSet newRs, Deployment d) {
        if (replicas(newRs) == replicas(d)) {
            return false;
        }
        if (replicas(newRs) > replicas(d)) {
            return scaleReplicaSet(newRs, replicas(d), d);
        }
        return scaleReplicaSet(newRs, DeploymentUtil.newRsNewReplicas(d, all, newRs), d);
    }

    private boolean reconcileOldReplicaSets(List<ReplicaSet> all, List<ReplicaSet> old, ReplicaSet newRs, Deployment d) {
        if (DeploymentUtil.specReplicas(old) == 0) {
            return false;
        }
        int allPods = DeploymentUtil.specReplicas(all);
        int minAvailable = replicas(d) - DeploymentUtil.maxUnavailable(d);
        int newUnavailable = replicas(newRs) - DeploymentUtil.available(newRs);
        int maxScaledDown = allPods - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) {
            return false;
        }
        List<ReplicaSet> sorted = new ArrayList<>(old);
        sorted.sort(DeploymentUtil.BY_CREATION);
        // unhealthy replicas go first: removing them does not lower availability (kubernetes#16737)
        int cleaned = 0;
        for (ReplicaSet rs : sorted) {
            if (cleaned >= maxScaledDown) {
                break;
            }
            int unhealthy = replicas(rs) - DeploymentUtil.available(rs);
            if (replicas(rs) == 0 || unhealthy <= 0) {
                continue;
            }
            int down = Math.min(maxScaledDown - cleaned, unhealthy);
            scaleReplicaSet(rs, replicas(rs) - down, d);
            cleaned += down;
        }
        List<ReplicaSet> allNow = new ArrayList<>(sorted);
        if (newRs != null) {
            allNow.add(newRs);
        }
        int scaledDown = 0;
        int availableNow = DeploymentUtil.availableReplicas(allNow);
        if (availableNow > minAvailable) {
            int total = availableNow - minAvailable;
            for (ReplicaSet rs : sorted) {
                if (scaledDown >= total) {
                    break;
                }
                if (replicas(rs) == 0) {
                    continue;
                }
                int down = Math.min(replicas(rs), total - scaledDown);
                scaleReplicaSet(rs, replicas(rs) - down, d);
                scaledDown += down;
            }
        }
        return cleaned + scaledDown > 0;
    }

    // ---- recreate -------------------------------------------------------------------------------------

    private void rolloutRecreate(Deployment d0, List<ReplicaSet> rsList) {
        Rollout r = rollout(d0, rsList, false);
        Deployment d = r.d();
        boolean scaledDown = false;
        for (ReplicaSet rs : DeploymentUtil.active(r.old())) {
            scaledDown |= scaleReplicaSet(rs, 0, d);
        }
        if (scaledDown || oldPodsRunning(r.newRs(), r.old(), d)) {
            syncRolloutStatus(r.all(), r.newRs(), d);
            return;
        }
        if (r.newRs() == null) {
            r = rollout(d, rsList, true);
            d = r.d();
        }
        if (replicas(r.newRs()) != replicas(d)) {
            scaleReplicaSet(r.newRs(), replicas(d), d);
        }
        if (DeploymentUtil.complete(d, d.getStatus())) {
            cleanupDeployment(r.old(), d);
        }
        syncRolloutStatus(r.all(), r.newRs(), d);
    }

    /** Pods of old ReplicaSets that may still run (not Succeeded or Failed). */
    private boolean oldPodsRunning(ReplicaSet newRs, List<ReplicaSet> old, Deployment d) {
        if (DeploymentUtil.statusReplicas(old) > 0) {
            return true;
        }
        String newUid = newRs == null ? "" : Owners.uid(newRs);
        List<String> oldUids = old.stream().map(Owners::uid).toList();
        for (Pod p : podInformer.list(d.getMetadata().getNamespace())) {
            Optional<OwnerReference> ref = Owners.controllerOf(p);
            if (ref.isEmpty() || ref.get().getUid().equals(newUid) || !oldUids.contains(ref.get().getUid())) {
                continue;
            }
            if (!Pods.isTerminal(p)) {
                return true;
            }
        }
        return false;
    }

    // ---- history --------------------------------------------------------------------------------------

    /** Deletes the oldest old ReplicaSets beyond revisionHistoryLimit that are scaled down and settled. */
    private void cleanupDeployment(List<ReplicaSet> old, Deployment d) {
        Integer limit = d.getSpec().getRevisionHistoryLimit();
        if (limit == null) {
            return;
        }
        List<ReplicaSet> cleanable = new ArrayList<>(old.stream().filter(rs -> !Owners.isDeleting(rs)).toList());
        int diff = cleanable.size() - limit;
        if (diff <= 0) {
            return;
        }
        cleanable.sort(Comparator.comparingLong(DeploymentUtil::revision).thenComparing(DeploymentUtil.BY_CREATION));
        for (int i = 0; i < diff; i++) {
            ReplicaSet rs = cleanable.get(i);
            long generation = rs.getMetadata().getGeneration() == null ? 0 : rs.getMetadata().getGeneration();
            long observed = rs.getStatus() == null || rs.getStatus().getObservedGeneration() == null
                    ? 0 : rs.getStatus().getObservedGeneration();
            if (n(rs.getStatus() == null ? null : rs.getStatus().getReplicas()) != 0 || replicas(rs) != 0
                    || generation > observed) {
                continue;
            }
            try {
                replicaSets.delete(rs.getMetadata().getNamespace(), rs.getMetadata().getName(),
                        DeleteOptions.defaults().withUid(Owners.uid(rs)));
            } catch (ClusterException.NotFound gone) {
                // deleted already
            }
        }
    }

    // ---- status ---------------------------------------------------------------------------------------

    private DeploymentStatus calculateStatus(List<ReplicaSet> all, ReplicaSet newRs, Deployment d) {
        int available = DeploymentUtil.availableReplicas(all);
        int total = DeploymentUtil.specReplicas(all);
        DeploymentStatus status = new DeploymentStatusBuilder()
                .withObservedGeneration(DeploymentUtil.generation(d))
                .withReplicas(DeploymentUtil.statusReplicas(all))
                .withUpdatedReplicas(newRs == null ? 0 : DeploymentUtil.statusReplicas(List.of(newRs)))
                .withReadyReplicas(DeploymentUtil.readyReplicas(all))
                .withAvailableReplicas(available)
                .withUnavailableReplicas(Math.max(0, total - available))
                .withCollisionCount(d.getStatus().getCollisionCount())
                .withConditions(d.getStatus().getConditions() == null ? new ArrayList<>()
                        : new ArrayList<>(d.getStatus().getConditions().stream()
                                .map(c -> Hashes.copy(c, DeploymentCondition.class)).toList()))
                .build();
        Instant now = clock.instant();
        if (available >= replicas(d) - DeploymentUtil.maxUnavailable(d)) {
            DeploymentUtil.setCondition(status, DeploymentUtil.condition("Available", "True",
                    DeploymentUtil.MINIMUM_REPLICAS_AVAILABLE, "Deployment has minimum availability.", now));
        } else {
            DeploymentUtil.setCondition(status, DeploymentUtil.condition("Available", "False",
                    DeploymentUtil.MINIMUM_REPLICAS_UNAVAILABLE, "Deployment does not have minimum availability.", now));
        }
        return status;
    }

    /** syncDeploymentStatus: the counts and Available, written when they changed. */
    private void syncDeploymentStatus(List<ReplicaSet> all, ReplicaSet newRs, Deployment d) {
        DeploymentStatus status = calculateStatus(all, newRs, d);
        writeStatus(d, status);
    }

    /** syncRolloutStatus: also the Progressing condition and replica failures, and a requeue for the deadline. */
    private void syncRolloutStatus(List<ReplicaSet> all, ReplicaSet newRs, Deployment d) {
        DeploymentStatus status = calculateStatus(all, newRs, d);
        Instant now = clock.instant();
        if (!DeploymentUtil.hasProgressDeadline(d)) {
            DeploymentUtil.removeCondition(status, "Progressing");
        }
        Optional<DeploymentCondition> current = DeploymentUtil.getCondition(d.getStatus(), "Progressing");
        boolean completeAlready = n(status.getReplicas()) == n(status.getUpdatedReplicas()) && current.isPresent()
                && DeploymentUtil.NEW_RS_AVAILABLE.equals(current.get().getReason());
        String rsName = newRs == null ? null : newRs.getMetadata().getName();
        if (DeploymentUtil.hasProgressDeadline(d) && !completeAlready) {
            if (DeploymentUtil.complete(d, status)) {
                String msg = rsName == null ? "Deployment \"" + d.getMetadata().getName() + "\" has successfully progressed."
                        : "ReplicaSet \"" + rsName + "\" has successfully progressed.";
                DeploymentUtil.setCondition(status, DeploymentUtil.condition("Progressing", "True",
                        DeploymentUtil.NEW_RS_AVAILABLE, msg, now));
            } else if (DeploymentUtil.progressing(d, status)) {
                String msg = rsName == null ? "Deployment \"" + d.getMetadata().getName() + "\" is progressing."
                        : "ReplicaSet \"" + rsName + "\" is progressing.";
                DeploymentCondition condition = DeploymentUtil.condition("Progressing", "True",
                        DeploymentUtil.REPLICA_SET_UPDATED, msg, now);
                if (current.isPresent()) {
                    if ("True".equals(current.get().getStatus())) {
                        condition.setLastTransitionTime(current.get().getLastTransitionTime());
                    }
                    DeploymentUtil.removeCondition(status, "Progressing");
                }
                DeploymentUtil.setCondition(status, condition);
            } else if (DeploymentUtil.timedOut(d, status, now)) {
                String msg = rsName == null ? "Deployment \"" + d.getMetadata().getName() + "\" has timed out progressing."
                        : "ReplicaSet \"" + rsName + "\" has timed out progressing.";
                DeploymentUtil.setCondition(status, DeploymentUtil.condition("Progressing", "False",
                        DeploymentUtil.TIMED_OUT, msg, now));
            }
        }
        Optional<ReplicaSetCondition> failure = replicaFailure(all, newRs);
        if (failure.isPresent()) {
            DeploymentUtil.setCondition(status, DeploymentUtil.condition("ReplicaFailure", failure.get().getStatus(),
                    failure.get().getReason(), failure.get().getMessage(), now));
            status.getConditions().stream().filter(c -> "ReplicaFailure".equals(c.getType())).forEach(c -> {
                c.setLastTransitionTime(failure.get().getLastTransitionTime());
                c.setLastUpdateTime(failure.get().getLastTransitionTime());
            });
        } else {
            DeploymentUtil.removeCondition(status, "ReplicaFailure");
        }
        if (!writeStatus(d, status)) {
            requeueStuckDeployment(d, status, now);
        }
    }

    /** The ReplicaFailure condition of the new ReplicaSet, else of an old one. */
    private static Optional<ReplicaSetCondition> replicaFailure(List<ReplicaSet> all, ReplicaSet newRs) {
        List<ReplicaSet> order = new ArrayList<>();
        if (newRs != null) {
            order.add(newRs);
        }
        order.addAll(all);
        for (ReplicaSet rs : order) {
            if (rs.getStatus() != null && rs.getStatus().getConditions() != null) {
                for (ReplicaSetCondition c : rs.getStatus().getConditions()) {
                    if ("ReplicaFailure".equals(c.getType())) {
                        return Optional.of(c);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Writes the status when it changed; false when nothing was written. */
    private boolean writeStatus(Deployment d, DeploymentStatus status) {
        if (Hashes.semanticallyEqual(d.getStatus(), status)) {
            return false;
        }
        Deployment next = Hashes.copy(d, Deployment.class);
        next.setStatus(status);
        deployments.updateStatus(next);
        return true;
    }

    /** A rollout that made no progress is looked at again when its deadline passes (kubernetes#34458). */
    private void requeueStuckDeployment(Deployment d, DeploymentStatus status, Instant now) {
        Optional<DeploymentCondition> current = DeploymentUtil.getCondition(d.getStatus(), "Progressing");
        if (!DeploymentUtil.hasProgressDeadline(d) || current.isEmpty()) {
            return;
        }
        if (DeploymentUtil.complete(d, status) || DeploymentUtil.TIMED_OUT.equals(current.get().getReason())) {
            return;
        }
        Optional<Instant> updated = Pods.time(current.get().getLastUpdateTime());
        if (updated.isEmpty()) {
            return;
        }
        Duration after = Duration.between(now, updated.get().plusSeconds(d.getSpec().getProgressDeadlineSeconds()));
        String key = SharedInformer.key(d);
        if (after.compareTo(Duration.ofSeconds(1)) < 0) {
            queue.addRateLimited(key);
        } else {
            queue.addAfter(key, after.plusSeconds(1));
        }
    }
}
