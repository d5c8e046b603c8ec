package dev.j8s.kubelet.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.kubelet.logs.LogOptions;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.eclipse.jetty.util.Fields;
import org.junit.jupiter.api.Test;

class KubeletApiHandlerTest {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    private static Fields query(String... pairs) {
        Fields fields = new Fields();
        for (int i = 0; i < pairs.length; i += 2) {
            fields.add(pairs[i], pairs[i + 1]);
        }
        return fields;
    }

    @Test
    void theContainerLogQueryParametersAreUpstreamsPodLogOptions() {
        LogOptions options = KubeletApiHandler.logOptions(query("follow", "true", "previous", "1", "timestamps", "true",
                "tailLines", "5", "limitBytes", "100", "sinceSeconds", "60"), "app", NOW);

        assertThat(options).isEqualTo(new LogOptions("app", true, true, OptionalLong.of(5), true,
                Optional.of(NOW.minusSeconds(60)), OptionalLong.of(100)));
    }

    @Test
    void withoutParametersTheWholeLogIsReadOnce() {
        assertThat(KubeletApiHandler.logOptions(query(), "app", NOW)).isEqualTo(new LogOptions("app", false, false,
                OptionalLong.empty(), false, Optional.empty(), OptionalLong.empty()));
        assertThat(KubeletApiHandler.logOptions(query("follow", "false", "previous", "0"), "app", NOW).follow())
                .isFalse();
    }

    @Test
    void sinceTimeIsAnRfc3339Instant() {
        assertThat(KubeletApiHandler.logOptions(query("sinceTime", "2026-12-07T11:00:00Z"), "app", NOW).since())
                .contains(Instant.parse("2026-12-07T11:00:00Z"));
    }

    @Test
    void badParametersAreRefusedNamingThem() {
        assertThatThrownBy(() -> KubeletApiHandler.logOptions(query("tailLines", "x"), "app", NOW))
                .hasMessage("tailLines: invalid value x");
        assertThatThrownBy(() -> KubeletApiHandler.logOptions(query("sinceSeconds", "1", "sinceTime",
                "2026-12-07T11:00:00Z"), "app", NOW))
                .hasMessage("at most one of sinceTime or sinceSeconds may be specified");
        assertThatThrownBy(() -> KubeletApiHandler.logOptions(query("sinceSeconds", "0"), "app", NOW))
                .hasMessage("sinceSeconds: must be greater than 0");
        assertThatThrownBy(() -> KubeletApiHandler.logOptions(query("sinceTime", "yesterday"), "app", NOW))
                .hasMessage("sinceTime: invalid time yesterday");
        assertThatThrownBy(() -> KubeletApiHandler.logOptions(query("tailLines", "-1"), "app", NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void metricsCountRunningPodsAndContainersFromTheirStatus() {
        var running = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("a").endMetadata()
                .withNewStatus().withPhase("Running").addNewContainerStatus().withName("c").withNewState()
                .withNewRunning().endRunning().endState().endContainerStatus().addNewContainerStatus().withName("d")
                .withNewState().withNewWaiting().endWaiting().endState().endContainerStatus().endStatus().build();
        var pending = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("b").endMetadata()
                .withNewStatus().withPhase("Pending").endStatus().build();

        assertThat(KubeletMetrics.render(java.util.List.of(running, pending)))
                .contains("\nkubelet_running_pods 1\n", "\nkubelet_running_containers{container_state=\"running\"} 1\n");
    }
}
