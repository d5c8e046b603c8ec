package dev.j8s.runtime.cni;

import dev.j8s.runtime.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The iptables rules the CNI plugins made for one network, found by the comment every one of them carries
 * ({@code name: "<network>" id: "<container>"}, the bridge plugin's masquerade and the portmap plugin's DNAT jumps),
 * and the per-container chains those rules jump to; used to remove what a network left behind when its sandboxes
 * could not be torn down one by one (a reset after a crash). Rules are deleted by their full specification, never
 * by position, so rules other programs add to the same built-in or shared chains at the same time are never hit.
 * Stateless and thread-safe.
 */
final class TaggedRules {
  static final Path IPTABLES = Path.of("/usr/sbin/iptables");
  static final Path IPTABLES_SAVE = Path.of("/usr/sbin/iptables-save");
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** Chains the portmap plugin shares between all networks: never removed, only our rules in them. */
  private static final String SHARED_PREFIX = "CNI-HOSTPORT-";

  private TaggedRules() {}

  /** One {@code iptables} invocation, without the program name. */
  record Command(List<String> args) {
    Command {
      args = List.copyOf(args);
    }
  }

  /**
   * The commands that remove the rules tagged with {@code network} from an {@code iptables-save} dump: each such
   * rule deleted by its specification, then each per-container {@code CNI-…} chain they jumped to flushed and
   * deleted (when no untagged rule jumps to it).
   */
  static List<Command> removal(String save, String network) {
    String tag = "name: \\\"" + network + "\\\"";
    List<Command> deletes = new ArrayList<>();
    List<Command> chains = new ArrayList<>();
    String table = "";
    List<String> tableRules = new ArrayList<>();
    Set<String> targets = new LinkedHashSet<>();
    for (String line : save.split("\n")) {
      if (line.startsWith("*")) {
        table = line.substring(1).strip();
        tableRules.clear();
        targets.clear();
      } else if (line.startsWith("-A ")) {
        tableRules.add(line);
        if (line.contains(tag)) {
          List<String> words = words(line);
          List<String> args = new ArrayList<>(List.of("-t", table, "-D"));
          args.addAll(words.subList(1, words.size()));
          deletes.add(new Command(args));
          int jump = words.indexOf("-j");
          if (jump > 0 && jump + 1 < words.size()) {
            String target = words.get(jump + 1);
            if (target.startsWith("CNI-") && !target.startsWith(SHARED_PREFIX)) {
              targets.add(target);
            }
          }
        }
      } else if (line.strip().equals("COMMIT")) {
        for (String chain : targets) {
          boolean jumpedToByOthers = tableRules.stream()
              .anyMatch(r -> !r.contains(tag) && words(r).contains(chain) && !r.startsWith("-A " + chain + " "));
          if (!jumpedToByOthers) {
            chains.add(new Command(List.of("-t", table, "-F", chain)));
            chains.add(new Command(List.of("-t", table, "-X", chain)));
          }
        }
      }
    }
    List<Command> all = new ArrayList<>(deletes);
    all.addAll(chains);
    return all;
  }

  /**
   * Removes the rules tagged with {@code network} from the running system; nothing when iptables is not installed.
   *
   * @return what failed, one line per command (empty when everything went)
   */
  static List<String> remove(String network) {
    if (!Files.isExecutable(IPTABLES_SAVE) || !Files.isExecutable(IPTABLES)) {
      return List.of();
    }
    ProcessRunner.Result dump = ProcessRunner.run(List.of(IPTABLES_SAVE.toString()), java.util.Map.of(),
        new byte[0], TIMEOUT);
    if (dump.exitStatus() != 0) {
      return List.of("iptables-save: exit " + dump.exitStatus() + ": " + dump.stderrText().strip());
    }
    List<String> failures = new ArrayList<>();
    for (Command c : removal(dump.stdoutText(), network)) {
      List<String> command = new ArrayList<>(List.of(IPTABLES.toString(), "-w"));
      command.addAll(c.args());
      ProcessRunner.Result r = ProcessRunner.run(command, java.util.Map.of(), new byte[0], TIMEOUT);
      if (r.exitStatus() != 0) {
        failures.add(String.join(" ", command) + ": exit " + r.exitStatus() + ": " + r.stderrText().strip());
      }
    }
    return failures;
  }

  /** Splits a rule of {@code iptables-save} into words: double quotes group, {@code \"} and {@code \\} escape. */
  static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length() && (line.charAt(i + 1) == '"' || line.charAt(i + 1) == '\\')) {
        word.append(line.charAt(++i));
        any = true;
      } else if (c == '"') {
        quoted = !quoted;
        any = true;
      } else if (c == ' ' && !quoted) {
        if (any) {
          out.add(word.toString());
          word.setLength(0);
          any = false;
        }
      } else {
        word.append(c);
        any = true;
      }
    }
    if (any) {
      out.add(word.toString());
    }
    return out;
  }
}
