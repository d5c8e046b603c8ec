package dev.j8s.kubelet.eviction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ThresholdTest {

    @Test
    void theDefaultsAreUpstreamsHardThresholds() {
        List<Threshold> thresholds = Threshold.parse(Threshold.DEFAULT_HARD, "", "", "");

        assertThat(thresholds).extracting(t -> t.signal().value()).containsExactly("memory.available",
                "nodefs.available", "nodefs.inodesFree", "imagefs.available");
        assertThat(thresholds).allMatch(Threshold::hard);
        assertThat(thresholds.getFirst().value().quantity(8L << 30)).isEqualTo(100L << 20);
        assertThat(thresholds.get(1).value().quantity(1000)).isEqualTo(100);
    }

    @Test
    void softThresholdsTakeTheirGracePeriodAndMinimumReclaim() {
        List<Threshold> thresholds = Threshold.parse("", "memory.available<1.5Gi,nodefs.available<20%",
                "memory.available=1m30s,nodefs.available=2m", "nodefs.available=500Mi");

        assertThat(thresholds).containsExactly(
                new Threshold(Signal.MEMORY_AVAILABLE, new Threshold.Value.Amount(1536L << 20, true),
                        Duration.ofSeconds(90), Optional.empty()),
                new Threshold(Signal.NODEFS_AVAILABLE, new Threshold.Value.Percentage(0.2f / 1.0),
                        Duration.ofMinutes(2), Optional.of(new Threshold.Value.Amount(500L << 20, true))));
    }

    @Test
    void zeroAndHundredPercentAreLeftOut() {
        assertThat(Threshold.parse("nodefs.available<0%,imagefs.available<100%", "", "", "")).isEmpty();
    }

    @Test
    void wrongStatementsAreRefusedAsUpstreamWordsThem() {
        assertThatThrownBy(() -> Threshold.parse("disk.available<10%", "", "", ""))
                .hasMessage("unsupported eviction signal disk.available");
        assertThatThrownBy(() -> Threshold.parse("nodefs.available<110%", "", "", ""))
                .hasMessage("eviction percentage threshold nodefs.available must be <= 100%: 110%");
        assertThatThrownBy(() -> Threshold.parse("memory.available<0", "", "", ""))
                .hasMessage("eviction threshold memory.available must be positive: 0");
        assertThatThrownBy(() -> Threshold.parse("", "memory.available<1Gi", "", ""))
                .hasMessage("grace period must be specified for the soft eviction threshold memory.available");
        assertThatThrownBy(() -> Threshold.parse("", "", "memory.available=-1s", ""))
                .hasMessageContaining("time: invalid duration");
    }
}
