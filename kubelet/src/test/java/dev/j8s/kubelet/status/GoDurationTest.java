package dev.j8s.kubelet.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoDurationTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"0, 0s", "1500, 1.5s", "10000, 10s", "80000, 1m20s", "160000, 2m40s", "300000, 5m0s",
      "3600000, 1h0m0s", "3723000, 1h2m3s", "250, 250ms"})
  void durationsPrintAsGoPrintsThem(long millis, String expected) {
    assertThat(GoDuration.format(Duration.ofMillis(millis))).isEqualTo(expected);
  }
}
