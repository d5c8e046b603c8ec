package dev.j8s.controllers.podgc;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.api.testing.ManualClock;
import dev.j8s.apiserver.storage.SqliteStore;
import dev.j8s.apiserver.testing.LocalApi;
import dev.j8s.controllers.informers.InformerFactory;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodGarbageCollectorTest {

    @TempDir
    Path dir;

    @Test
    void finishedPodsBeyondTheThresholdGoOldestFirst() {
        ManualClock clock = new ManualClock();
        try (LocalApi api = LocalApi.open(dir, SqliteStore.DEFAULT_RETAINED_REVISIONS, clock);
             InformerFactory informers = new InformerFactory(api.client(), Duration.ofMinutes(10))) {
            ResourceClient<Pod> pods = api.client().resource(Kind.PODS);
            for (String name : List.of("first", "second", "third", "running")) {
                pods.create(new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                        .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                        .build());
                if (!name.equals("running")) {
                    pods.patchStatus("default", name, PatchType.MERGE, "{\"status\":{\"phase\":\"Succeeded\"}}");
                }
                clock.advance(Duration.ofMinutes(1));
            }
            PodGarbageCollector gc = new PodGarbageCollector(api.client(), informers, clock, 2);
            informers.start();
            informers.awaitSynced(Duration.ofSeconds(10));
            await("the informer saw the phases", () -> informers.informer(Kind.PODS).list().stream()
                    .filter(p -> "Succeeded".equals(p.getStatus().getPhase())).count() == 3);

            assertThat(gc.gc()).containsExactly("default/first");
            assertThat(pods.get("default", "first")).isEmpty();
            assertThat(pods.get("default", "second")).isPresent();
            assertThat(pods.get("default", "running")).isPresent();
        }
    }
}
