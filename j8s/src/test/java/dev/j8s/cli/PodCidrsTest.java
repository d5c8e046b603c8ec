package dev.j8s.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.RuntimeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodCidrsTest {

    private static final String HEADER = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";

    @TempDir
    Path dir;

    /** A /proc/net/route line: {@code 10.<second>.0.0/16} on {@code iface}. */
    private static String route(String iface, int second) {
        return iface + "\t0000" + String.format("%02X", second) + "0A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";
    }

    @Test
    void aFreeHostGetsTheRangeOfTheHashAndRecordsIt() throws Exception {
        String cidr = PodCidrs.choose(dir, HEADER + "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
                + "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n");

        assertThat(cidr).isEqualTo(PodCidrs.derived(dir)).as("the default route and a 10/8 do not count");
        assertThat(Files.readString(dir.resolve("pod-cidr")).strip()).isEqualTo(cidr);
    }

    @Test
    void aRangeAnotherInterfaceRoutesIsSkippedButTheInstancesOwnBridgeIsNot() {
        int second = Integer.parseInt(PodCidrs.derived(dir).split("\\.")[1]);
        int next = second == 249 ? 200 : second + 1;
        String taken = HEADER + route("j8sffff", second) + route("docker0", next);

        assertThat(PodCidrs.routedElsewhere(taken, second, "j8sffff")).isFalse();
        assertThat(PodCidrs.routedElsewhere(taken, second, RuntimeConfig.bridgeName(dir))).isTrue();
        int after = next == 249 ? 200 : next + 1;
        assertThat(PodCidrs.choose(dir, taken)).isEqualTo("10." + after + ".0.0/16");
    }

    @Test
    void theRecordedRangeWinsOverTheRoutesOfLaterStarts() {
        String first = PodCidrs.choose(dir, HEADER);
        int second = Integer.parseInt(first.split("\\.")[1]);

        assertThat(PodCidrs.choose(dir, HEADER + route(RuntimeConfig.bridgeName(dir), second) + route("other", second)))
                .isEqualTo(first);
        assertThat(PodCidrs.recorded(dir)).contains(first);
    }
}
