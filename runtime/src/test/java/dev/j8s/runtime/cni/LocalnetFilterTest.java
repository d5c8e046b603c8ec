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
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Nftables.NFT), "nft is installed");
    // --check parses and validates against the kernel without changing anything
    ProcessRunner.Result check = ProcessRunner.run(List.of(Nftables.NFT.toString(), "-c", "-f", "-"), Map.of(),
        new LocalnetFilter(config).script().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));

    assertThat(check.exitStatus()).as(check.stderrText()).isZero();
  }

  @Test
  void theTableIsInstalledOnceAndRemovedAndRemovingItAgainIsNoFailure() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Nftables.NFT), "nft is installed");
    org.junit.jupiter.api.Assumptions.assumeTrue(list("tables").exitStatus() == 0, "nft may read the ruleset (root)");
    // a data dir no server uses: the table names a bridge that does not exist
    LocalnetFilter filter = new LocalnetFilter(RuntimeConfig.of(Path.of("/tmp/localnet-test-" + ProcessHandle.current().pid()),
        Path.of("/tmp/r"), "10.244.0.0/16"));
    try {
      filter.ensureInstalled();
      filter.ensureInstalled();
      assertThat(list("table", "ip", filter.table()).stdoutText()).contains("block incoming localnet connections");
    } finally {
      assertThat(filter.remove()).isEmpty();
    }
    assertThat(list("table", "ip", filter.table()).exitStatus()).isNotZero();
    assertThat(filter.remove()).isEmpty();
  }

  @Test
  void nftsMissingTableErrorCountsAsAbsent() {
    assertThat(Nftables.absent("Error: Could not process rule: No such file or directory\n"
        + "delete table ip j8s-00000000-localnet\n")).isTrue();
    assertThat(Nftables.absent("Error: Could not process rule: Device or resource busy\n")).isFalse();
  }

  private static ProcessRunner.Result list(String... what) {
    List<String> command = new java.util.ArrayList<>(List.of(Nftables.NFT.toString(), "list"));
    command.addAll(List.of(what));
    return ProcessRunner.run(command, Map.of(), new byte[0], Duration.ofSeconds(30));
  }
}
