package dev.j8s.kubelet.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SummaryProviderTest {

    @Test
    void runningProcessesAreTheTotalOfLoadavgsFourthField() {
        assertThat(SummaryProvider.runningProcesses("28.60 23.06 19.93 28/1005 4628\n")).isEqualTo(1005);
        assertThat(SummaryProvider.runningProcesses("garbage")).isZero();
    }

}
