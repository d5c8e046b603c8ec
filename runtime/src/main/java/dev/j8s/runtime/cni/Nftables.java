package dev.j8s.runtime.cni;

import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ProcessRunner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code nft} command for the tables an instance owns: a script applied as one transaction ({@code nft -f -}),
 * a table deleted; both tried again a few times, since other writers of the ruleset (other instances, CNI
 * plugins through iptables-nft) can make one attempt fail. Stateless and thread-safe.
 */
public final class Nftables {
  static final Path NFT = Path.of("/usr/sbin/nft");
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final int ATTEMPTS = 3;

  private Nftables() {}

  /**
   * Applies {@code script} in one transaction.
   *
   * @param action what the script does, for the error ("install the service rules of network j8s-…")
   * @throws ContainerRuntimeException.CommandFailed with nft's exit status and stderr when every attempt failed
   */
  public static void apply(String action, String script) {
    byte[] input = script.getBytes(StandardCharsets.UTF_8);
    ProcessRunner.Result result = ProcessRunner.run(List.of(NFT.toString(), "-f", "-"), Map.of(), input, TIMEOUT);
    for (int attempt = 1; attempt < ATTEMPTS && result.exitStatus() != 0; attempt++) {
      pause();
      result = ProcessRunner.run(List.of(NFT.toString(), "-f", "-"), Map.of(), input, TIMEOUT);
    }
    if (result.exitStatus() != 0) {
      throw new ContainerRuntimeException.CommandFailed(action, result.command(), result.exitStatus(),
          result.stderrText());
    }
  }

  /**
   * Deletes table {@code family name}; nothing when it or nft is not there.
   *
   * @return what failed, or empty
   */
  public static List<String> deleteTable(String family, String name) {
    if (!Files.isExecutable(NFT)) {
      return List.of();
    }
    String last = "";
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      ProcessRunner.Result delete = ProcessRunner.run(List.of(NFT.toString(), "delete", "table", family, name),
          Map.of(), new byte[0], TIMEOUT);
      if (delete.exitStatus() == 0 || absent(delete.stderrText())) {
        return List.of();
      }
      last = "exit " + delete.exitStatus() + ": " + delete.stderrText().strip();
      pause();
    }
    return List.of("nft delete table " + family + " " + name + ": " + last);
  }

  /** Whether nft's error says the table does not exist. */
  static boolean absent(String stderr) {
    return stderr.contains("No such file or directory");
  }

  private static void pause() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
