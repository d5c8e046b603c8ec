package dev.j8s.kubelet.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SummaryProviderTest {

    @Test
    void runningProcessesAreTheTotalOfLoadavgsFourthField() {
        assertThat(SummaryProvider.runningProcesses("28.60 23.06 19.93 28/1005 4628\n")).isEqualTo(1005);
        assertThat(SummaryProvider.runningProcesses("garbage")).isZero();
    }

    @Test
    void meminfoAndMemoryStatFieldsAreRead() {
        String meminfo = "MemTotal:       24683784 kB\nMemAvailable:   21145800 kB\n";
        assertThat(SummaryProvider.meminfoBytes(meminfo, "MemTotal")).isEqualTo(24683784L * 1024);
        assertThat(SummaryProvider.statField("inactive_file 61440\ntotal_inactive_file 808177664\n",
                "total_inactive_file")).isEqualTo(808177664L);
    }
}
