package dev.j8s.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessRunnerTest {
  @Test
  void trueSucceedsAndFalseCarriesItsExitStatus() {
    assertThat(ProcessRunner.run(List.of("/bin/true"), Duration.ofSeconds(5)).orThrow("run true").exitStatus())
        .isZero();
    assertThatThrownBy(() -> ProcessRunner.run(List.of("/bin/false"), Duration.ofSeconds(5)).orThrow("run false"))
        .isInstanceOfSatisfying(ContainerRuntimeException.CommandFailed.class,
            e -> assertThat(e.exitStatus()).isEqualTo(1))
        .hasMessage("run false: /bin/false exited with status 1");
  }

  @Test
  void stderrAndStdinAreCarried() {
    ProcessRunner.Result result = ProcessRunner.run(List.of("/bin/sh", "-c", "cat; echo bad >&2; exit 4"),
        Map.of(), "in".getBytes(), Duration.ofSeconds(5));

    assertThat(result.stdoutText()).isEqualTo("in");
    assertThatThrownBy(() -> result.orThrow("do it")).hasMessage("do it: /bin/sh exited with status 4: bad");
  }

  @Test
  void aHangingChildIsKilledAtTheDeadline() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> ProcessRunner.run(List.of("/bin/sleep", "30"), Duration.ofMillis(200)))
        .isInstanceOfSatisfying(ContainerRuntimeException.CommandFailed.class,
            e -> assertThat(e.exitStatus()).isEqualTo(-1));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }
}
