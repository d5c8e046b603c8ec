package dev.j8s.controllers.cronjob;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.batch.CronSchedule;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.api.testing.ManualClock;
import dev.j8s.apiserver.testing.LocalApi;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.informers.InformerFactory;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CronJob controller over a real API server; the test owns the clock and runs each sync itself (the workers
 * are not started), so schedules, missed starts, concurrency and history are checked without waiting.
 */
class CronJobControllerTest {

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private LocalApi api;
    private InformerFactory informers;
    private CronJobController controller;
    private ResourceClient<CronJob> cronJobs;
    private ResourceClient<Job> jobs;

    @BeforeEach
    void start() {
        api = LocalApi.open(dir);
        cronJobs = api.client().resource(Kind.CRON_JOBS);
        jobs = api.client().resource(Kind.JOBS);
        informers = new InformerFactory(api.client(), Duration.ofMinutes(10));
        controller = new CronJobController(api.client(), informers, clock);
        informers.start();
        informers.awaitSynced(Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        controller.close();
        informers.close();
        api.close();
    }

    /** Creates the CronJob; returns the first whole minute after its creation. */
    private Instant create(String name, String schedule, Consumer<CronJobBuilder> more) {
        CronJobBuilder b = new CronJobBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withSchedule(schedule).withNewJobTemplate().withNewMetadata().addToLabels("run", name)
                .endMetadata().withNewSpec().withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate().endSpec()
                .endJobTemplate().endSpec();
        more.accept(b);
        CronJob created = cronJobs.create(b.build());
        Instant at = Pods.time(created.getMetadata().getCreationTimestamp()).orElseThrow();
        await("the cronjob cached", () -> controller.cachedCronJob("default/" + name).isPresent());
        return at.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
    }

    /** Runs one sync at {@code now}, once the cache shows the CronJob as the API has it. */
    private void syncAt(String name, Instant now) {
        clock.set(now);
        String rv = cronJobs.get("default", name).orElseThrow().getMetadata().getResourceVersion();
        await("the cache current", () -> controller.cachedCronJob("default/" + name)
                .map(c -> c.getMetadata().getResourceVersion().equals(rv)).orElse(false));
        List<String> jobNames = jobs.list("default", ListOptions.EVERYTHING).items().stream()
                .map(j -> j.getMetadata().getResourceVersion()).toList();
        await("the jobs cached", () -> controller.cachedJobs("default").stream()
                .map(j -> j.getMetadata().getResourceVersion()).toList().containsAll(jobNames));
        controller.sync("default/" + name);
    }

    private List<Job> jobsOf(String name) {
        return jobs.list("default", ListOptions.labels("run=" + name)).items().stream()
                .filter(j -> !Owners.isDeleting(j)).toList();
    }

    private CronJob cronJob(String name) {
        return cronJobs.get("default", name).orElseThrow();
    }

    private List<Event> events(String reason) {
        return api.client().resource(Kind.EVENTS).list("default", ListOptions.EVERYTHING).items().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }

    private void finishJob(Job job, String condition, Instant start) {
        String s = start.toString();
        jobs.patchStatus("default", job.getMetadata().getName(), PatchType.MERGE, "{\"status\":{\"startTime\":\""
                + s + "\"," + (condition.equals("Complete") ? "\"completionTime\":\"" + s + "\"," : "")
                + "\"conditions\":[{\"type\":\"" + condition + "\",\"status\":\"True\",\"lastTransitionTime\":\"" + s
                + "\"}]}}");
    }

    @Test
    void everyMinuteCreatesAJobNamedAfterTheScheduledMinute() {
        Instant first = create("tick", "*/1 * * * *", b -> { });
        syncAt("tick", first.minusSeconds(1));
        assertThat(jobsOf("tick")).as("nothing before the first minute").isEmpty();

        syncAt("tick", first.plusSeconds(2));

        Job job = jobsOf("tick").getFirst();
        assertThat(job.getMetadata().getName()).isEqualTo("tick-" + first.getEpochSecond() / 60);
        assertThat(job.getMetadata().getAnnotations()).containsEntry(CronJobController.SCHEDULED_TIMESTAMP,
                first.toString());
        assertThat(Owners.controllerOf(job).orElseThrow().getKind()).isEqualTo("CronJob");
        CronJob cj = cronJob("tick");
        assertThat(cj.getStatus().getLastScheduleTime()).isEqualTo(first.toString());
        assertThat(cj.getStatus().getActive()).extracting(r -> r.getName()).containsExactly(job.getMetadata().getName());
        await("the SuccessfulCreate event", () -> !events("SuccessfulCreate").isEmpty());
        assertThat(events("SuccessfulCreate").getFirst().getMessage()).isEqualTo("Created job " + job.getMetadata().getName());

        syncAt("tick", first.plusSeconds(30));
        assertThat(jobsOf("tick")).as("the same minute runs once").hasSize(1);
    }

    @Test
    void moreThanAHundredMissedStartsWarnAndRunTheLatestOnce() {
        Instant first = create("late", "*/1 * * * *", b -> { });
        Instant now = first.plus(Duration.ofMinutes(180)).plusSeconds(5);
        syncAt("late", now);

        assertThat(jobsOf("late")).extracting(j -> j.getMetadata().getName())
                .containsExactly("late-" + first.plus(Duration.ofMinutes(180)).getEpochSecond() / 60);
        await("the warning", () -> !events("TooManyMissedTimes").isEmpty());
        assertThat(events("TooManyMissedTimes").getFirst().getMessage()).isEqualTo("too many missed start times. "
                + "Set or decrease .spec.startingDeadlineSeconds or check clock skew");
    }

    @Test
    void aStartingDeadlineSkipsTimesLongPast() {
        Instant first = create("strict", "*/1 * * * *", b -> b.editSpec().withStartingDeadlineSeconds(10L).endSpec());
        syncAt("strict", first.plusSeconds(30));
        assertThat(jobsOf("strict")).as("30 s after the time, with 10 s allowed").isEmpty();
        syncAt("strict", first.plusSeconds(65));
        assertThat(jobsOf("strict")).hasSize(1);
    }

    @Test
    void forbidWaitsForTheActiveJobAndReplaceDeletesIt() {
        Instant first = create("forbid", "*/1 * * * *", b -> b.editSpec().withConcurrencyPolicy("Forbid").endSpec());
        syncAt("forbid", first.plusSeconds(1));
        syncAt("forbid", first.plusSeconds(61));
        assertThat(jobsOf("forbid")).hasSize(1);
        await("JobAlreadyActive", () -> !events("JobAlreadyActive").isEmpty());
        assertThat(events("JobAlreadyActive").getFirst().getMessage())
                .isEqualTo("Not starting job because prior execution is running and concurrency policy is Forbid");

        Instant firstReplace = create("replace", "*/1 * * * *", b -> b.editSpec().withConcurrencyPolicy("Replace").endSpec());
        syncAt("replace", firstReplace.plusSeconds(1));
        String old = jobsOf("replace").getFirst().getMetadata().getName();
        syncAt("replace", firstReplace.plusSeconds(61));
        assertThat(jobsOf("replace")).extracting(j -> j.getMetadata().getName())
                .containsExactly("replace-" + (firstReplace.getEpochSecond() / 60 + 1));
        assertThat(cronJob("replace").getStatus().getActive()).hasSize(1);
        await("the delete event", () -> events("SuccessfulDelete").stream()
                .anyMatch(e -> e.getMessage().equals("Deleted job " + old)));

        Instant firstAllow = create("allow", "*/1 * * * *", b -> { });
        syncAt("allow", firstAllow.plusSeconds(1));
        syncAt("allow", firstAllow.plusSeconds(61));
        assertThat(jobsOf("allow")).hasSize(2);
        assertThat(cronJob("allow").getStatus().getActive()).hasSize(2);
    }

    @Test
    void finishedJobsLeaveActiveAndTheOldestBeyondTheHistoryLimitsAreDeleted() {
        Instant first = create("hist", "*/1 * * * *", b -> b.editSpec().withSuccessfulJobsHistoryLimit(2)
                .withFailedJobsHistoryLimit(1).endSpec());
        for (int i = 0; i < 6; i++) {
            syncAt("hist", first.plus(Duration.ofMinutes(i)).plusSeconds(1));
        }
        List<Job> all = jobsOf("hist").stream().sorted((a, b) -> a.getMetadata().getName()
                .compareTo(b.getMetadata().getName())).toList();
        assertThat(all).hasSize(6);
        for (int i = 0; i < 6; i++) {
            finishJob(all.get(i), i < 4 ? "Complete" : "Failed", first.plus(Duration.ofMinutes(i)));
        }
        syncAt("hist", first.plus(Duration.ofMinutes(5)).plusSeconds(2));

        assertThat(jobsOf("hist")).extracting(j -> j.getMetadata().getName()).containsExactlyInAnyOrder(
                all.get(2).getMetadata().getName(), all.get(3).getMetadata().getName(), all.get(5).getMetadata().getName());
        CronJob cj = cronJob("hist");
        assertThat(cj.getStatus().getActive()).isNullOrEmpty();
        await("SawCompletedJob", () -> events("SawCompletedJob").size() >= 6);
        assertThat(events("SawCompletedJob")).anySatisfy(e -> assertThat(e.getMessage())
                .isEqualTo("Saw completed job: " + all.get(5).getMetadata().getName() + ", condition: Failed"));
        syncAt("hist", first.plus(Duration.ofMinutes(5)).plusSeconds(3));
        assertThat(cronJob("hist").getStatus().getLastSuccessfulTime()).isEqualTo(first.plus(Duration.ofMinutes(3)).toString());
    }

    @Test
    void theTimeZoneDecidesWhenTheScheduleFires() {
        create("tokyo", "0 9 * * *", b -> b.editSpec().withTimeZone("Asia/Tokyo").endSpec());
        Instant created = Pods.time(cronJob("tokyo").getMetadata().getCreationTimestamp()).orElseThrow();
        Instant nineInTokyo = CronSchedule.parse("0 9 * * *").next(created, ZoneId.of("Asia/Tokyo")).orElseThrow();
        assertThat(nineInTokyo.atZone(ZoneOffset.UTC).getHour()).isZero();
        syncAt("tokyo", nineInTokyo.plusSeconds(5));
        Job job = jobsOf("tokyo").getFirst();
        assertThat(job.getMetadata().getAnnotations().get(CronJobController.SCHEDULED_TIMESTAMP)).endsWith("T09:00:00+09:00");
    }

    @Test
    void missedTimesAreCountedOnTheSchedule() {
        CronSchedule hourly = CronSchedule.parse("@hourly");
        Instant earliest = Instant.parse("2026-01-01T00:00:00Z");
        ScheduleTimes.Due none = ScheduleTimes.mostRecent(hourly, ZoneOffset.UTC, earliest, earliest.plusSeconds(10));
        assertThat(none.mostRecent()).isEmpty();
        ScheduleTimes.Due one = ScheduleTimes.mostRecent(hourly, ZoneOffset.UTC, earliest, Instant.parse("2026-01-01T01:30:00Z"));
        assertThat(one.mostRecent()).contains(Instant.parse("2026-01-01T01:00:00Z"));
        assertThat(one.tooManyMissed()).isFalse();
        ScheduleTimes.Due many = ScheduleTimes.mostRecent(hourly, ZoneOffset.UTC, earliest, Instant.parse("2026-01-06T00:30:00Z"));
        assertThat(many.mostRecent()).contains(Instant.parse("2026-01-06T00:00:00Z"));
        assertThat(many.missed()).isEqualTo(120);
        assertThat(many.tooManyMissed()).isTrue();
    }
}
