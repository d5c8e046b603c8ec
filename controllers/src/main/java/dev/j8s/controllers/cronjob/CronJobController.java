package dev.j8s.controllers.cronjob;

import dev.j8s.api.ClusterException;
import dev.j8s.api.batch.CronSchedule;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.common.EventRecorder;
import dev.j8s.controllers.common.Hashes;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.common.PodControl;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The CronJob controller (upstream's cronjob_controllerv2.go, 1.32). A sync reconciles {@code status.active} with
 * the Jobs the CronJob controls (finished ones leave it, missing ones are dropped, {@code lastSuccessfulTime}
 * follows the latest completion), deletes finished Jobs beyond the history limits, and, unless suspended or
 * deleting, finds the latest scheduled time not yet run in the CronJob's time zone; a time past the starting
 * deadline is skipped ({@code MissSchedule}), more than 100 missed times only warn ({@code TooManyMissedTimes}) and
 * the latest runs, Forbid waits for the active Jobs, Replace deletes them, and the Job is named
 * {@code <cronjob>-<scheduled minutes since the epoch>}. The key is queued again for the next scheduled time. Times
 * come from the injected clock. Thread-safe.
 */
public final class CronJobController implements AutoCloseable {

    /** Upstream's name of this controller, also the name of its service account in {@code kube-system}. */
    public static final String SERVICE_ACCOUNT = "cronjob-controller";

    private static final String COMPONENT = "cronjob-controller";
    /** The annotation with the time a Job was scheduled for, in the CronJob's zone. */
    static final String SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp";
    private static final DateTimeFormatter RFC1123Z =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final ResourceClient<CronJob> cronJobs;
    private final ResourceClient<Job> jobs;
    private final SharedInformer<CronJob> cronJobInformer;
    private final SharedInformer<Job> jobInformer;
    private final Clock clock;
    private final EventRecorder events;
    private final WorkQueue queue = new WorkQueue("cronjob", RateLimiter.defaults());
    private final ControllerLoop loop;

    public CronJobController(KubeClient client, InformerFactory informers, Clock clock) {
        this.cronJobs = client.resource(Kind.CRON_JOBS);
        this.jobs = client.resource(Kind.JOBS);
        this.cronJobInformer = informers.informer(Kind.CRON_JOBS);
        this.jobInformer = informers.informer(Kind.JOBS);
        this.clock = clock;
        this.events = new EventRecorder(client, COMPONENT, clock);
        this.loop = new ControllerLoop(COMPONENT, queue, this::sync, 2);
        cronJobInformer.addEventHandler(ResourceEventHandler.of(cj -> queue.add(SharedInformer.key(cj)), cj -> { }));
        jobInformer.addEventHandler(ResourceEventHandler.of(this::jobChanged, this::jobChanged));
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
        events.close();
    }

    private void jobChanged(Job job) {
        Owners.controllerOf(job)
                .flatMap(ref -> cronJobInformer.resolve(job.getMetadata().getNamespace(), ref, "batch/v1", "CronJob"))
                .ifPresent(cj -> queue.add(SharedInformer.key(cj)));
    }

    /** The Jobs in the cache (for tests that drive {@link #sync} themselves). */
    List<Job> cachedJobs(String namespace) {
        return jobInformer.list(namespace);
    }

    /** The CronJob in the cache (for tests that drive {@link #sync} themselves). */
    Optional<CronJob> cachedCronJob(String key) {
        return cronJobInformer.getByKey(key);
    }

    /** One level-triggered pass; package-private so tests can drive it on their clock. */
    void sync(String key) {
        Optional<CronJob> cached = cronJobInformer.getByKey(key);
        if (cached.isEmpty()) {
            return;
        }
        CronJob cronJob = Hashes.copy(cached.get(), CronJob.class);
        CronJobStatus before = cronJob.getStatus() == null ? new CronJobStatus()
                : Hashes.copy(cronJob.getStatus(), CronJobStatus.class);
        if (cronJob.getStatus() == null) {
            cronJob.setStatus(new CronJobStatus());
        }
        List<Job> children = jobInformer.list(cronJob.getMetadata().getNamespace()).stream()
                .filter(j -> Owners.isControlledBy(j, Owners.uid(cronJob))).toList();
        Instant now = clock.instant();
        reconcileActive(cronJob, children);
        cleanupFinishedJobs(cronJob, children);
        Optional<Duration> requeue = scheduleJob(cronJob, now);
        if (!Hashes.semanticallyEqual(before, cronJob.getStatus())) {
            cronJobs.updateStatus(cronJob);
        }
        requeue.ifPresent(d -> queue.addAfter(key, d));
    }

    private void reconcileActive(CronJob cronJob, List<Job> children) {
        CronJobStatus status = cronJob.getStatus();
        List<ObjectReference> active = new ArrayList<>(status.getActive() == null ? List.of() : status.getActive());
        for (Job j : children) {
            boolean listed = active.stream().anyMatch(r -> Objects.equals(r.getUid(), Owners.uid(j)));
            Optional<String> finished = finishedCondition(j);
            if (!listed && finished.isEmpty()) {
                events.event(cronJob, EventRecorder.WARNING, "UnexpectedJob",
                        "Saw a job that the controller did not create or forgot: " + j.getMetadata().getName());
            } else if (listed && finished.isPresent()) {
                active.removeIf(r -> Objects.equals(r.getUid(), Owners.uid(j)));
                events.event(cronJob, EventRecorder.NORMAL, "SawCompletedJob",
                        "Saw completed job: " + j.getMetadata().getName() + ", condition: " + finished.get());
            } else if (finished.filter("Complete"::equals).isPresent() && j.getStatus().getCompletionTime() != null) {
                Instant completed = Pods.time(j.getStatus().getCompletionTime()).orElse(Instant.EPOCH);
                Instant last = Pods.time(status.getLastSuccessfulTime()).orElse(Instant.MIN);
                if (completed.isAfter(last)) {
                    status.setLastSuccessfulTime(j.getStatus().getCompletionTime());
                }
            }
        }
        // an active Job this controller no longer sees may be gone: ask the API before dropping it
        for (ObjectReference ref : List.copyOf(active)) {
            boolean seen = children.stream().anyMatch(j -> Objects.equals(Owners.uid(j), ref.getUid()));
            if (!seen) {
                Optional<Job> live = jobs.get(cronJob.getMetadata().getNamespace(), ref.getName());
                if (live.isEmpty() || !Objects.equals(Owners.uid(live.get()), ref.getUid())) {
                    active.remove(ref);
                    events.event(cronJob, EventRecorder.NORMAL, "MissingJob", "Active job went missing: " + ref.getName());
                }
            }
        }
        status.setActive(active.isEmpty() ? null : active);
    }

    /** Deletes the oldest finished Jobs beyond the successful and failed history limits. */
    private void cleanupFinishedJobs(CronJob cronJob, List<Job> children) {
        Integer successfulLimit = cronJob.getSpec().getSuccessfulJobsHistoryLimit();
        Integer failedLimit = cronJob.getSpec().getFailedJobsHistoryLimit();
        if (successfulLimit != null) {
            removeOldest(cronJob, children.stream()
                    .filter(j -> finishedCondition(j).filter("Complete"::equals).isPresent()).toList(), successfulLimit);
        }
        if (failedLimit != null) {
            removeOldest(cronJob, children.stream()
                    .filter(j -> finishedCondition(j).filter("Failed"::equals).isPresent()).toList(), failedLimit);
        }
    }

    private void removeOldest(CronJob cronJob, List<Job> finished, int limit) {
        if (finished.size() <= limit) {
            return;
        }
        List<Job> sorted = new ArrayList<>(finished);
        sorted.sort(BY_START_TIME);
        for (Job j : sorted.subList(0, sorted.size() - limit)) {
            if (!Owners.isDeleting(j)) {
                deleteJob(cronJob, j);
            }
        }
    }

    /** Oldest start first, Jobs that never started last; equal starts by name (upstream's byJobStartTime). */
    static final Comparator<Job> BY_START_TIME = (a, b) -> {
        Optional<Instant> sa = Pods.time(a.getStatus() == null ? null : a.getStatus().getStartTime());
        Optional<Instant> sb = Pods.time(b.getStatus() == null ? null : b.getStatus().getStartTime());
        if (sa.isEmpty() != sb.isEmpty()) {
            return sa.isEmpty() ? 1 : -1;
        }
        int byTime = sa.isEmpty() ? 0 : sa.get().compareTo(sb.get());
        return byTime != 0 ? byTime : a.getMetadata().getName().compareTo(b.getMetadata().getName());
    };

    private void deleteJob(CronJob cronJob, Job job) {
        try {
            jobs.delete(job.getMetadata().getNamespace(), job.getMetadata().getName(),
                    DeleteOptions.propagation(DeleteOptions.Propagation.BACKGROUND).withUid(Owners.uid(job)));
            events.event(cronJob, EventRecorder.NORMAL, "SuccessfulDelete", "Deleted job " + job.getMetadata().getName());
        } catch (ClusterException.NotFound gone) {
            // deleted meanwhile
        } catch (ClusterException e) {
            events.event(cronJob, EventRecorder.WARNING, "FailedDelete",
                    "Deleted job: " + PodControl.detail(e));
            throw e;
        }
    }

    /** Runs the due Job, if any; returns when to look again. */
    private Optional<Duration> scheduleJob(CronJob cronJob, Instant now) {
        if (Owners.isDeleting(cronJob)) {
            return Optional.empty();
        }
        ZoneId zone = ZoneOffset.UTC;
        String tz = cronJob.getSpec().getTimeZone();
        if (tz != null) {
            Optional<ZoneId> z = CronSchedule.zoneOf(tz);
            if (z.isEmpty()) {
                events.event(cronJob, EventRecorder.WARNING, "UnknownTimeZone",
                        "invalid timeZone: \"" + tz + "\": unknown time zone " + tz);
                return Optional.empty();
            }
            zone = z.get();
        }
        CronSchedule schedule;
        try {
            schedule = CronSchedule.parse(cronJob.getSpec().getSchedule());
        } catch (CronSchedule.ParseException e) {
            events.event(cronJob, EventRecorder.WARNING, "UnparseableSchedule",
                    "unparseable schedule: \"" + cronJob.getSpec().getSchedule() + "\" : " + e.getMessage());
            return Optional.empty();
        }
        if (schedule.hasZonePrefix()) {
            events.event(cronJob, EventRecorder.WARNING, "UnsupportedSchedule",
                    "CRON_TZ or TZ used in schedule \"" + cronJob.getSpec().getSchedule() + "\" is not officially supported, "
                            + "see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details");
        }
        if (Boolean.TRUE.equals(cronJob.getSpec().getSuspend())) {
            return Optional.empty();
        }
        CronJobStatus status = cronJob.getStatus();
        Instant earliest = Pods.time(status.getLastScheduleTime())
                .or(() -> Pods.time(cronJob.getMetadata().getCreationTimestamp())).orElse(now);
        Long startingDeadline = cronJob.getSpec().getStartingDeadlineSeconds();
        if (startingDeadline != null) {
            Instant deadline = now.minusSeconds(startingDeadline);
            if (deadline.isAfter(earliest)) {
                earliest = deadline;
            }
        }
        ScheduleTimes.Due due = ScheduleTimes.mostRecent(schedule, zone, earliest, now);
        if (due.tooShort()) {
            events.event(cronJob, EventRecorder.WARNING, "InvalidSchedule",
                    "invalid schedule: " + cronJob.getSpec().getSchedule() + " : time difference between two schedules is "
                            + "less than 1 second");
            return Optional.empty();
        }
        if (due.tooManyMissed()) {
            events.event(cronJob, EventRecorder.WARNING, "TooManyMissedTimes", "too many missed start times. Set or "
                    + "decrease .spec.startingDeadlineSeconds or check clock skew");
        }
        Optional<Duration> next = nextRun(schedule, zone, now);
        if (due.mostRecent().isEmpty()) {
            return next;
        }
        Instant scheduled = due.mostRecent().get();
        if (startingDeadline != null && scheduled.plusSeconds(startingDeadline).isBefore(now)) {
            events.event(cronJob, EventRecorder.WARNING, "MissSchedule",
                    "Missed scheduled time to start a job: " + RFC1123Z.format(scheduled));
            return next;
        }
        String jobName = jobName(cronJob, scheduled);
        List<ObjectReference> active = status.getActive() == null ? new ArrayList<>() : new ArrayList<>(status.getActive());
        if (active.stream().anyMatch(r -> jobName.equals(r.getName()))
                || Pods.time(status.getLastScheduleTime()).filter(scheduled::equals).isPresent()) {
            return next;
        }
        String policy = cronJob.getSpec().getConcurrencyPolicy() == null ? "Allow" : cronJob.getSpec().getConcurrencyPolicy();
        if (policy.equals("Forbid") && !active.isEmpty()) {
            events.event(cronJob, EventRecorder.NORMAL, "JobAlreadyActive",
                    "Not starting job because prior execution is running and concurrency policy is Forbid");
            return next;
        }
        if (policy.equals("Replace")) {
            for (ObjectReference ref : List.copyOf(active)) {
                Optional<Job> job = jobs.get(cronJob.getMetadata().getNamespace(), ref.getName());
                if (job.isPresent() && Objects.equals(Owners.uid(job.get()), ref.getUid())) {
                    deleteJob(cronJob, job.get());
                }
                active.remove(ref);
            }
            status.setActive(active.isEmpty() ? null : active);
        }
        Job created;
        try {
            created = jobs.create(jobFor(cronJob, jobName, scheduled, zone));
            events.event(cronJob, EventRecorder.NORMAL, "SuccessfulCreate", "Created job " + jobName);
        } catch (ClusterException.AlreadyExists exists) {
            // made before a crash kept this status from being written: take it as this run if it is ours
            Optional<Job> existing = jobs.get(cronJob.getMetadata().getNamespace(), jobName);
            if (existing.isEmpty() || !Owners.isControlledBy(existing.get(), Owners.uid(cronJob))) {
                return next;
            }
            created = existing.get();
        } catch (ClusterException e) {
            events.event(cronJob, EventRecorder.WARNING, "FailedCreate", "Error creating job: " + PodControl.detail(e));
            throw e;
        }
        if (finishedCondition(created).isEmpty() && active.stream().noneMatch(r -> jobName.equals(r.getName()))) {
            active.add(new ObjectReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                    .withName(created.getMetadata().getName()).withNamespace(created.getMetadata().getNamespace())
                    .withUid(created.getMetadata().getUid())
                    .withResourceVersion(created.getMetadata().getResourceVersion()).build());
        }
        status.setActive(active.isEmpty() ? null : active);
        status.setLastScheduleTime(timestamp(scheduled));
        return next;
    }

    /** How long until the next scheduled time, plus 100 ms so the time has surely come. */
    private static Optional<Duration> nextRun(CronSchedule schedule, ZoneId zone, Instant now) {
        return schedule.next(now, zone).map(t -> Duration.between(now, t).plusMillis(100));
    }

    /** {@code <cronjob>-<minutes since the epoch of the scheduled time>}. */
    static String jobName(CronJob cronJob, Instant scheduled) {
        return cronJob.getMetadata().getName() + "-" + scheduled.getEpochSecond() / 60;
    }

    /** The Job of one run: the template's metadata and spec, the scheduled time, a controller reference. */
    static Job jobFor(CronJob cronJob, String name, Instant scheduled, ZoneId zone) {
        var template = cronJob.getSpec().getJobTemplate();
        Map<String, String> labels = template.getMetadata() == null || template.getMetadata().getLabels() == null
                ? new HashMap<>() : new HashMap<>(template.getMetadata().getLabels());
        Map<String, String> annotations = template.getMetadata() == null || template.getMetadata().getAnnotations() == null
                ? new HashMap<>() : new HashMap<>(template.getMetadata().getAnnotations());
        annotations.put(SCHEDULED_TIMESTAMP, DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
                scheduled.atZone(zone).toOffsetDateTime()));
        OwnerReference ref = Owners.controllerRef(cronJob, "batch/v1", "CronJob");
        return new JobBuilder().withNewMetadata().withName(name).withNamespace(cronJob.getMetadata().getNamespace())
                .withLabels(labels.isEmpty() ? null : labels).withAnnotations(annotations).withOwnerReferences(ref)
                .endMetadata().withSpec(Hashes.copy(template.getSpec(), JobSpec.class)).build();
    }

    /** "Complete" or "Failed" when the Job has finished. */
    static Optional<String> finishedCondition(Job job) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        for (JobCondition c : job.getStatus().getConditions()) {
            if (("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus())) {
                return Optional.of(c.getType());
            }
        }
        return Optional.empty();
    }

    private static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
    }
}
