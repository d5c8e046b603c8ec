package dev.j8s.controllers.job;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.PatchType;
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
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.SuccessPolicyRule;
import io.fabric8.kubernetes.api.model.batch.v1.UncountedTerminatedPods;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The Job controller (upstream's pkg/controller/job, as of 1.32). Each sync claims the pods the Job's selector
 * matches, counts the finished ones through the {@code batch.kubernetes.io/job-tracking} finalizer (their uids first
 * go to {@code status.uncountedTerminatedPods}, then the finalizer is removed, then they move to the counters, so a
 * crash at any point neither loses nor double-counts a pod), decides whether the Job has failed (a FailJob rule of
 * the pod failure policy, the back-off limit, the active deadline) or succeeded (the completions, the success
 * policy) and otherwise creates or deletes pods toward {@code min(parallelism, remaining)} after the failure
 * back-off. The interim {@code FailureTarget}/{@code SuccessCriteriaMet} conditions come first; {@code Failed}/
 * {@code Complete} follow once no pod is left running or uncounted. Times come from the injected clock. Thread-safe.
 */
public final class JobController implements AutoCloseable {

    /** Upstream's name of this controller, also the name of its service account in {@code kube-system}. */
    public static final String SERVICE_ACCOUNT = "job-controller";

    private static final System.Logger LOG = System.getLogger(JobController.class.getName());
    private static final String COMPONENT = "job-controller";
    /** The finalizer every Job pod carries until the Job has counted it. */
    public static final String TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
    /** The annotation and label that carry an Indexed Job pod's index. */
    public static final String COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index";
    /** The env var every container of an Indexed Job pod gets. */
    public static final String COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX";
    /** A Job managed by another controller names it here; this controller leaves it alone. */
    static final String MANAGED_BY_SELF = "kubernetes.io/job-controller";
    static final int BURST = 500;
    /** At most this many finished pods are recorded per sync (upstream's maxUncountedPods is far larger). */
    static final int MAX_UNCOUNTED = 500;

    private final KubeClient client;
    private final ResourceClient<Job> jobs;
    private final ResourceClient<Pod> pods;
    private final SharedInformer<Job> jobInformer;
    private final SharedInformer<Pod> podInformer;
    private final Clock clock;
    private final EventRecorder events;
    private final PodControl podControl;
    private final Expectations expectations;
    /** Per Job key, the uids of pods whose finalizer removal was sent but not yet seen in the cache. */
    private final Map<String, Set<String>> finalizerRemovals = new ConcurrentHashMap<>();
    /**
     * Per Job key, the resourceVersion of the last status this controller wrote: a cached Job older than that is
     * stale (pods and Jobs come through different watches, so the cache may show a pod's finalizer gone before the
     * status that counted it) and is not acted on until the informer catches up.
     */
    private final Map<String, Long> writtenVersions = new ConcurrentHashMap<>();
    /** Per Job key, the failures since the last success and when the last one happened. */
    private final Map<String, BackoffRecord> backoffs = new ConcurrentHashMap<>();
    private final WorkQueue queue = new WorkQueue("job", new RateLimiter(Duration.ofSeconds(1), Duration.ofMinutes(1), 10, 100));
    private final ControllerLoop loop;
    private final ExecutorService parallel = Executors.newVirtualThreadPerTaskExecutor();

    record BackoffRecord(int failuresSinceSuccess, Instant lastFailure) {}

    public JobController(KubeClient client, InformerFactory informers, Clock clock, int workers) {
        this.client = client;
        this.jobs = client.resource(Kind.JOBS);
        this.pods = client.resource(Kind.PODS);
        this.jobInformer = informers.informer(Kind.JOBS);
        this.podInformer = informers.informer(Kind.PODS);
        this.clock = clock;
        this.events = new EventRecorder(client, COMPONENT, clock);
        this.podControl = new PodControl(pods, events);
        this.expectations = new Expectations(clock);
        this.loop = new ControllerLoop(COMPONENT, queue, this::sync, workers);
        jobInformer.addEventHandler(ResourceEventHandler.of(this::enqueue, job -> {
            String key = SharedInformer.key(job);
            expectations.delete(key);
            finalizerRemovals.remove(key);
            backoffs.remove(key);
            writtenVersions.remove(key);
        }));
        podInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                podChanged(pod, true);
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
                if (!Objects.equals(old.getMetadata().getResourceVersion(), pod.getMetadata().getResourceVersion())) {
                    podChanged(pod, false);
                }
            }

            @Override
            public void onDelete(Pod pod) {
                podDeleted(pod);
            }
        });
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
        parallel.shutdownNow();
        events.close();
    }

    // ---- event handlers -------------------------------------------------------------------------------

    private void enqueue(Job job) {
        queue.add(SharedInformer.key(job));
    }

    private Optional<Job> jobOf(Pod pod) {
        return Owners.controllerOf(pod)
                .flatMap(ref -> jobInformer.resolve(pod.getMetadata().getNamespace(), ref, "batch/v1", "Job"));
    }

    private void podChanged(Pod pod, boolean added) {
        Optional<Job> job = jobOf(pod);
        if (job.isEmpty()) {
            if (hasFinalizer(pod) && Owners.controllerOf(pod).map(r -> "Job".equals(r.getKind())).orElse(true)) {
                parallel.submit(() -> releaseIfOrphan(pod));
            }
            return;
        }
        String key = SharedInformer.key(job.get());
        if (added && !Owners.isDeleting(pod)) {
            expectations.creationObserved(key);
        }
        if (Owners.isDeleting(pod)) {
            expectations.deletionObserved(key, SharedInformer.key(pod));
        }
        if (!hasFinalizer(pod)) {
            Set<String> pending = finalizerRemovals.get(key);
            if (pending != null) {
                pending.remove(Owners.uid(pod));
            }
        }
        queue.add(key);
    }

    /**
     * A pod with the tracking finalizer whose Job is not in the cache: the cache may just not have it yet (the pod
     * and Job watches deliver independently, right after a start too), so the API decides. A pod whose Job is gone
     * or finished, or that has no Job, loses the finalizer (nothing will count it, and it must not stay
     * Terminating forever); one whose Job lives is left to that Job's sync.
     */
    private void releaseIfOrphan(Pod pod) {
        Optional<OwnerReference> ref = Owners.controllerOf(pod);
        if (ref.isPresent()) {
            Optional<Job> owner = jobs.get(pod.getMetadata().getNamespace(), ref.get().getName());
            if (owner.isPresent() && Owners.uid(owner.get()).equals(ref.get().getUid()) && !isFinished(owner.get())) {
                queue.add(SharedInformer.key(owner.get()));
                return;
            }
        }
        removeFinalizer(pod);
    }

    private void podDeleted(Pod pod) {
        jobOf(pod).ifPresent(job -> {
            String key = SharedInformer.key(job);
            expectations.deletionObserved(key, SharedInformer.key(pod));
            Set<String> pending = finalizerRemovals.get(key);
            if (pending != null) {
                pending.remove(Owners.uid(pod));
            }
            queue.add(key);
        });
    }

    // ---- sync ----------------------------------------------------------------------------------------

    /** One level-triggered pass over the Job {@code key}; package-private so tests can drive it. */
    void sync(String key) {
        Optional<Job> cached = jobInformer.getByKey(key);
        if (cached.isEmpty()) {
            expectations.delete(key);
            return;
        }
        Job job = cached.get();
        Long written = writtenVersions.get(key);
        if (written != null && version(job) < written) {
            return; // the informer delivers our own write soon, and queues the Job again
        }
        String managedBy = job.getSpec().getManagedBy();
        if (managedBy != null && !managedBy.equals(MANAGED_BY_SELF)) {
            return;
        }
        List<Pod> owned = claimPods(job);
        if (isFinished(job)) {
            // counted already: whatever still carries the finalizer only needs to lose it
            owned.stream().filter(JobController::hasFinalizer).forEach(p -> parallel.submit(() -> removeFinalizer(p)));
            return;
        }
        new Sync(job, key, owned).run();
    }

    private List<Pod> claimPods(Job job) {
        String namespace = job.getMetadata().getNamespace();
        String name = job.getMetadata().getName();
        ControllerRefManager<Pod> refs = new ControllerRefManager<>(pods, job, "batch/v1", "Job",
                p -> Selectors.matches(job.getSpec().getSelector(), p.getMetadata().getLabels()),
                () -> jobs.get(namespace, name).map(j -> (HasMetadata) j));
        List<Pod> candidates = podInformer.list(namespace).stream()
                .filter(p -> !Owners.isDeleting(p) || Owners.isControlledBy(p, Owners.uid(job)))
                .toList();
        return refs.claim(candidates);
    }

    /** The state of one sync of one Job. */
    private final class Sync {
        private final Job job;
        private final String key;
        private final List<Pod> owned;
        private final Instant now = clock.instant();
        private final JobStatus status;
        private final boolean indexed;
        private final Integer completions;
        private final int parallelism;

        Sync(Job job, String key, List<Pod> owned) {
            this.job = Hashes.copy(job, Job.class); // never the cached object: it is shared
            this.key = key;
            this.owned = owned;
            this.status = job.getStatus() == null ? new JobStatus() : Hashes.copy(job.getStatus(), JobStatus.class);
            this.indexed = "Indexed".equals(job.getSpec().getCompletionMode());
            this.completions = job.getSpec().getCompletions();
            this.parallelism = job.getSpec().getParallelism() == null ? 1 : job.getSpec().getParallelism();
        }

        void run() {
            Set<String> pending = finalizerRemovals.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet());
            UncountedTerminatedPods uncounted = status.getUncountedTerminatedPods() == null
                    ? new UncountedTerminatedPods() : status.getUncountedTerminatedPods();
            List<String> uncountedSucceeded = new ArrayList<>(nullToEmpty(uncounted.getSucceeded()));
            List<String> uncountedFailed = new ArrayList<>(nullToEmpty(uncounted.getFailed()));
            SortedSet<Integer> completed = indexed ? Indexes.parse(status.getCompletedIndexes(), completionsOrZero())
                    : new TreeSet<>();

            // 1. finished pods not yet recorded: into uncountedTerminatedPods (or straight to finalizer removal)
            List<Pod> toFinalize = new ArrayList<>();
            Optional<PodFailurePolicies.Match> failJob = Optional.empty();
            int newFailures = 0;
            int newSuccesses = 0;
            Instant lastFailure = null;
            int recorded = 0;
            for (Pod p : owned) {
                if (!hasFinalizer(p) || pending.contains(Owners.uid(p))) {
                    continue;
                }
                String uid = Owners.uid(p);
                if (uncountedSucceeded.contains(uid) || uncountedFailed.contains(uid)) {
                    toFinalize.add(p);
                    continue;
                }
                if (recorded >= MAX_UNCOUNTED) {
                    break;
                }
                if (Pods.phase(p).equals("Succeeded")) {
                    int index = index(p);
                    if (!indexed) {
                        uncountedSucceeded.add(uid);
                        newSuccesses++;
                    } else if (index >= 0 && index < completionsOrZero() && completed.add(index)) {
                        uncountedSucceeded.add(uid);
                        newSuccesses++;
                    }
                    toFinalize.add(p);
                    recorded++;
                } else if (isFailedFor(job, p)) {
                    Optional<PodFailurePolicies.Match> match = Pods.phase(p).equals("Failed")
                            ? PodFailurePolicies.match(job.getSpec().getPodFailurePolicy(), p) : Optional.empty();
                    String action = match.map(PodFailurePolicies.Match::action).orElse("Count");
                    if (!action.equals("Ignore")) {
                        uncountedFailed.add(uid);
                        newFailures++;
                        Instant finished = finishedAt(p);
                        lastFailure = lastFailure == null || finished.isAfter(lastFailure) ? finished : lastFailure;
                    }
                    if (action.equals("FailJob") && failJob.isEmpty()) {
                        failJob = match;
                    }
                    toFinalize.add(p);
                    recorded++;
                }
            }
            updateBackoff(newSuccesses, newFailures, lastFailure);
            boolean newlyRecorded = newSuccesses + newFailures > 0 || recorded > 0;
            status.setUncountedTerminatedPods(new UncountedTerminatedPods(uncountedFailed, uncountedSucceeded));
            if (indexed) {
                String text = Indexes.format(completed);
                status.setCompletedIndexes(text);
            }
            if (failJob.isPresent() && !hasCondition(status, "FailureTarget")) {
                setCondition("FailureTarget", "PodFailurePolicy", failJob.get().message());
            }
            if (newlyRecorded) {
                // the uids are durable before any finalizer goes: a crash now loses no pod
                writeStatus();
            }

            // 2. remove the finalizers of recorded pods, 3. count those whose finalizer is gone
            Set<String> finalized = removeFinalizers(toFinalize, pending);
            Set<String> podsWithFinalizer = new HashSet<>();
            for (Pod p : owned) {
                if (hasFinalizer(p) && !finalized.contains(Owners.uid(p))) {
                    podsWithFinalizer.add(Owners.uid(p));
                }
            }
            int succeeded = intOf(status.getSucceeded());
            int failed = intOf(status.getFailed());
            List<String> stillSucceeded = new ArrayList<>();
            List<String> stillFailed = new ArrayList<>();
            for (String uid : uncountedSucceeded) {
                if (podsWithFinalizer.contains(uid)) {
                    stillSucceeded.add(uid);
                } else {
                    succeeded++;
                }
            }
            for (String uid : uncountedFailed) {
                if (podsWithFinalizer.contains(uid)) {
                    stillFailed.add(uid);
                } else {
                    failed++;
                }
            }
            status.setSucceeded(succeeded);
            status.setFailed(failed);
            status.setUncountedTerminatedPods(new UncountedTerminatedPods(stillFailed, stillSucceeded));

            // 4. decide: failure, success, suspension, or pods to create/delete
            List<Pod> active = owned.stream().filter(p -> !Pods.isTerminal(p) && !Owners.isDeleting(p)).toList();
            long terminating = owned.stream().filter(p -> Owners.isDeleting(p) && !Pods.isTerminal(p)).count();
            int allFailed = failed + stillFailed.size();
            int allSucceeded = succeeded + stillSucceeded.size();
            if (status.getStartTime() == null && !Boolean.TRUE.equals(job.getSpec().getSuspend())) {
                status.setStartTime(timestamp(now));
            }
            if (!hasCondition(status, "FailureTarget") && !hasCondition(status, "SuccessCriteriaMet")) {
                failureReason(active, allFailed).ifPresent(r -> setCondition("FailureTarget", r[0], r[1]));
            }
            if (!hasCondition(status, "FailureTarget") && !hasCondition(status, "SuccessCriteriaMet")) {
                successReason(active, allSucceeded, completed).ifPresent(r -> setCondition("SuccessCriteriaMet", r[0], r[1]));
            }
            boolean nothingUncounted = stillFailed.isEmpty() && stillSucceeded.isEmpty();
            RuntimeException manageError = null;
            if (hasCondition(status, "FailureTarget") || hasCondition(status, "SuccessCriteriaMet")) {
                deleteAll(active);
                boolean done = active.isEmpty() && terminating == 0 && nothingUncounted;
                if (done && hasCondition(status, "FailureTarget")) {
                    JobCondition target = condition(status, "FailureTarget").orElseThrow();
                    setCondition("Failed", target.getReason(), target.getMessage());
                    events.event(job, EventRecorder.WARNING, target.getReason(), target.getMessage());
                } else if (done) {
                    JobCondition target = condition(status, "SuccessCriteriaMet").orElseThrow();
                    setCondition("Complete", target.getReason(), target.getMessage());
                    status.setCompletionTime(timestamp(now));
                    events.event(job, EventRecorder.NORMAL, "Completed", "Job completed");
                }
                active = List.of();
            } else if (Boolean.TRUE.equals(job.getSpec().getSuspend())) {
                deleteAll(active);
                if (!isConditionTrue(status, "Suspended")) {
                    setCondition("Suspended", "JobSuspended", "Job suspended");
                    status.setStartTime(null);
                    events.event(job, EventRecorder.NORMAL, "Suspended", "Job suspended");
                }
                active = List.of();
            } else {
                if (isConditionTrue(status, "Suspended")) {
                    setCondition("Suspended", "JobResumed", "Job resumed", "False");
                    status.setStartTime(timestamp(now));
                    events.event(job, EventRecorder.NORMAL, "Resumed", "Job resumed");
                }
                try {
                    active = manage(active, allSucceeded, completed);
                } catch (RuntimeException e) {
                    manageError = e;
                }
                Long deadline = job.getSpec().getActiveDeadlineSeconds();
                if (deadline != null && status.getStartTime() != null) {
                    Instant start = Pods.time(status.getStartTime()).orElse(now);
                    Duration left = Duration.between(now, start.plusSeconds(deadline));
                    if (!left.isNegative()) {
                        queue.addAfter(key, left.plusMillis(100));
                    }
                }
            }
            status.setActive(active.size());
            status.setReady((int) active.stream().filter(Pods::isReady).count());
            status.setTerminating((int) terminating);
            writeStatus();
            if (manageError != null) {
                throw manageError;
            }
            if (!status.getUncountedTerminatedPods().getSucceeded().isEmpty()
                    || !status.getUncountedTerminatedPods().getFailed().isEmpty()) {
                queue.addAfter(key, Duration.ofSeconds(1)); // a finalizer removal failed: try again
            }
        }

        private int completionsOrZero() {
            return completions == null ? 0 : completions;
        }

        /** {reason, message} of a failure, first match wins: back-off limit, then the active deadline. */
        private Optional<String[]> failureReason(List<Pod> active, int failed) {
            int limit = job.getSpec().getBackoffLimit() == null ? 6 : job.getSpec().getBackoffLimit();
            boolean exceeded = failed > limit;
            String restart = job.getSpec().getTemplate().getSpec().getRestartPolicy();
            if (!exceeded && "OnFailure".equals(restart)) {
                int restarts = 0;
                for (Pod p : active) {
                    restarts += restarts(p);
                }
                exceeded = limit == 0 ? restarts > 0 : restarts >= limit;
            }
            if (exceeded) {
                return Optional.of(new String[] {"BackoffLimitExceeded", "Job has reached the specified backoff limit"});
            }
            Long deadline = job.getSpec().getActiveDeadlineSeconds();
            if (deadline != null && status.getStartTime() != null) {
                Instant start = Pods.time(status.getStartTime()).orElse(now);
                if (!now.isBefore(start.plusSeconds(deadline))) {
                    return Optional.of(new String[] {"DeadlineExceeded", "Job was active longer than specified deadline"});
                }
            }
            return Optional.empty();
        }

        /** {reason, message} of success: the success policy (Indexed), else the completions reached. */
        private Optional<String[]> successReason(List<Pod> active, int succeeded, SortedSet<Integer> completed) {
            if (indexed && job.getSpec().getSuccessPolicy() != null && job.getSpec().getSuccessPolicy().getRules() != null) {
                List<SuccessPolicyRule> rules = job.getSpec().getSuccessPolicy().getRules();
                for (int i = 0; i < rules.size(); i++) {
                    if (matches(rules.get(i), completed)) {
                        return Optional.of(new String[] {"SuccessPolicy", "Matched rules at index " + i});
                    }
                }
            }
            boolean done;
            if (indexed) {
                done = completed.size() >= completionsOrZero();
            } else if (completions == null) {
                done = succeeded > 0 && active.isEmpty();
            } else {
                done = succeeded >= completions;
            }
            return done ? Optional.of(new String[] {"CompletionsReached", "Reached expected number of succeeded pods"})
                    : Optional.empty();
        }

        private boolean matches(SuccessPolicyRule rule, SortedSet<Integer> completed) {
            SortedSet<Integer> pool = completed;
            if (rule.getSucceededIndexes() != null) {
                SortedSet<Integer> wanted = Indexes.parse(rule.getSucceededIndexes(), completionsOrZero());
                pool = new TreeSet<>(wanted);
                pool.retainAll(completed);
                if (rule.getSucceededCount() == null) {
                    return pool.size() == wanted.size();
                }
            }
            return rule.getSucceededCount() != null && pool.size() >= rule.getSucceededCount();
        }

        /** Creates missing pods (after the back-off) and deletes surplus ones; returns the active pods kept. */
        private List<Pod> manage(List<Pod> active, int succeeded, SortedSet<Integer> completed) {
            if (!expectations.satisfied(key)) {
                return active;
            }
            List<Pod> keep = new ArrayList<>(active);
            List<Pod> surplus = new ArrayList<>();
            List<Integer> toCreateIndexes = new ArrayList<>();
            int wanted;
            if (indexed) {
                Map<Integer, Pod> byIndex = new HashMap<>();
                for (Pod p : active.stream().sorted(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp(),
                        Comparator.nullsLast(Comparator.naturalOrder()))).toList()) {
                    int i = index(p);
                    if (i < 0 || i >= completionsOrZero() || completed.contains(i) || byIndex.containsKey(i)) {
                        surplus.add(p);
                    } else {
                        byIndex.put(i, p);
                    }
                }
                keep.removeAll(surplus);
                wanted = Math.min(parallelism, completionsOrZero() - completed.size());
                for (int i = 0; i < completionsOrZero() && byIndex.size() + toCreateIndexes.size() < wanted; i++) {
                    if (!completed.contains(i) && !byIndex.containsKey(i)) {
                        toCreateIndexes.add(i);
                    }
                }
            } else {
                if (completions == null) {
                    wanted = succeeded > 0 ? 0 : parallelism;
                } else {
                    wanted = Math.max(0, Math.min(parallelism, completions - succeeded));
                }
                if (keep.size() > wanted) {
                    List<Pod> ranked = new ArrayList<>(keep);
                    ranked.sort(Comparator.comparing((Pod p) -> Pods.isReady(p))
                            .thenComparing(p -> !Pods.nodeName(p).isEmpty())
                            .thenComparing(p -> Pods.phase(p).equals("Running")));
                    surplus.addAll(ranked.subList(0, keep.size() - wanted));
                    keep.removeAll(surplus);
                }
                for (int i = keep.size(); i < wanted; i++) {
                    toCreateIndexes.add(-1);
                }
            }
            if (!surplus.isEmpty()) {
                deleteAll(surplus.subList(0, Math.min(BURST, surplus.size())));
            }
            if (toCreateIndexes.isEmpty()) {
                return keep;
            }
            BackoffRecord backoff = backoffs.get(key);
            if (backoff != null && backoff.failuresSinceSuccess() > 0) {
                Instant allowed = backoff.lastFailure().plus(Backoff.delay(backoff.failuresSinceSuccess()));
                if (now.isBefore(allowed)) {
                    queue.addAfter(key, Duration.between(now, allowed).plusMillis(100));
                    return keep;
                }
            }
            create(toCreateIndexes.subList(0, Math.min(BURST, toCreateIndexes.size())));
            return keep;
        }

        /** Creates one pod per entry (an index, or -1 for NonIndexed) in slow-start batches. */
        private void create(List<Integer> indexes) {
            expectations.expectCreations(key, indexes.size());
            OwnerReference ref = Owners.controllerRef(job, "batch/v1", "Job");
            int created = 0;
            int batch = 1;
            int next = 0;
            RuntimeException failure = null;
            while (next < indexes.size() && failure == null) {
                int size = Math.min(batch, indexes.size() - next);
                List<Future<?>> results = new ArrayList<>();
                for (int i : indexes.subList(next, next + size)) {
                    results.add(parallel.submit(() -> podControl.create(podFor(ref, i), job)));
                }
                for (Future<?> f : results) {
                    try {
                        f.get();
                        created++;
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (failure == null) {
                            failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        failure = new IllegalStateException("interrupted while creating pods of " + key);
                    }
                }
                next += size;
                batch *= 2;
            }
            for (int i = created; i < indexes.size(); i++) {
                expectations.creationObserved(key);
            }
            if (failure != null) {
                throw failure;
            }
        }

        private Pod podFor(OwnerReference ref, int index) {
            Pod pod = PodControl.fromTemplate(job.getSpec().getTemplate(), job, ref);
            List<String> finalizers = new ArrayList<>(nullToEmpty(pod.getMetadata().getFinalizers()));
            finalizers.add(TRACKING_FINALIZER);
            pod.getMetadata().setFinalizers(finalizers);
            if (index >= 0) {
                String i = Integer.toString(index);
                pod.getMetadata().setGenerateName(job.getMetadata().getName() + "-" + i + "-");
                Map<String, String> annotations = pod.getMetadata().getAnnotations() == null ? new HashMap<>()
                        : new HashMap<>(pod.getMetadata().getAnnotations());
                annotations.put(COMPLETION_INDEX, i);
                pod.getMetadata().setAnnotations(annotations);
                Map<String, String> labels = new HashMap<>(pod.getMetadata().getLabels());
                labels.put(COMPLETION_INDEX, i);
                pod.getMetadata().setLabels(labels);
                if (pod.getSpec().getHostname() == null) {
                    pod.getSpec().setHostname(job.getMetadata().getName() + "-" + i);
                }
                EnvVar env = new EnvVarBuilder().withName(COMPLETION_INDEX_ENV).withNewValueFrom().withNewFieldRef()
                        .withFieldPath("metadata.annotations['" + COMPLETION_INDEX + "']").endFieldRef()
                        .endValueFrom().build();
                List<Container> all = new ArrayList<>(nullToEmpty(pod.getSpec().getInitContainers()));
                all.addAll(pod.getSpec().getContainers());
                for (Container c : all) {
                    List<EnvVar> vars = new ArrayList<>(nullToEmpty(c.getEnv()));
                    if (vars.stream().noneMatch(v -> COMPLETION_INDEX_ENV.equals(v.getName()))) {
                        vars.add(env);
                    }
                    c.setEnv(vars);
                }
            }
            return pod;
        }

        private void deleteAll(List<Pod> victims) {
            if (victims.isEmpty()) {
                return;
            }
            expectations.expectDeletions(key, victims.stream().map(SharedInformer::key).toList());
            List<Future<?>> results = new ArrayList<>();
            for (Pod victim : victims) {
                results.add(parallel.submit(() -> {
                    try {
                        podControl.delete(victim, job);
                    } catch (RuntimeException e) {
                        expectations.deletionObserved(key, SharedInformer.key(victim));
                        throw e;
                    }
                }));
            }
            for (Future<?> f : results) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    LOG.log(Level.DEBUG, "deleting a pod failed job={0}: {1}", key, e.getCause().getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        private void updateBackoff(int successes, int failures, Instant lastFailure) {
            if (successes == 0 && failures == 0) {
                return;
            }
            BackoffRecord current = backoffs.getOrDefault(key, new BackoffRecord(0, now));
            int count = successes > 0 ? 0 : current.failuresSinceSuccess();
            backoffs.put(key, new BackoffRecord(count + failures, lastFailure == null ? current.lastFailure() : lastFailure));
        }

        private void setCondition(String type, String reason, String message) {
            setCondition(type, reason, message, "True");
        }

        private void setCondition(String type, String reason, String message, String value) {
            List<JobCondition> conditions = new ArrayList<>(nullToEmpty(status.getConditions()));
            String at = timestamp(now);
            Optional<JobCondition> existing = conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
            if (existing.isPresent() && value.equals(existing.get().getStatus())) {
                return;
            }
            JobCondition next = new JobConditionBuilder().withType(type).withStatus(value).withReason(reason)
                    .withMessage(message).withLastProbeTime(at).withLastTransitionTime(at).build();
            if (existing.isPresent()) {
                conditions.set(conditions.indexOf(existing.get()), next);
            } else {
                conditions.add(next);
            }
            status.setConditions(conditions);
        }

        private void writeStatus() {
            JobStatus current = job.getStatus() == null ? new JobStatus() : job.getStatus();
            if (Hashes.semanticallyEqual(current, status)) {
                return;
            }
            Job next = Hashes.copy(job, Job.class);
            next.setStatus(Hashes.copy(status, JobStatus.class));
            Job written = jobs.updateStatus(next);
            writtenVersions.put(key, version(written));
            job.getMetadata().setResourceVersion(written.getMetadata().getResourceVersion());
            job.setStatus(Hashes.copy(status, JobStatus.class));
        }
    }

    /** Removes the tracking finalizer from each pod; returns the uids whose finalizer is now gone. */
    private Set<String> removeFinalizers(List<Pod> toFinalize, Set<String> pending) {
        Set<String> done = ConcurrentHashMap.newKeySet();
        List<Future<?>> results = new ArrayList<>();
        for (Pod p : toFinalize) {
            pending.add(Owners.uid(p));
            results.add(parallel.submit(() -> {
                if (removeFinalizer(p)) {
                    done.add(Owners.uid(p));
                } else {
                    pending.remove(Owners.uid(p));
                }
            }));
        }
        for (Future<?> f : results) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.log(Level.DEBUG, "removing a finalizer failed: {0}", e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return done;
    }

    /** Strategic-merge patch that drops the tracking finalizer; a pod already gone counts as done. */
    private boolean removeFinalizer(Pod pod) {
        try {
            pods.patch(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), PatchType.STRATEGIC_MERGE,
                    "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"" + TRACKING_FINALIZER + "\"]}}");
            return true;
        } catch (ClusterException.NotFound e) {
            return true;
        } catch (ClusterException e) {
            LOG.log(Level.DEBUG, "removing the tracking finalizer failed pod={0}: {1}", SharedInformer.key(pod),
                    e.getMessage());
            return false;
        }
    }

    // ---- helpers --------------------------------------------------------------------------------------

    /** A resourceVersion as the number this server's store gives it; 0 when it is not one. */
    private static long version(Job job) {
        try {
            return Long.parseLong(job.getMetadata().getResourceVersion());
        } catch (NumberFormatException | NullPointerException e) {
            return 0;
        }
    }

    static boolean hasFinalizer(Pod pod) {
        return pod.getMetadata().getFinalizers() != null && pod.getMetadata().getFinalizers().contains(TRACKING_FINALIZER);
    }

    /** A failed pod: phase Failed or, unless only failed pods are replaced, being deleted without success. */
    private boolean isFailedFor(Job job, Pod p) {
        if (Pods.phase(p).equals("Failed")) {
            return true;
        }
        if ("Failed".equals(job.getSpec().getPodReplacementPolicy())) {
            return false;
        }
        return Owners.isDeleting(p) && !Pods.phase(p).equals("Succeeded");
    }

    /** The index of an Indexed Job's pod, -1 when absent or malformed. */
    static int index(Pod pod) {
        String v = pod.getMetadata().getAnnotations() == null ? null
                : pod.getMetadata().getAnnotations().get(COMPLETION_INDEX);
        if (v == null && pod.getMetadata().getLabels() != null) {
            v = pod.getMetadata().getLabels().get(COMPLETION_INDEX);
        }
        try {
            return v == null ? -1 : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private Instant finishedAt(Pod pod) {
        Instant latest = null;
        if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
            for (ContainerStatus s : pod.getStatus().getContainerStatuses()) {
                if (s.getState() != null && s.getState().getTerminated() != null) {
                    Optional<Instant> t = Pods.time(s.getState().getTerminated().getFinishedAt());
                    if (t.isPresent() && (latest == null || t.get().isAfter(latest))) {
                        latest = t.get();
                    }
                }
            }
        }
        if (latest == null && pod.getMetadata().getDeletionTimestamp() != null) {
            latest = Pods.time(pod.getMetadata().getDeletionTimestamp()).orElse(null);
        }
        return latest == null ? clock.instant() : latest;
    }

    private static int restarts(Pod pod) {
        int n = 0;
        if (pod.getStatus() != null) {
            for (List<ContainerStatus> list : java.util.Arrays.asList(pod.getStatus().getInitContainerStatuses(),
                    pod.getStatus().getContainerStatuses())) {
                for (ContainerStatus s : nullToEmpty(list)) {
                    n += s.getRestartCount() == null ? 0 : s.getRestartCount();
                }
            }
        }
        return n;
    }

    static boolean isFinished(Job job) {
        return job.getStatus() != null && (isConditionTrue(job.getStatus(), "Complete")
                || isConditionTrue(job.getStatus(), "Failed"));
    }

    private static boolean hasCondition(JobStatus status, String type) {
        return isConditionTrue(status, type);
    }

    static boolean isConditionTrue(JobStatus status, String type) {
        return condition(status, type).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    static Optional<JobCondition> condition(JobStatus status, String type) {
        return nullToEmpty(status.getConditions()).stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private static int intOf(Integer v) {
        return v == null ? 0 : v;
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
