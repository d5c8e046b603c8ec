package dev.j8s.controllers.common;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.testing.ManualClock;
import dev.j8s.apiserver.testing.LocalApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventRecorderTest {

    @TempDir
    Path dir;

    @Test
    void aRepeatedEventIsFoldedIntoOneWithItsCount() {
        try (LocalApi api = LocalApi.open(dir);
             EventRecorder recorder = new EventRecorder(api.client(), "replicaset-controller", new ManualClock())) {
            ConfigMap involved = api.client().resource(Kind.CONFIG_MAPS).create(new ConfigMapBuilder()
                    .withNewMetadata().withName("web").withNamespace("default").endMetadata().build());
            recorder.event(involved, EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: web-abcde");
            recorder.event(involved, EventRecorder.NORMAL, "SuccessfulCreate", "Created pod: web-abcde");
            recorder.event(involved, EventRecorder.WARNING, "FailedCreate", "Error creating: quota");

            await("two events, one counted twice", () -> {
                List<Event> events = api.client().resource(Kind.EVENTS).list("default", ListOptions.EVERYTHING).items();
                return events.size() == 2 && events.stream().anyMatch(e -> e.getCount() == 2);
            });
            Event created = api.client().resource(Kind.EVENTS).list("default", ListOptions.EVERYTHING).items()
                    .stream().filter(e -> e.getReason().equals("SuccessfulCreate")).findFirst().orElseThrow();
            assertThat(created.getSource().getComponent()).isEqualTo("replicaset-controller");
            assertThat(created.getInvolvedObject().getKind()).isEqualTo("ConfigMap");
            assertThat(created.getInvolvedObject().getUid()).isEqualTo(involved.getMetadata().getUid());
            assertThat(created.getType()).isEqualTo("Normal");
            assertThat(created.getMessage()).isEqualTo("Created pod: web-abcde");
        }
    }
}
