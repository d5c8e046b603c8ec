package dev.j8s.controllers.daemon;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.common.ControllerRefManager;
import dev.j8s.controllers.common.EventRecorder;
import dev.j8s.controllers.common.Expectations;
import dev.j8s.controllers.common.Hashes;
import dev.j8s.controllers.common.IntOrPercent;
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
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The DaemonSet controller (upstream's pkg/controller/daemon): for each DaemonSet it keeps one pod on every node
 * that should run it (and none elsewhere), replaces failed pods with a back-off, snapshots the template in
 * ControllerRevisions ({@link ControllerHistory}: {@code <ds>-<hash>}, labelled {@code controller-revision-hash}) for {@code kubectl rollout
 * history/undo}, rolls pods over to the current revision within maxUnavailable (delete, then create) or maxSurge
 * (create, then delete), and writes the status. Thread-safe.
 */
public final class DaemonSetController implements AutoCloseable {

    static final String COMPONENT = "daemonset-controller";
    /** Upstream's service account of this controller ({@code kube-system/daemon-set-controller}). */
    public static final String SERVICE_ACCOUNT = "daemon-set-controller";
    static final String REVISION_HASH = ControllerHistory.REVISION_HASH;
    static final String TEMPLATE_GENERATION_LABEL = "pod-template-generation";
    static final String TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation";
    private static final Duration FAILED_BACKOFF_START = Duration.ofSeconds(1);
    private static final Duration FAILED_BACKOFF_MAX = Duration.ofMinutes(15);

    private final KubeClient client;
    private final ResourceClient<DaemonSet> daemonSets;
    private final ResourceClient<ControllerRevision> revisions;
    private final SharedInformer<DaemonSet> dsInformer;
    private final SharedInformer<Pod> podInformer;
    private final SharedInformer<Node> nodeInformer;
    private final SharedInformer<ControllerRevision> revisionInformer;
    private final ControllerHistory history;
    private final Clock clock;
    private final EventRecorder events;
    private final PodControl podControl;
    private final Expectations expectations;
    private final WorkQueue queue = new WorkQueue("daemonset", RateLimiter.defaults());
    private final ControllerLoop loop;
    /** Back-off of failed-pod replacement per {@code ds key/node}: the next allowed time and the current step. */
    private final Map<String, Instant[]> failedBackoff = new ConcurrentHashMap<>();

    public DaemonSetController(KubeClient client, InformerFactory informers, Clock clock, int workers) {
        this.client = client;
        this.daemonSets = client.resource(Kind.DAEMON_SETS);
        this.revisions = client.resource(Kind.CONTROLLER_REVISIONS);
        this.dsInformer = informers.informer(Kind.DAEMON_SETS);
        this.podInformer = informers.informer(Kind.PODS);
        this.nodeInformer = informers.informer(Kind.NODES);
        this.revisionInformer = informers.informer(Kind.CONTROLLER_REVISIONS);
        this.history = new ControllerHistory(revisions, "apps/v1", "DaemonSet");
        this.clock = clock;
        this.events = new EventRecorder(client, COMPONENT, clock);
        this.podControl = new PodControl(client.resource(Kind.PODS), events);
        this.expectations = new Expectations(clock);
        this.loop = new ControllerLoop(COMPONENT, queue, this::sync, workers);
        dsInformer.addEventHandler(ResourceEventHandler.of(this::enqueue, ds -> {
            expectations.delete(SharedInformer.key(ds));
            enqueue(ds);
        }));
        podInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                ownerOf(pod).ifPresent(ds -> {
                    if (Owners.isDeleting(pod)) {
                        expectations.deletionObserved(SharedInformer.key(ds), SharedInformer.key(pod));
                    } else {
                        expectations.creationObserved(SharedInformer.key(ds));
                    }
                    enqueue(ds);
                });
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
                if (Objects.equals(old.getMetadata().getResourceVersion(), pod.getMetadata().getResourceVersion())) {
                    return;
                }
                ownerOf(pod).ifPresent(ds -> {
                    if (Owners.isDeleting(pod)) {
                        expectations.deletionObserved(SharedInformer.key(ds), SharedInformer.key(pod));
                    }
                    enqueue(ds);
                    int minReady = ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
                    if (!Pods.isReady(old) && Pods.isReady(pod) && minReady > 0) {
                        queue.addAfter(SharedInformer.key(ds), Duration.ofSeconds(minReady + 1L));
                    }
                });
            }

            @Override
            public void onDelete(Pod pod) {
                ownerOf(pod).ifPresent(ds -> {
                    expectations.deletionObserved(SharedInformer.key(ds), SharedInformer.key(pod));
                    enqueue(ds);
                });
            }
        });
        nodeInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                enqueueAll();
            }

            @Override
            public void onUpdate(Node old, Node node) {
                // heartbeats change only the status: what decides where daemons run is labels, taints, the name
                if (!Objects.equals(old.getMetadata().getLabels(), node.getMetadata().getLabels())
                        || !Objects.equals(old.getSpec(), node.getSpec())) {
                    enqueueAll();
                }
            }

            @Override
            public void onDelete(Node node) {
                enqueueAll();
            }
        });
        revisionInformer.addEventHandler(ResourceEventHandler.of(cr -> ownerOf(cr).ifPresent(this::enqueue),
                cr -> ownerOf(cr).ifPresent(this::enqueue)));
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
        events.close();
    }

    private void enqueue(DaemonSet ds) {
        queue.add(SharedInformer.key(ds));
    }

    private void enqueueAll() {
        dsInformer.list().forEach(this::enqueue);
    }

    private Optional<DaemonSet> ownerOf(HasMetadata child) {
        return dsInformer.controllerOf(child, "apps/v1", "DaemonSet");
    }

    // ---- sync ----------------------------------------------------------------------------------------

    private void sync(String key) {
        Optional<DaemonSet> cached = dsInformer.getByKey(key);
        if (cached.isEmpty()) {
            expectations.delete(key);
            return;
        }
        DaemonSet ds = Hashes.copy(cached.get(), DaemonSet.class);
        if (Selectors.isEmpty(ds.getSpec().getSelector())) {
            events.event(ds, EventRecorder.WARNING, "SelectingAll",
                    "This daemon set is selecting all pods. A non-empty selector is required.");
            return;
        }
        if (Owners.isDeleting(ds)) {
            return;
        }
        List<Node> nodes = nodeInformer.list();
        List<ControllerRevision> old = new ArrayList<>();
        ControllerRevision current = constructHistory(ds, old);
        String hash = current.getMetadata().getLabels().get(REVISION_HASH);
        if (!expectations.satisfied(key)) {
            updateStatus(ds, nodes, hash, false);
            return;
        }
        manage(ds, nodes, hash, key);
        if (expectations.satisfied(key) && isRollingUpdate(ds)) {
            rollingUpdate(ds, nodes, hash, key);
        }
        cleanupHistory(ds, old);
        updateStatus(ds, nodes, hash, true);
    }

    private static boolean isRollingUpdate(DaemonSet ds) {
        return ds.getSpec().getUpdateStrategy() == null || ds.getSpec().getUpdateStrategy().getType() == null
                || "RollingUpdate".equals(ds.getSpec().getUpdateStrategy().getType());
    }

    /** The DaemonSet's pods after adoption and release, by the node they are bound to. */
    private Map<String, List<Pod>> nodeToDaemonPods(DaemonSet ds) {
        String namespace = ds.getMetadata().getNamespace();
        ControllerRefManager<Pod> refs = new ControllerRefManager<>(client.resource(Kind.PODS), ds, "apps/v1",
                "DaemonSet", p -> Selectors.matches(ds.getSpec().getSelector(), p.getMetadata().getLabels()),
                () -> daemonSets.get(namespace, ds.getMetadata().getName()).map(x -> (HasMetadata) x));
        List<Pod> claimed = refs.claim(podInformer.list(namespace).stream()
                .filter(p -> !(Pods.isTerminal(p) && Owners.isDeleting(p))).toList());
        Map<String, List<Pod>> byNode = new HashMap<>();
        for (Pod p : claimed) {
            byNode.computeIfAbsent(targetNode(p), n -> new ArrayList<>()).add(p);
        }
        return byNode;
    }

    /** The node a daemon pod is for: its nodeName, else the name its node affinity requires. */
    private static String targetNode(Pod pod) {
        if (!Pods.nodeName(pod).isEmpty()) {
            return Pods.nodeName(pod);
        }
        try {
            return pod.getSpec().getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                    .getNodeSelectorTerms().getFirst().getMatchFields().stream()
                    .filter(r -> "metadata.name".equals(r.getKey())).findFirst().orElseThrow().getValues().getFirst();
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** The template a pod on {@code node} is made from, for the eligibility test. */
    private static PodSpec podSpecFor(DaemonSet ds, String node) {
        PodSpec spec = Hashes.copy(ds.getSpec().getTemplate().getSpec(), PodSpec.class);
        DaemonPods.addTolerations(spec);
        DaemonPods.pinToNode(spec, node);
        return spec;
    }

    private void manage(DaemonSet ds, List<Node> nodes, String hash, String key) {
        Map<String, List<Pod>> byNode = nodeToDaemonPods(ds);
        int maxSurge = surgeAndUnavailable(ds, nodes)[0];
        List<String> needPods = new ArrayList<>();
        List<Pod> toDelete = new ArrayList<>();
        Set<String> nodeNames = new HashSet<>();
        Instant now = clock.instant();
        for (Node node : nodes) {
            String nodeName = node.getMetadata().getName();
            nodeNames.add(nodeName);
            NodeEligibility.Decision decision = NodeEligibility.decide(node, podSpecFor(ds, nodeName));
            List<Pod> pods = byNode.getOrDefault(nodeName, List.of());
            if (decision.shouldRun() && pods.stream().noneMatch(p -> !Owners.isDeleting(p))) {
                needPods.add(nodeName);
            } else if (decision.shouldContinueRunning()) {
                List<Pod> running = new ArrayList<>();
                for (Pod p : pods) {
                    if (Owners.isDeleting(p)) {
                        continue;
                    }
                    if ("Failed".equals(Pods.phase(p))) {
                        String backoffKey = key + "/" + nodeName;
                        Instant[] state = failedBackoff.get(backoffKey);
                        if (state != null && now.isBefore(state[0])) {
                            queue.addAfter(key, Duration.between(now, state[0]));
                            continue;
                        }
                        Duration step = state == null ? FAILED_BACKOFF_START
                                : Duration.between(state[1], state[0]).multipliedBy(2);
                        if (step.compareTo(FAILED_BACKOFF_MAX) > 0) {
                            step = FAILED_BACKOFF_MAX;
                        }
                        failedBackoff.put(backoffKey, new Instant[] {now.plus(step), now});
                        events.event(ds, EventRecorder.WARNING, "FailedDaemonPod", "Found failed daemon pod "
                                + p.getMetadata().getNamespace() + "/" + p.getMetadata().getName() + " on node " + nodeName
                                + ", will try to kill it");
                        toDelete.add(p);
                    } else if ("Succeeded".equals(Pods.phase(p))) {
                        toDelete.add(p);
                    } else {
                        running.add(p);
                    }
                }
                running.sort(BY_AGE);
                if (maxSurge == 0 && running.size() > 1) {
                    toDelete.addAll(running.subList(1, running.size()));
                } else if (maxSurge > 0 && running.size() > 1) {
                    // while surging a node holds one old and one updated pod; anything beyond goes
                    Pod keptOld = null;
                    Pod keptNew = null;
                    for (Pod p : running) {
                        if (isUpdated(p, ds, hash)) {
                            if (keptNew == null) {
                                keptNew = p;
                            } else {
                                toDelete.add(p);
                            }
                        } else if (keptOld == null) {
                            keptOld = p;
                        } else {
                            toDelete.add(p);
                        }
                    }
                }
            } else {
                pods.stream().filter(p -> !Owners.isDeleting(p)).forEach(toDelete::add);
            }
        }
        // pods for nodes that no longer exist
        byNode.forEach((nodeName, pods) -> {
            if (!nodeNames.contains(nodeName)) {
                pods.stream().filter(p -> !Owners.isDeleting(p)).forEach(toDelete::add);
            }
        });
        syncNodes(ds, toDelete, needPods, hash, key);
    }

    private static final Comparator<Pod> BY_AGE = Comparator
            .comparing((Pod p) -> Pods.time(p.getMetadata().getCreationTimestamp()).orElse(Instant.EPOCH))
            .thenComparing(p -> p.getMetadata().getName());

    /** Creates a pod on each of {@code nodes} (slow start) and deletes {@code pods}, expectations first. */
    private void syncNodes(DaemonSet ds, List<Pod> pods, List<String> nodes, String hash, String key) {
        if (pods.isEmpty() && nodes.isEmpty()) {
            return;
        }
        if (!nodes.isEmpty()) {
            expectations.expectCreations(key, nodes.size());
        }
        if (!pods.isEmpty()) {
            expectations.expectDeletions(key, pods.stream().map(SharedInformer::key).toList());
        }
        RuntimeException failure = null;
        OwnerReference ref = Owners.controllerRef(ds, "apps/v1", "DaemonSet");
        String generation = ds.getMetadata().getAnnotations() == null ? null
                : ds.getMetadata().getAnnotations().get(TEMPLATE_GENERATION_ANNOTATION);
        int created = 0;
        int batch = 1;
        int index = 0;
        while (index < nodes.size() && failure == null) {
            int end = Math.min(nodes.size(), index + batch);
            for (; index < end; index++) {
                String node = nodes.get(index);
                Pod pod = PodControl.fromTemplate(ds.getSpec().getTemplate(), ds, ref);
                pod.getMetadata().getLabels().put(REVISION_HASH, hash);
                if (generation != null) {
                    pod.getMetadata().getLabels().put(TEMPLATE_GENERATION_LABEL, generation);
                }
                DaemonPods.addTolerations(pod.getSpec());
                DaemonPods.pinToNode(pod.getSpec(), node);
                try {
                    podControl.create(pod, ds);
                    created++;
                } catch (RuntimeException e) {
                    failure = e;
                    break;
                }
            }
            batch *= 2;
        }
        for (int i = created; i < nodes.size(); i++) {
            expectations.creationObserved(key);
        }
        for (Pod p : pods) {
            try {
                podControl.delete(p, ds);
            } catch (RuntimeException e) {
                expectations.deletionObserved(key, SharedInformer.key(p));
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** {maxSurge, maxUnavailable} resolved against the nodes that should run the pod, rounding up. */
    private int[] surgeAndUnavailable(DaemonSet ds, List<Node> nodes) {
        int desired = 0;
        for (Node node : nodes) {
            if (NodeEligibility.decide(node, podSpecFor(ds, node.getMetadata().getName())).shouldRun()) {
                desired++;
            }
        }
        var rolling = ds.getSpec().getUpdateStrategy() == null ? null : ds.getSpec().getUpdateStrategy().getRollingUpdate();
        if (!isRollingUpdate(ds) || rolling == null) {
            return new int[] {0, 1};
        }
        int surge = IntOrPercent.scaled(rolling.getMaxSurge(), desired, true, 0);
        int unavailable = IntOrPercent.scaled(rolling.getMaxUnavailable(), desired, true, 1);
        if (surge == 0 && unavailable == 0) {
            unavailable = 1;
        }
        return new int[] {surge, unavailable};
    }

    private static boolean isUpdated(Pod pod, DaemonSet ds, String hash) {
        Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
        String generation = ds.getMetadata().getAnnotations() == null ? null
                : ds.getMetadata().getAnnotations().get(TEMPLATE_GENERATION_ANNOTATION);
        return hash.equals(labels.get(REVISION_HASH))
                || generation != null && generation.equals(labels.get(TEMPLATE_GENERATION_LABEL));
    }

    /** Replaces old pods within maxUnavailable (no surge: delete first) or maxSurge (create first). */
    private void rollingUpdate(DaemonSet ds, List<Node> nodes, String hash, String key) {
        Map<String, List<Pod>> byNode = nodeToDaemonPods(ds);
        int[] limits = surgeAndUnavailable(ds, nodes);
        int maxSurge = limits[0];
        int maxUnavailable = limits[1];
        Instant now = clock.instant();
        int minReady = ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
        List<Pod> toDelete = new ArrayList<>();
        List<String> toCreate = new ArrayList<>();
        if (maxSurge == 0) {
            int unavailable = 0;
            List<Pod> replaceNow = new ArrayList<>();
            List<Pod> candidates = new ArrayList<>();
            for (List<Pod> pods : byNode.values()) {
                Optional<Pod[]> split = split(pods, ds, hash);
                if (split.isEmpty()) {
                    unavailable++;
                    continue;
                }
                Pod newPod = split.get()[0];
                Pod oldPod = split.get()[1];
                if ((oldPod == null) == (newPod == null)) {
                    unavailable++;
                } else if (newPod != null) {
                    if (!Pods.isAvailable(newPod, minReady, now)) {
                        unavailable++;
                    }
                } else if (!Pods.isAvailable(oldPod, minReady, now)) {
                    replaceNow.add(oldPod);
                } else if (unavailable < maxUnavailable) {
                    candidates.add(oldPod);
                }
            }
            int remaining = Math.max(0, Math.min(maxUnavailable - unavailable, candidates.size()));
            toDelete.addAll(replaceNow);
            toDelete.addAll(candidates.subList(0, remaining));
        } else {
            int surging = 0;
            for (Map.Entry<String, List<Pod>> e : byNode.entrySet()) {
                Optional<Pod[]> split = split(e.getValue(), ds, hash);
                if (split.isEmpty() || split.get()[1] == null) {
                    continue;
                }
                Pod newPod = split.get()[0];
                Pod oldPod = split.get()[1];
                if (newPod == null) {
                    if (!Pods.isAvailable(oldPod, minReady, now)) {
                        toCreate.add(e.getKey());
                    } else if (surging < maxSurge) {
                        toCreate.add(e.getKey());
                        surging++;
                    }
                } else if (Pods.isAvailable(newPod, minReady, now)) {
                    toDelete.add(oldPod);
                } else {
                    surging++;
                }
            }
        }
        syncNodes(ds, toDelete, toCreate, hash, key);
    }

    /** findUpdatedPodsOnNode: {new, old} of a node's live pods; empty when there are two of one kind. */
    private static Optional<Pod[]> split(List<Pod> pods, DaemonSet ds, String hash) {
        Pod newPod = null;
        Pod oldPod = null;
        for (Pod p : pods) {
            if (Owners.isDeleting(p)) {
                continue;
            }
            if (isUpdated(p, ds, hash)) {
                if (newPod != null) {
                    return Optional.empty();
                }
                newPod = p;
            } else {
                if (oldPod != null) {
                    return Optional.empty();
                }
                oldPod = p;
            }
        }
        return Optional.of(new Pod[] {newPod, oldPod});
    }

    // ---- history ---------------------------------------------------------------------------------------

    /**
     * constructHistory: the ControllerRevision of the current template (created, or its revision raised to
     * max+1 when the template came back), the others in {@code old}. Revisions made before they carried the hash
     * label get it (their name) first.
     */
    private ControllerRevision constructHistory(DaemonSet ds, List<ControllerRevision> old) {
        String namespace = ds.getMetadata().getNamespace();
        ControllerRefManager<ControllerRevision> refs = new ControllerRefManager<>(revisions, ds, "apps/v1",
                "DaemonSet", cr -> Selectors.matches(ds.getSpec().getSelector(), cr.getMetadata().getLabels()),
                () -> daemonSets.get(namespace, ds.getMetadata().getName()).map(x -> (HasMetadata) x));
        List<ControllerRevision> histories = new ArrayList<>();
        for (ControllerRevision h : refs.claim(revisionInformer.list(namespace))) {
            if (h.getMetadata().getLabels() == null || !h.getMetadata().getLabels().containsKey(REVISION_HASH)) {
                ControllerRevision copy = Hashes.copy(h, ControllerRevision.class);
                Map<String, String> labels = new HashMap<>(copy.getMetadata().getLabels() == null ? Map.of()
                        : copy.getMetadata().getLabels());
                labels.put(REVISION_HASH, copy.getMetadata().getName());
                copy.getMetadata().setLabels(labels);
                h = revisions.update(copy);
            }
            histories.add(h);
        }
        Integer collisions = ds.getStatus() == null ? null : ds.getStatus().getCollisionCount();
        ControllerHistory.Revisions found = history.construct(ds, ds.getSpec().getTemplate(), collisions, histories,
                ds.getMetadata().getAnnotations() == null ? Map.of() : ds.getMetadata().getAnnotations(),
                () -> bumpCollisionCount(ds));
        found.all().stream().filter(cr -> cr != found.update()).forEach(old::add);
        return found.update();
    }

    /** A hash collision: the next sync names the revision with the next collision count. */
    private void bumpCollisionCount(DaemonSet ds) {
        DaemonSet fresh = daemonSets.get(ds.getMetadata().getNamespace(), ds.getMetadata().getName()).orElseThrow();
        DaemonSetStatus status = fresh.getStatus() == null ? new DaemonSetStatus() : fresh.getStatus();
        status.setCollisionCount((status.getCollisionCount() == null ? 0 : status.getCollisionCount()) + 1);
        fresh.setStatus(status);
        daemonSets.updateStatus(fresh);
    }

    /** Keeps at most revisionHistoryLimit old revisions no pod uses, deleting the oldest first. */
    private void cleanupHistory(DaemonSet ds, List<ControllerRevision> old) {
        int limit = ds.getSpec().getRevisionHistoryLimit() == null ? 10 : ds.getSpec().getRevisionHistoryLimit();
        Set<String> live = new HashSet<>();
        for (List<Pod> pods : nodeToDaemonPods(ds).values()) {
            for (Pod p : pods) {
                if (p.getMetadata().getLabels() != null && p.getMetadata().getLabels().get(REVISION_HASH) != null) {
                    live.add(p.getMetadata().getLabels().get(REVISION_HASH));
                }
            }
        }
        history.truncate(old.stream().filter(cr -> !live.contains(cr.getMetadata().getLabels().get(REVISION_HASH)))
                .toList(), limit);
    }

    // ---- status ----------------------------------------------------------------------------------------

    private void updateStatus(DaemonSet ds, List<Node> nodes, String hash, boolean observeGeneration) {
        Map<String, List<Pod>> byNode = nodeToDaemonPods(ds);
        int desired = 0;
        int current = 0;
        int misscheduled = 0;
        int ready = 0;
        int updated = 0;
        int available = 0;
        Instant now = clock.instant();
        int minReady = ds.getSpec().getMinReadySeconds() == null ? 0 : ds.getSpec().getMinReadySeconds();
        for (Node node : nodes) {
            String nodeName = node.getMetadata().getName();
            boolean shouldRun = NodeEligibility.decide(node, podSpecFor(ds, nodeName)).shouldRun();
            List<Pod> pods = new ArrayList<>(byNode.getOrDefault(nodeName, List.of()));
            boolean scheduled = !pods.isEmpty();
            if (shouldRun) {
                desired++;
                if (!scheduled) {
                    continue;
                }
                current++;
                pods.sort(BY_AGE);
                Pod pod = pods.getFirst();
                if (Pods.isReady(pod)) {
                    ready++;
                    if (Pods.isAvailable(pod, minReady, now)) {
                        available++;
                    }
                }
                if (isUpdated(pod, ds, hash)) {
                    updated++;
                }
            } else if (scheduled) {
                misscheduled++;
            }
        }
        DaemonSetStatus old = ds.getStatus() == null ? new DaemonSetStatus() : ds.getStatus();
        DaemonSetStatus next = new DaemonSetStatusBuilder(old)
                .withDesiredNumberScheduled(desired)
                .withCurrentNumberScheduled(current)
                .withNumberMisscheduled(misscheduled)
                .withNumberReady(ready)
                .withUpdatedNumberScheduled(updated)
                .withNumberAvailable(available)
                .withNumberUnavailable(desired - available)
                .withObservedGeneration(observeGeneration ? ds.getMetadata().getGeneration() : old.getObservedGeneration())
                .build();
        if (!Hashes.semanticallyEqual(old, next)) {
            DaemonSet copy = Hashes.copy(ds, DaemonSet.class);
            copy.setStatus(next);
            daemonSets.updateStatus(copy);
        }
        if (minReady > 0 && ready != available) {
            queue.addAfter(SharedInformer.key(ds), Duration.ofSeconds(minReady));
        }
    }
}
