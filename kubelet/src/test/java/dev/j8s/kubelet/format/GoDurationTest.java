package dev.j8s.kubelet.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoDurationTest {
    @ParameterizedTest
    @CsvSource({
        "0, 0s",
        "1, 1ns",
        "999, 999ns",
        "1100, 1.1µs",
        "2200000, 2.2ms",
        "313000000, 313ms",
        "100000000, 100ms",
        "1000000000, 1s",
        "1594000000, 1.594s",
        "62500000000, 1m2.5s",
        "60000000000, 1m0s",
        "3600000000000, 1h0m0s",
        "3723004000000, 1h2m3.004s",
        "90061000000000, 25h1m1s",
        "-1500000000, -1.5s",
        "-5000000, -5ms",
    })
    void formatsLikeGosDurationString(long nanos, String expected) {
        assertThat(GoDuration.format(Duration.ofNanos(nanos))).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "313999999, 313ms",
        "999999, 0s",
        "1594700000, 1.594s",
        "62500999000, 1m2.5s",
    })
    void millisTruncatesBeforeFormatting(long nanos, String expected) {
        assertThat(GoDuration.millis(Duration.ofNanos(nanos))).isEqualTo(expected);
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}ms -> {1}")
    @org.junit.jupiter.params.provider.CsvSource({"0, 0s", "1500, 1.5s", "10000, 10s", "80000, 1m20s", "160000, 2m40s",
            "300000, 5m0s", "3600000, 1h0m0s", "3723000, 1h2m3s", "250, 250ms"})
    void backOffDurationsPrintAsGoDoes(long millis, String expected) {
        assertThat(GoDuration.millis(Duration.ofMillis(millis))).isEqualTo(expected);
    }
}
