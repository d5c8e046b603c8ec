package dev.j8s.controllers.ttlafterfinished;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.api.testing.ManualClock;
import dev.j8s.apiserver.testing.LocalApi;
import dev.j8s.controllers.informers.InformerFactory;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finished Jobs go once their TTL has passed on the controller's clock, in the foreground; others stay. */
class TtlAfterFinishedControllerTest {

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));
    private LocalApi api;
    private InformerFactory informers;
    private TtlAfterFinishedController controller;
    private ResourceClient<Job> jobs;

    @BeforeEach
    void start() {
        api = LocalApi.open(dir);
        jobs = api.client().resource(Kind.JOBS);
        informers = new InformerFactory(api.client(), Duration.ofMinutes(10));
        controller = new TtlAfterFinishedController(api.client(), informers, clock);
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

    private void createFinished(String name, Integer ttl, String condition) {
        jobs.create(new JobBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withTtlSecondsAfterFinished(ttl).withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().endTemplate().endSpec()
                .build());
        if (condition != null) {
            jobs.patchStatus("default", name, PatchType.MERGE, "{\"status\":{\"conditions\":[{\"type\":\"" + condition
                    + "\",\"status\":\"True\",\"lastTransitionTime\":\"2026-03-01T10:00:00Z\"}]}}");
        }
    }

    private void poke(String name) {
        jobs.patch("default", name, PatchType.MERGE, "{\"metadata\":{\"annotations\":{\"poke\":\"" + clock.instant() + "\"}}}");
    }

    private boolean deleting(String name) {
        return jobs.get("default", name).map(j -> j.getMetadata().getDeletionTimestamp() != null).orElse(true);
    }

    @Test
    void aFinishedJobIsDeletedInTheForegroundOnceItsTtlHasPassed() {
        createFinished("done", 5, "Complete");
        createFinished("failed", 5, "Failed");
        createFinished("running", 5, null);
        createFinished("kept", null, "Complete");
        clock.advance(Duration.ofSeconds(4));
        poke("done");
        assertThat(deleting("done")).as("4 s after finishing").isFalse();
        clock.advance(Duration.ofSeconds(2));
        poke("done");
        poke("failed");
        await("both finished jobs deleted", () -> deleting("done") && deleting("failed"));
        Job done = jobs.get("default", "done").orElseThrow();
        assertThat(done.getMetadata().getFinalizers()).contains("foregroundDeletion");
        poke("running");
        poke("kept");
        assertThat(deleting("running")).isFalse();
        assertThat(deleting("kept")).isFalse();
    }

    @Test
    void expiryIsTheFinishTimePlusTheTtl() {
        Job job = new JobBuilder().withNewSpec().withTtlSecondsAfterFinished(5).endSpec().withNewStatus()
                .addNewCondition().withType("Complete").withStatus("True")
                .withLastTransitionTime("2026-03-01T10:00:00Z").endCondition().endStatus().build();
        assertThat(TtlAfterFinishedController.timeLeft(job, Instant.parse("2026-03-01T10:00:02Z")))
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(TtlAfterFinishedController.needsCleanup(job)).isTrue();
    }
}
