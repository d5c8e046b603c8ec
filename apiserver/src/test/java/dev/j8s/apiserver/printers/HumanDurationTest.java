package dev.j8s.apiserver.printers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class HumanDurationTest {

    @ParameterizedTest(name = "{0} ms -> {1}")
    @CsvSource({
            "-2000, <invalid>",
            "-1500, 0s",
            "-999, 0s",
            "0, 0s",
            "59000, 59s",
            "119999, 119s",
            "120000, 2m",
            "121000, 2m1s",
            "599000, 9m59s",
            "600000, 10m",
            "5700000, 95m",
            "10799000, 179m",
            "10800000, 3h",
            "11040000, 3h4m",
            "28799000, 7h59m",
            "28800000, 8h",
            "172799000, 47h",
            "172800000, 2d",
            "190800000, 2d5h",
            "691199000, 7d23h",
            "691200000, 8d",
            "34560000000, 400d",
            "63071999000, 729d",
            "63072000000, 2y",
            "63936000000, 2y10d",
            "252288000000, 8y",
            "315360000000, 10y",
    })
    void bucketsMatchUpstream(long millis, String expected) {
        assertThat(HumanDuration.format(Duration.ofMillis(millis))).isEqualTo(expected);
    }

    @Test
    void missingTimestampIsUnknown() {
        assertThat(HumanDuration.since(Optional.empty(), Instant.EPOCH)).isEqualTo("<unknown>");
    }

    @Test
    void sinceMeasuresFromTheTimestampToNow() {
        Instant now = Instant.parse("2024-05-01T12:00:00Z");
        assertThat(HumanDuration.since(Optional.of(now.minusSeconds(300)), now)).isEqualTo("5m");
        assertThat(HumanDuration.since(Optional.of(now.plusSeconds(30)), now)).isEqualTo("<invalid>");
    }
}
