package dev.j8s.kubelet.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.runtime.ContainerState;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RestartsTest {

  @ParameterizedTest(name = "{0} exit {1} -> {2}")
  @CsvSource({
      "Always, 0, true", "Always, 1, true", "Always, 137, true",
      "OnFailure, 0, false", "OnFailure, 1, true", "OnFailure, 143, true",
      "Never, 0, false", "Never, 1, false"})
  void theRestartPolicyDecidesOnTheExitCode(String policy, int exitCode, boolean restart) {
    assertThat(Restarts.shouldRestart(policy, exitCode)).isEqualTo(restart);
  }

  @Test
  void anUnknownPolicyIsRejectedByName() {
    assertThatThrownBy(() -> Restarts.shouldRestart("Sometimes", 0)).hasMessage("unknown restart policy \"Sometimes\"");
  }

  @Test
  void aDeletedPodRestartsNothingAndACreatedOrLostContainerIsAlwaysStarted() {
    var exited = Optional.<ContainerState>of(new ContainerState.Exited(Instant.EPOCH, Instant.EPOCH, 1, false));
    assertThat(Restarts.shouldContainerBeRestarted("Always", true, exited)).isFalse();
    assertThat(Restarts.shouldContainerBeRestarted("Never", false, Optional.empty())).isTrue();
    assertThat(Restarts.shouldContainerBeRestarted("Never", false, Optional.of(new ContainerState.Created())))
        .isTrue();
    assertThat(Restarts.shouldContainerBeRestarted("Never", false, Optional.of(new ContainerState.Unknown("lost"))))
        .isTrue();
    assertThat(Restarts.shouldContainerBeRestarted("Always", false,
        Optional.of(new ContainerState.Running(Instant.EPOCH)))).isFalse();
    assertThat(Restarts.shouldContainerBeRestarted("OnFailure", false, exited)).isTrue();
    assertThat(Restarts.shouldContainerBeRestarted("Never", false, exited)).isFalse();
  }
}
