package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Job controller survives a SIGKILL of {@code j8s server} while a Job runs: after the restart the Job
 * completes with exactly {@code completions} successful pods, none counted twice and none left behind with the
 * tracking finalizer.
 */
class JobRestartIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("job-restart-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    private static JsonNode json(String... args) {
        return Await.json(SERVERS.kubectl().run(args));
    }

    @Test
    void aJobInterruptedByKill9FinishesWithExactlyItsCompletions() {
        SERVERS.kubectl().run("apply", "-f", SERVERS.file("steady.yaml", """
                apiVersion: batch/v1
                kind: Job
                metadata:
                  name: steady
                spec:
                  completions: 5
                  parallelism: 2
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                      - name: main
                        image: %s
                        command: ["sh", "-c", "sleep 3; echo done"]
                """.formatted(REGISTRY.image("1.0"))).toString()).ok();
        Await.until(Duration.ofSeconds(120), "the job under way", () -> json("get", "job", "steady", "-o", "json"),
                j -> j.at("/status/succeeded").asInt() >= 1 && j.at("/status/active").asInt() >= 1);

        SERVERS.server().kill9();
        SERVERS.server().restart();

        SERVERS.kubectl().run("wait", "--for=condition=complete", "job/steady", "--timeout=180s").ok();
        JsonNode job = json("get", "job", "steady", "-o", "json");
        assertThat(job.at("/status/succeeded").asInt()).isEqualTo(5);
        assertThat(job.at("/status/failed").asInt()).isZero();
        List<JsonNode> pods = Await.until(Duration.ofSeconds(60), "every pod finished and released", () -> {
            List<JsonNode> out = new java.util.ArrayList<>();
            json("get", "pods", "-l", "batch.kubernetes.io/job-name=steady", "-o", "json").path("items").forEach(out::add);
            return out;
        }, ps -> ps.stream().allMatch(p -> p.at("/metadata/finalizers").isEmpty()
                && List.of("Succeeded", "Failed").contains(p.at("/status/phase").asText())));
        assertThat(pods.stream().filter(p -> p.at("/status/phase").asText().equals("Succeeded")).count())
                .as("exactly the completions succeeded").isEqualTo(5);
        assertThat(pods).as("no pod created beyond them").hasSize(5);
    }
}
