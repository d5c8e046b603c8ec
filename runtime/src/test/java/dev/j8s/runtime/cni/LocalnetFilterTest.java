package dev.j8s.runtime.cni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.ProcessRunner;
import dev.j8s.runtime.RuntimeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalnetFilterTest {

  private final RuntimeConfig config = RuntimeConfig.of(Path.of("/tmp/localnet-test-data"), Path.of("/tmp/r"),
      "10.244.0.0/16");

  @Test
  void theRuleDropsWhatEntersFromTheBridgeForLoopbackUnlessTheNodeOpenedOrTranslatedIt() {
    LocalnetFilter filter = new LocalnetFilter(config);

    assertThat(filter.table()).isEqualTo(config.networkName() + "-localnet");
    assertThat(filter.script()).isEqualTo("add table ip " + filter.table() + "\n"
        + "flush table ip " + filter.table() + "\n"
        + "add chain ip " + filter.table() + " input { type filter hook input priority filter ; policy accept ; }\n"
        + "add rule ip " + filter.table() + " input iifname \"" + config.bridgeName() + "\" ip daddr 127.0.0.0/8"
        + " ip saddr != 127.0.0.0/8 ct state != { established, related } ct status != dnat counter drop"
        + " comment \"block incoming localnet connections\"\n");
  }

  @Test
  void nftAcceptsTheScript() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(LocalnetFilter.NFT), "nft is installed");
    // --check parses and validates against the kernel without changing anything
    ProcessRunner.Result check = ProcessRunner.run(List.of(LocalnetFilter.NFT.toString(), "-c", "-f", "-"), Map.of(),
        new LocalnetFilter(config).script().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));

    assertThat(check.exitStatus()).as(check.stderrText()).isZero();
  }
}
