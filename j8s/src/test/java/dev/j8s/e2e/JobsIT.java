package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Jobs and CronJobs driven by the real kubectl against {@code j8s server} with real pods: completions and
 * parallelism with {@code kubectl wait --for=condition=complete}, Indexed pods reading {@code JOB_COMPLETION_INDEX},
 * the back-off limit, a pod failure policy on an exit code, {@code ttlSecondsAfterFinished}, a CronJob's first run
 * and {@code kubectl create job --from=cronjob/…}.
 */
class JobsIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("jobs-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    private static final Duration FINISH = Duration.ofSeconds(150);

    static Kubectl kubectl() {
        return SERVERS.kubectl();
    }

    static JsonNode json(String... args) {
        return Await.json(kubectl().run(args));
    }

    /** A Job whose one container runs {@code script} under sh. */
    static String job(String name, String extraSpec, String script) {
        return """
                apiVersion: batch/v1
                kind: Job
                metadata:
                  name: %s
                spec:
                %s  template:
                    spec:
                      restartPolicy: Never
                      terminationGracePeriodSeconds: 2
                      containers:
                      - name: main
                        image: %s
                        command: ["sh", "-c", %s]
                """.formatted(name, extraSpec, REGISTRY.image("1.0"), quoted(script));
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static void apply(String name, String manifest) {
        kubectl().run("apply", "-f", SERVERS.file(name + ".yaml", manifest).toString()).ok();
    }

    static List<JsonNode> podsOf(String job) {
        List<JsonNode> out = new ArrayList<>();
        json("get", "pods", "-l", "batch.kubernetes.io/job-name=" + job, "-o", "json").path("items").forEach(out::add);
        return out;
    }

    private static JsonNode condition(JsonNode job, String type) {
        for (JsonNode c : job.at("/status/conditions")) {
            if (c.path("type").asText().equals(type)) {
                return c;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    @Test
    void threeCompletionsTwoAtATimeCompleteAndKubectlWaitReturns() {
        apply("three", job("three", "  completions: 3\n  parallelism: 2\n", "sleep 1; echo done"));

        Kubectl.Result wait = kubectl().run("wait", "--for=condition=complete", "job/three",
                "--timeout=" + FINISH.toSeconds() + "s").ok();

        assertThat(wait.stdout()).isEqualTo("job.batch/three condition met\n");
        JsonNode job = json("get", "job", "three", "-o", "json");
        assertThat(job.at("/status/succeeded").asInt()).isEqualTo(3);
        assertThat(job.at("/status/failed").asInt()).isZero();
        assertThat(condition(job, "Complete").path("reason").asText()).isEqualTo("CompletionsReached");
        assertThat(job.at("/spec/selector/matchLabels/batch.kubernetes.io~1controller-uid").asText())
                .isEqualTo(job.at("/metadata/uid").asText());
        List<JsonNode> pods = Await.until(Duration.ofSeconds(30), "the finalizers removed", () -> podsOf("three"),
                ps -> ps.stream().allMatch(p -> p.at("/metadata/finalizers").isEmpty()));
        assertThat(pods).hasSize(3).allSatisfy(p -> assertThat(p.at("/status/phase").asText()).isEqualTo("Succeeded"));
        List<List<String>> table = kubectl().run("get", "jobs", "three").ok().cells();
        assertThat(table.get(0)).containsExactly("NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE");
        assertThat(table.get(1).subList(0, 3)).containsExactly("three", "Complete", "3/3");
    }

    @Test
    void indexedPodsEachSeeTheirCompletionIndex() {
        apply("indexed", job("indexed", "  completions: 3\n  parallelism: 3\n  completionMode: Indexed\n",
                "echo index=$JOB_COMPLETION_INDEX"));
        kubectl().run("wait", "--for=condition=complete", "job/indexed", "--timeout=" + FINISH.toSeconds() + "s").ok();

        Map<String, String> logsByIndex = new HashMap<>();
        for (JsonNode p : podsOf("indexed")) {
            String index = p.at("/metadata/annotations/batch.kubernetes.io~1job-completion-index").asText();
            assertThat(p.at("/metadata/labels/batch.kubernetes.io~1job-completion-index").asText()).isEqualTo(index);
            assertThat(p.at("/spec/hostname").asText()).isEqualTo("indexed-" + index);
            logsByIndex.put(index, kubectl().run("logs", p.at("/metadata/name").asText()).ok().stdout());
        }
        assertThat(logsByIndex).containsExactlyInAnyOrderEntriesOf(Map.of(
                "0", "index=0\n", "1", "index=1\n", "2", "index=2\n"));
        assertThat(json("get", "job", "indexed", "-o", "json").at("/status/completedIndexes").asText()).isEqualTo("0-2");
    }

    @Test
    void aFailingJobReachesItsBackoffLimit() {
        apply("failing", job("failing", "  backoffLimit: 1\n", "exit 1"));

        kubectl().run("wait", "--for=condition=failed", "job/failing", "--timeout=" + FINISH.toSeconds() + "s").ok();

        JsonNode job = json("get", "job", "failing", "-o", "json");
        assertThat(condition(job, "Failed").path("reason").asText()).isEqualTo("BackoffLimitExceeded");
        assertThat(condition(job, "Failed").path("message").asText()).isEqualTo("Job has reached the specified backoff limit");
        assertThat(job.at("/status/failed").asInt()).isEqualTo(2);
        assertThat(podsOf("failing")).hasSize(2);
        assertThat(kubectl().run("get", "events", "--field-selector", "reason=BackoffLimitExceeded", "-o", "name")
                .ok().stdout()).isNotEmpty();
    }

    @Test
    void aPodFailurePolicyRuleOnExitCode42FailsTheJobAtOnce() {
        apply("policy", job("policy", """
                  backoffLimit: 6
                  podFailurePolicy:
                    rules:
                    - action: FailJob
                      onExitCodes:
                        containerName: main
                        operator: In
                        values: [42]
                """, "exit 42"));

        kubectl().run("wait", "--for=condition=failed", "job/policy", "--timeout=" + FINISH.toSeconds() + "s").ok();

        JsonNode job = json("get", "job", "policy", "-o", "json");
        JsonNode failed = condition(job, "Failed");
        assertThat(failed.path("reason").asText()).isEqualTo("PodFailurePolicy");
        assertThat(failed.path("message").asText()).matches(
                "Container main for pod default/policy-[a-z0-9]{5} failed with exit code 42 matching FailJob rule at index 0");
        assertThat(podsOf("policy")).as("no retry").hasSize(1);
    }

    @Test
    void aFinishedJobWithATtlOfFiveSecondsIsRemoved() {
        apply("short", job("short", "  ttlSecondsAfterFinished: 5\n", "echo bye"));
        kubectl().run("wait", "--for=condition=complete", "job/short", "--timeout=" + FINISH.toSeconds() + "s").ok();

        Await.until(Duration.ofSeconds(60), "the job removed",
                () -> kubectl().run("get", "jobs", "-o", "name").ok().stdout(), out -> !out.contains("job.batch/short"));
        Await.until(Duration.ofSeconds(60), "its pods removed", () -> podsOf("short"), List::isEmpty);
    }

    @Test
    void aCronJobEveryMinuteRunsWithinItsFirstMinuteAndCreateJobFromItWorks() {
        apply("tick", """
                apiVersion: batch/v1
                kind: CronJob
                metadata:
                  name: tick
                spec:
                  schedule: "*/1 * * * *"
                  jobTemplate:
                    metadata:
                      labels:
                        cron: tick
                    spec:
                      template:
                        spec:
                          restartPolicy: Never
                          containers:
                          - name: main
                            image: %s
                            command: ["sh", "-c", "echo tick"]
                """.formatted(REGISTRY.image("1.0")));
        List<List<String>> table = kubectl().run("get", "cronjobs").ok().cells();
        assertThat(table.get(0)).containsExactly("NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE");
        assertThat(table.get(1).subList(0, 4)).containsExactly("tick", "*/1 * * * *", "<none>", "False");

        JsonNode first = Await.until(Duration.ofSeconds(75), "a job within the first minute",
                () -> json("get", "jobs", "-l", "cron=tick", "-o", "json").path("items"), items -> !items.isEmpty()).get(0);
        assertThat(first.at("/metadata/name").asText()).matches("tick-[0-9]{8}");
        long minute = Long.parseLong(first.at("/metadata/name").asText().substring("tick-".length()));
        assertThat(first.at("/metadata/annotations/batch.kubernetes.io~1cronjob-scheduled-timestamp").asText())
                .isEqualTo(java.time.Instant.ofEpochSecond(minute * 60).toString());
        assertThat(first.at("/metadata/ownerReferences/0/kind").asText()).isEqualTo("CronJob");

        assertThat(kubectl().run("create", "job", "by-hand", "--from=cronjob/tick").ok().stdout())
                .isEqualTo("job.batch/by-hand created\n");
        kubectl().run("wait", "--for=condition=complete", "job/by-hand", "--timeout=" + FINISH.toSeconds() + "s").ok();
        JsonNode manual = json("get", "job", "by-hand", "-o", "json");
        assertThat(manual.at("/metadata/annotations/cronjob.kubernetes.io~1instantiate").asText()).isEqualTo("manual");
        assertThat(manual.at("/metadata/ownerReferences/0/name").asText()).isEqualTo("tick");
        assertThat(manual.at("/metadata/labels/cron").asText()).isEqualTo("tick");

        kubectl().run("delete", "cronjob", "tick").ok();
        Await.until(Duration.ofSeconds(60), "its jobs removed with it",
                () -> json("get", "jobs", "-l", "cron=tick", "-o", "json").path("items"), JsonNode::isEmpty);
    }

    @Test
    void invalidJobsAreRefusedWithUpstreamsMessages() {
        Kubectl.Result noRestartPolicy = kubectl().run("apply", "-f", SERVERS.file("bad.yaml",
                job("bad", "", "true").replace("      restartPolicy: Never\n", "")).toString()).failed();
        assertThat(noRestartPolicy.stderr()).contains("The Job \"bad\" is invalid: spec.template.spec.restartPolicy: "
                + "Required value: valid values: \"OnFailure\", \"Never\"");
        Kubectl.Result badSchedule = kubectl().run("create", "cronjob", "bad", "--image=" + REGISTRY.image("1.0"),
                "--schedule=61 * * * *").failed();
        assertThat(badSchedule.stderr()).contains("spec.schedule: Invalid value: \"61 * * * *\": "
                + "end of range (61) above maximum (59): 61");
    }
}
