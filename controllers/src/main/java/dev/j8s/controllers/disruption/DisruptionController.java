package dev.j8s.controllers.disruption;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.common.EventRecorder;
import dev.j8s.controllers.common.Hashes;
import dev.j8s.controllers.common.IntOrPercent;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.common.Selectors;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatus;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatusBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The disruption controller (upstream's pkg/controller/disruption): for each PodDisruptionBudget it counts the pods
 * its selector matches, the healthy ones (Ready, not being deleted, not just evicted), the desired healthy count
 * (minAvailable, or the expected pods less maxUnavailable; percentages of the pods' controllers' scale, rounded
 * up) and writes {@code disruptionsAllowed} with the {@code DisruptionAllowed} condition. Thread-safe.
 */
public final class DisruptionController implements AutoCloseable {

    private static final String COMPONENT = "controllermanager";
    /** Upstream's service account of this controller ({@code kube-system/disruption-controller}). */
    public static final String SERVICE_ACCOUNT = "disruption-controller";
    /** How long an eviction's entry in disruptedPods holds before the pod counts again (DeletionTimeout). */
    static final Duration DELETION_TIMEOUT = Duration.ofMinutes(2);

    private final ResourceClient<PodDisruptionBudget> budgets;
    private final SharedInformer<PodDisruptionBudget> pdbInformer;
    private final SharedInformer<Pod> podInformer;
    private final SharedInformer<ReplicaSet> rsInformer;
    private final SharedInformer<Deployment> dInformer;
    private final Clock clock;
    private final EventRecorder events;
    private final WorkQueue queue = new WorkQueue("disruption", RateLimiter.defaults());
    private final ControllerLoop loop;

    public DisruptionController(KubeClient client, InformerFactory informers, Clock clock) {
        this.budgets = client.resource(Kind.POD_DISRUPTION_BUDGETS);
        this.pdbInformer = informers.informer(Kind.POD_DISRUPTION_BUDGETS);
        this.podInformer = informers.informer(Kind.PODS);
        this.rsInformer = informers.informer(Kind.REPLICA_SETS);
        this.dInformer = informers.informer(Kind.DEPLOYMENTS);
        this.clock = clock;
        this.events = new EventRecorder(client, COMPONENT, clock);
        this.loop = new ControllerLoop("disruption", queue, this::sync, 1);
        pdbInformer.addEventHandler(ResourceEventHandler.of(pdb -> queue.add(SharedInformer.key(pdb)), pdb -> { }));
        podInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                enqueueBudgetsOf(pod);
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
                if (!Objects.equals(old.getMetadata().getResourceVersion(), pod.getMetadata().getResourceVersion())) {
                    enqueueBudgetsOf(old);
                    enqueueBudgetsOf(pod);
                }
            }

            @Override
            public void onDelete(Pod pod) {
                enqueueBudgetsOf(pod);
            }
        });
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
        events.close();
    }

    private void enqueueBudgetsOf(Pod pod) {
        for (PodDisruptionBudget pdb : pdbInformer.list(pod.getMetadata().getNamespace())) {
            if (pdb.getSpec().getSelector() != null
                    && Selectors.matches(pdb.getSpec().getSelector(), pod.getMetadata().getLabels())) {
                queue.add(SharedInformer.key(pdb));
            }
        }
    }

    private void sync(String key) {
        Optional<PodDisruptionBudget> cached = pdbInformer.getByKey(key);
        if (cached.isEmpty()) {
            return;
        }
        PodDisruptionBudget pdb = cached.get();
        Instant now = clock.instant();
        List<Pod> pods = pdb.getSpec().getSelector() == null ? List.of()
                : podInformer.list(pdb.getMetadata().getNamespace()).stream()
                .filter(p -> Selectors.matches(pdb.getSpec().getSelector(), p.getMetadata().getLabels())).toList();
        PodDisruptionBudgetStatus current = pdb.getStatus() == null ? new PodDisruptionBudgetStatus() : pdb.getStatus();
        Map<String, String> disrupted = disruptedPods(current, pods, now);
        int expected;
        int desired;
        String failure = null;
        try {
            int[] counts = expectedAndDesired(pdb, pods);
            expected = counts[0];
            desired = counts[1];
        } catch (IllegalStateException e) {
            failure = e.getMessage();
            expected = 0;
            desired = 0;
            events.event(pdb, EventRecorder.WARNING, "CalculateExpectedPodCountFailed",
                    "Failed to calculate the number of expected pods: " + failure);
        }
        int healthy = 0;
        for (Pod p : pods) {
            if (!Owners.isDeleting(p) && !disrupted.containsKey(p.getMetadata().getName()) && Pods.isReady(p)) {
                healthy++;
            }
        }
        int allowed = healthy - desired;
        if (expected <= 0 || allowed <= 0 || failure != null) {
            allowed = 0;
        }
        long generation = pdb.getMetadata().getGeneration() == null ? 0 : pdb.getMetadata().getGeneration();
        String reason = failure != null ? "SyncFailed" : allowed > 0 ? "SufficientPods" : "InsufficientPods";
        Condition condition = new ConditionBuilder().withType("DisruptionAllowed")
                .withStatus(allowed > 0 ? "True" : "False").withReason(reason).withMessage(failure == null ? "" : failure)
                .withObservedGeneration(generation)
                .withLastTransitionTime(DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS)))
                .build();
        Optional<Condition> old = current.getConditions() == null ? Optional.empty()
                : current.getConditions().stream().filter(c -> "DisruptionAllowed".equals(c.getType())).findFirst();
        if (old.isPresent() && Objects.equals(old.get().getStatus(), condition.getStatus())) {
            condition.setLastTransitionTime(old.get().getLastTransitionTime());
        }
        List<Condition> conditions = new ArrayList<>(current.getConditions() == null ? List.of() : current.getConditions());
        conditions.removeIf(c -> "DisruptionAllowed".equals(c.getType()));
        conditions.add(condition);
        PodDisruptionBudgetStatus next = new PodDisruptionBudgetStatusBuilder()
                .withObservedGeneration(generation)
                .withDisruptedPods(disrupted.isEmpty() ? null : disrupted)
                .withDisruptionsAllowed(allowed)
                .withCurrentHealthy(healthy)
                .withDesiredHealthy(desired)
                .withExpectedPods(expected)
                .withConditions(conditions)
                .build();
        if (!Hashes.semanticallyEqual(current, next)) {
            PodDisruptionBudget copy = Hashes.copy(pdb, PodDisruptionBudget.class);
            copy.setStatus(next);
            budgets.updateStatus(copy);
        }
        // an eviction's entry expires: look again then
        disrupted.values().stream().map(Pods::time).flatMap(Optional::stream)
                .map(t -> Duration.between(now, t.plus(DELETION_TIMEOUT))).filter(d -> !d.isNegative()).min(Duration::compareTo)
                .ifPresent(d -> queue.addAfter(key, d));
    }

    /** The evicted pods still pending deletion and within the timeout. */
    private static Map<String, String> disruptedPods(PodDisruptionBudgetStatus status, List<Pod> pods, Instant now) {
        Map<String, String> kept = new LinkedHashMap<>();
        if (status.getDisruptedPods() == null) {
            return kept;
        }
        Map<String, Pod> byName = new HashMap<>();
        pods.forEach(p -> byName.put(p.getMetadata().getName(), p));
        status.getDisruptedPods().forEach((name, when) -> {
            Pod p = byName.get(name);
            Optional<Instant> t = Pods.time(when);
            if (p != null && !Owners.isDeleting(p) && t.isPresent() && t.get().plus(DELETION_TIMEOUT).isAfter(now)) {
                kept.put(name, when);
            }
        });
        return kept;
    }

    /** {expected pods, desired healthy pods} as upstream's getExpectedPodCount. */
    private int[] expectedAndDesired(PodDisruptionBudget pdb, List<Pod> pods) {
        IntOrString max = pdb.getSpec().getMaxUnavailable();
        IntOrString min = pdb.getSpec().getMinAvailable();
        if (max != null) {
            int expected = expectedScale(pods);
            int unavailable = IntOrPercent.scaled(max, expected, true, 0);
            return new int[] {expected, Math.max(0, expected - unavailable)};
        }
        if (min != null) {
            if (min.getStrVal() == null) {
                return new int[] {pods.size(), min.getIntVal() == null ? 0 : min.getIntVal()};
            }
            int expected = expectedScale(pods);
            return new int[] {expected, IntOrPercent.scaled(min, expected, true, 0)};
        }
        return new int[] {pods.size(), 0};
    }

    /** The sum of the scales of the pods' controllers (a Deployment's through its ReplicaSet), each counted once. */
    private int expectedScale(List<Pod> pods) {
        Map<String, Integer> scales = new HashMap<>();
        for (Pod p : pods) {
            Optional<OwnerReference> ref = Owners.controllerOf(p);
            if (ref.isEmpty()) {
                throw new IllegalStateException("found no controllers for pod \"" + p.getMetadata().getName() + "\"");
            }
            if (!"ReplicaSet".equals(ref.get().getKind())) {
                throw new IllegalStateException("found no controllers for pod \"" + p.getMetadata().getName() + "\"");
            }
            Optional<ReplicaSet> rs = rsInformer.get(p.getMetadata().getNamespace(), ref.get().getName())
                    .filter(r -> Owners.uid(r).equals(ref.get().getUid()));
            if (rs.isEmpty()) {
                throw new IllegalStateException("found no controllers for pod \"" + p.getMetadata().getName() + "\"");
            }
            Optional<Deployment> d = Owners.controllerOf(rs.get())
                    .filter(r -> "Deployment".equals(r.getKind()))
                    .flatMap(r -> dInformer.get(p.getMetadata().getNamespace(), r.getName())
                            .filter(x -> Owners.uid(x).equals(r.getUid())));
            if (d.isPresent()) {
                scales.put(Owners.uid(d.get()), d.get().getSpec().getReplicas() == null ? 1 : d.get().getSpec().getReplicas());
            } else {
                scales.put(Owners.uid(rs.get()), rs.get().getSpec().getReplicas() == null ? 1 : rs.get().getSpec().getReplicas());
            }
        }
        return scales.values().stream().mapToInt(Integer::intValue).sum();
    }
}
