package dev.j8s.controllers.job;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

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
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Job controller against a real API server on SQLite; the test plays the kubelet (pods succeed or fail when
 * it says so) and owns the clock, so back-off and deadlines are checked without waiting.
 */
class JobControllerTest {

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));
    private LocalApi api;
    private InformerFactory informers;
    private JobController controller;
    private ResourceClient<Job> jobs;
    private ResourceClient<Pod> pods;

    @BeforeEach
    void start() {
        api = LocalApi.open(dir);
        jobs = api.client().resource(Kind.JOBS);
        pods = api.client().resource(Kind.PODS);
        informers = new InformerFactory(api.client(), Duration.ofMinutes(10));
        controller = new JobController(api.client(), informers, clock, 2);
        informers.start();
        informers.awaitSynced(Duration.ofSeconds(10));
        controller.start();
    }

    @AfterEach
    void stop() {
        controller.close();
        informers.close();
        api.close();
    }

    private Job create(String name, Consumer<JobBuilder> spec) {
        JobBuilder b = new JobBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNewTemplate().withNewSpec().withRestartPolicy("Never").addNewContainer()
                .withName("main").withImage("busybox").endContainer().endSpec().endTemplate().endSpec();
        spec.accept(b);
        return jobs.create(b.build());
    }

    private Job job(String name) {
        return jobs.get("default", name).orElseThrow();
    }

    private List<Pod> podsOf(String job) {
        return pods.list("default", ListOptions.labels("batch.kubernetes.io/job-name=" + job)).items();
    }

    private List<Pod> running(String job) {
        return podsOf(job).stream().filter(p -> !Pods.isTerminal(p) && !Owners.isDeleting(p)).toList();
    }

    /** Ends a pod as the kubelet would: its container terminated with {@code exitCode} (a pod gone is left so). */
    private void finish(Pod pod, int exitCode) {
        String at = JobController.timestamp(clock.instant());
        try {
            patchFinished(pod, exitCode, at);
        } catch (dev.j8s.api.ClusterException.NotFound gone) {
            // its finalizer was removed and it is deleted: nothing left to end
        }
    }

    private void patchFinished(Pod pod, int exitCode, String at) {
        pods.patchStatus("default", pod.getMetadata().getName(), PatchType.MERGE, "{\"status\":{\"phase\":\""
                + (exitCode == 0 ? "Succeeded" : "Failed") + "\",\"containerStatuses\":[{\"name\":\"main\","
                + "\"image\":\"busybox\",\"imageID\":\"\",\"ready\":false,\"restartCount\":0,\"state\":{\"terminated\":"
                + "{\"exitCode\":" + exitCode + ",\"finishedAt\":\"" + at + "\",\"startedAt\":\"" + at + "\"}}}]}}");
    }

    private Optional<JobCondition> condition(String name, String type) {
        Job j = job(name);
        return j.getStatus() == null || j.getStatus().getConditions() == null ? Optional.empty()
                : j.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private List<Event> events(String reason) {
        return api.client().resource(Kind.EVENTS).list("default", ListOptions.EVERYTHING).items().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }

    /** Touches the Job so the controller looks at it again (after the test moved the clock). */
    private void poke(String name) {
        jobs.patch("default", name, PatchType.MERGE,
                "{\"metadata\":{\"annotations\":{\"poke\":\"" + clock.instant() + "\"}}}");
    }

    @Test
    void threeCompletionsTwoAtATimeCompleteWithExactlyThreeSuccessfulPods() {
        create("pi", b -> b.editSpec().withCompletions(3).withParallelism(2).endSpec());
        Set<String> seen = new HashSet<>();
        int maxRunning = 0;
        while (condition("pi", "Complete").isEmpty()) {
            await("a new pod or the job complete", () -> running("pi").stream()
                    .anyMatch(p -> !seen.contains(p.getMetadata().getUid())) || condition("pi", "Complete").isPresent());
            List<Pod> now = running("pi");
            maxRunning = Math.max(maxRunning, now.size());
            for (Pod p : now) {
                if (seen.add(p.getMetadata().getUid())) {
                    assertThat(p.getMetadata().getFinalizers()).contains(JobController.TRACKING_FINALIZER);
                    assertThat(p.getMetadata().getName()).startsWith("pi-");
                    finish(p, 0);
                }
            }
        }
        Job done = job("pi");
        assertThat(done.getStatus().getSucceeded()).isEqualTo(3);
        assertThat(done.getStatus().getFailed()).isZero();
        assertThat(done.getStatus().getActive()).isZero();
        assertThat(done.getStatus().getCompletionTime()).isNotNull();
        assertThat(maxRunning).isLessThanOrEqualTo(2);
        assertThat(seen).hasSize(3);
        assertThat(condition("pi", "SuccessCriteriaMet").orElseThrow().getReason()).isEqualTo("CompletionsReached");
        JobCondition complete = condition("pi", "Complete").orElseThrow();
        assertThat(complete.getReason()).isEqualTo("CompletionsReached");
        assertThat(complete.getMessage()).isEqualTo("Reached expected number of succeeded pods");
        await("no pod keeps the tracking finalizer", () -> podsOf("pi").stream().noneMatch(JobController::hasFinalizer));
        await("the Completed event", () -> events("Completed").size() == 1);
        assertThat(events("Completed").getFirst().getMessage()).isEqualTo("Job completed");
    }

    @Test
    void indexedPodsCarryTheirIndexAndEachIndexCompletesOnce() {
        create("idx", b -> b.editSpec().withCompletions(3).withParallelism(3).withCompletionMode("Indexed").endSpec());
        await("three indexed pods", () -> running("idx").size() == 3);
        Set<String> indexes = new HashSet<>();
        for (Pod p : running("idx")) {
            String i = p.getMetadata().getAnnotations().get(JobController.COMPLETION_INDEX);
            indexes.add(i);
            assertThat(p.getMetadata().getLabels()).containsEntry(JobController.COMPLETION_INDEX, i);
            assertThat(p.getMetadata().getName()).startsWith("idx-" + i + "-");
            assertThat(p.getSpec().getHostname()).isEqualTo("idx-" + i);
            assertThat(p.getSpec().getContainers().getFirst().getEnv()).anySatisfy(e -> {
                assertThat(e.getName()).isEqualTo("JOB_COMPLETION_INDEX");
                assertThat(e.getValueFrom().getFieldRef().getFieldPath())
                        .isEqualTo("metadata.annotations['batch.kubernetes.io/job-completion-index']");
            });
        }
        assertThat(indexes).containsExactlyInAnyOrder("0", "1", "2");
        Pod one = running("idx").stream().filter(p -> JobController.index(p) == 1).findFirst().orElseThrow();
        finish(one, 0);
        await("index 1 completed", () -> "1".equals(job("idx").getStatus().getCompletedIndexes()));
        running("idx").forEach(p -> finish(p, 0));
        await("the job complete", () -> condition("idx", "Complete").isPresent());
        assertThat(job("idx").getStatus().getCompletedIndexes()).isEqualTo("0-2");
        assertThat(job("idx").getStatus().getSucceeded()).isEqualTo(3);
    }

    @Test
    void failuresBackOffTenSecondsThenTwentyAndTheLimitFailsTheJob() {
        create("flaky", b -> b.editSpec().withBackoffLimit(2).endSpec());
        await("the first pod", () -> running("flaky").size() == 1);
        finish(running("flaky").getFirst(), 1);
        await("the failure counted", () -> Integer.valueOf(1).equals(job("flaky").getStatus().getFailed()));
        poke("flaky");
        clock.advance(Duration.ofSeconds(9));
        poke("flaky");
        await("the failed pod's finalizer removed", () -> podsOf("flaky").stream().noneMatch(JobController::hasFinalizer));
        assertThat(running("flaky")).as("no new pod before 10 s").isEmpty();
        clock.advance(Duration.ofSeconds(2));
        poke("flaky");
        await("a second pod after 10 s", () -> running("flaky").size() == 1);
        finish(running("flaky").getFirst(), 1);
        await("two failures counted", () -> Integer.valueOf(2).equals(job("flaky").getStatus().getFailed()));
        clock.advance(Duration.ofSeconds(11));
        poke("flaky");
        assertThat(running("flaky")).as("no new pod before 20 s").isEmpty();
        clock.advance(Duration.ofSeconds(10));
        poke("flaky");
        await("a third pod after 20 s", () -> running("flaky").size() == 1);
        finish(running("flaky").getFirst(), 1);
        await("the job failed", () -> condition("flaky", "Failed").isPresent());
        JobCondition failed = condition("flaky", "Failed").orElseThrow();
        assertThat(failed.getReason()).isEqualTo("BackoffLimitExceeded");
        assertThat(failed.getMessage()).isEqualTo("Job has reached the specified backoff limit");
        assertThat(condition("flaky", "FailureTarget").orElseThrow().getReason()).isEqualTo("BackoffLimitExceeded");
        assertThat(job("flaky").getStatus().getFailed()).isEqualTo(3);
        assertThat(podsOf("flaky")).hasSize(3);
        await("the warning event", () -> !events("BackoffLimitExceeded").isEmpty());
    }

    @Test
    void backoffDoublesFromTenSecondsUpToTenMinutes() {
        assertThat(Backoff.delay(0)).isEqualTo(Duration.ZERO);
        assertThat(Backoff.delay(1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(Backoff.delay(2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(Backoff.delay(6)).isEqualTo(Duration.ofSeconds(320));
        assertThat(Backoff.delay(7)).isEqualTo(Duration.ofMinutes(10));
        assertThat(Backoff.delay(40)).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void aFailJobRuleOnExitCode42FailsTheJobAtOnce() {
        create("policy", b -> b.editSpec().withBackoffLimit(6).withParallelism(2).withCompletions(4)
                .withNewPodFailurePolicy().addNewRule().withAction("FailJob").withNewOnExitCodes()
                .withOperator("In").withValues(42).endOnExitCodes().endRule().endPodFailurePolicy().endSpec());
        await("two pods", () -> running("policy").size() == 2);
        Pod victim = running("policy").getFirst();
        finish(victim, 42);
        await("the failure target at once", () -> condition("policy", "FailureTarget").isPresent());
        await("the other pod deleted", () -> running("policy").isEmpty());
        // the kubelet ends the deleted pod; then the Job is Failed
        podsOf("policy").stream().filter(p -> !Pods.isTerminal(p)).forEach(p -> finish(p, 137));
        await("the job failed", () -> condition("policy", "Failed").isPresent());
        JobCondition failed = condition("policy", "Failed").orElseThrow();
        assertThat(failed.getReason()).isEqualTo("PodFailurePolicy");
        assertThat(failed.getMessage()).isEqualTo("Container main for pod default/" + victim.getMetadata().getName()
                + " failed with exit code 42 matching FailJob rule at index 0");
        assertThat(job("policy").getStatus().getFailed()).as("the deleted pod counts as failed too").isEqualTo(2);
    }

    @Test
    void anIgnoreRuleNeitherCountsNorFails() {
        create("ignore", b -> b.editSpec().withBackoffLimit(0).withNewPodFailurePolicy().addNewRule()
                .withAction("Ignore").withNewOnExitCodes().withOperator("In").withValues(3).endOnExitCodes().endRule()
                .endPodFailurePolicy().endSpec());
        await("a pod", () -> running("ignore").size() == 1);
        String first = running("ignore").getFirst().getMetadata().getUid();
        finish(running("ignore").getFirst(), 3);
        await("a replacement", () -> running("ignore").stream().anyMatch(p -> !p.getMetadata().getUid().equals(first)));
        assertThat(job("ignore").getStatus().getFailed()).isZero();
        finish(running("ignore").getFirst(), 0);
        await("complete", () -> condition("ignore", "Complete").isPresent());
    }

    @Test
    void theActiveDeadlineFailsTheJobAndDeletesItsPods() {
        create("slow", b -> b.editSpec().withActiveDeadlineSeconds(30L).endSpec());
        await("a pod and the start time", () -> running("slow").size() == 1
                && job("slow").getStatus().getStartTime() != null);
        clock.advance(Duration.ofSeconds(31));
        poke("slow");
        await("the job failed", () -> condition("slow", "FailureTarget").isPresent());
        assertThat(condition("slow", "FailureTarget").orElseThrow().getReason()).isEqualTo("DeadlineExceeded");
        await("its pod deleted", () -> running("slow").isEmpty());
        // the kubelet ends the deleted pod; then the Job is Failed
        podsOf("slow").forEach(p -> finish(p, 137));
        await("Failed", () -> condition("slow", "Failed").isPresent());
        assertThat(condition("slow", "Failed").orElseThrow().getMessage())
                .isEqualTo("Job was active longer than specified deadline");
    }

    @Test
    void aSuspendedJobHasNoPodsUntilResumed() {
        create("later", b -> b.editSpec().withSuspend(true).endSpec());
        await("suspended", () -> condition("later", "Suspended").isPresent());
        assertThat(condition("later", "Suspended").orElseThrow().getReason()).isEqualTo("JobSuspended");
        assertThat(podsOf("later")).isEmpty();
        assertThat(job("later").getStatus().getStartTime()).isNull();
        jobs.patch("default", "later", PatchType.MERGE, "{\"spec\":{\"suspend\":false}}");
        await("resumed with a pod", () -> running("later").size() == 1
                && "False".equals(condition("later", "Suspended").orElseThrow().getStatus()));
        assertThat(condition("later", "Suspended").orElseThrow().getStatus()).isEqualTo("False");
        assertThat(condition("later", "Suspended").orElseThrow().getReason()).isEqualTo("JobResumed");
        assertThat(job("later").getStatus().getStartTime()).isNotNull();
    }

    @Test
    void aSuccessPolicyCompletesAnIndexedJobEarly() {
        create("leader", b -> b.editSpec().withCompletions(3).withParallelism(3).withCompletionMode("Indexed")
                .withNewSuccessPolicy().addNewRule().withSucceededIndexes("0").endRule().endSuccessPolicy().endSpec());
        await("three pods", () -> running("leader").size() == 3);
        finish(running("leader").stream().filter(p -> JobController.index(p) == 0).findFirst().orElseThrow(), 0);
        await("success criteria met", () -> condition("leader", "SuccessCriteriaMet").isPresent());
        assertThat(condition("leader", "SuccessCriteriaMet").orElseThrow().getReason()).isEqualTo("SuccessPolicy");
        assertThat(condition("leader", "SuccessCriteriaMet").orElseThrow().getMessage()).isEqualTo("Matched rules at index 0");
        await("the others deleted", () -> running("leader").isEmpty());
        podsOf("leader").stream().filter(p -> !Pods.isTerminal(p)).forEach(p -> finish(p, 137));
        await("Complete", () -> condition("leader", "Complete").isPresent());
    }

    @Test
    void completedIndexesAreWrittenAsIntervals() {
        assertThat(Indexes.format(new java.util.TreeSet<>(List.of(0, 1, 2, 3, 5, 7, 8)))).isEqualTo("0-3,5,7-8");
        assertThat(Indexes.parse("0-3,5,7-8", 8)).containsExactly(0, 1, 2, 3, 5, 7);
        assertThat(Indexes.format(new java.util.TreeSet<>())).isEmpty();
    }
}
