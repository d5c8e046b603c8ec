package dev.j8s.runtime.oci;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The host's hard resource limits, as {@code /proc/self/limits} lists them; immutable and thread-safe.
 *
 * <p>runc fails {@code create} when a spec's rlimit exceeds the hard limit of the process that sets it,
 * so every rlimit in a spec is capped by these.
 */
public record HostLimits(Map<String, Long> hard) {

  /** {@code /proc/self/limits} row names to OCI rlimit types. */
  private static final Map<String, String> NAMES = Map.ofEntries(
      Map.entry("Max cpu time", "RLIMIT_CPU"),
      Map.entry("Max file size", "RLIMIT_FSIZE"),
      Map.entry("Max data size", "RLIMIT_DATA"),
      Map.entry("Max stack size", "RLIMIT_STACK"),
      Map.entry("Max core file size", "RLIMIT_CORE"),
      Map.entry("Max resident set", "RLIMIT_RSS"),
      Map.entry("Max processes", "RLIMIT_NPROC"),
      Map.entry("Max open files", "RLIMIT_NOFILE"),
      Map.entry("Max locked memory", "RLIMIT_MEMLOCK"),
      Map.entry("Max address space", "RLIMIT_AS"),
      Map.entry("Max file locks", "RLIMIT_LOCKS"),
      Map.entry("Max pending signals", "RLIMIT_SIGPENDING"),
      Map.entry("Max msgqueue size", "RLIMIT_MSGQUEUE"),
      Map.entry("Max nice priority", "RLIMIT_NICE"),
      Map.entry("Max realtime priority", "RLIMIT_RTPRIO"),
      Map.entry("Max realtime timeout", "RLIMIT_RTTIME"));

  public HostLimits {
    hard = Map.copyOf(hard);
  }

  /** Reads this process's limits. */
  public static HostLimits current() {
    try {
      return parse(Files.readString(Path.of("/proc/self/limits")));
    } catch (IOException e) {
      throw new UncheckedIOException("read /proc/self/limits", e);
    }
  }

  /** Parses the text of {@code /proc/<pid>/limits}; "unlimited" rows are left out. */
  public static HostLimits parse(String text) {
    Map<String, Long> hard = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      for (var entry : NAMES.entrySet()) {
        if (line.startsWith(entry.getKey() + " ")) {
          String[] columns = line.substring(entry.getKey().length()).trim().split("\\s+");
          if (columns.length >= 2 && !columns[1].equals("unlimited")) {
            try {
              hard.put(entry.getValue(), Long.parseLong(columns[1]));
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException("invalid limits line \"" + line + "\"", e);
            }
          }
        }
      }
    }
    return new HostLimits(hard);
  }

  /** The hard limit for an OCI rlimit type, empty when unlimited. */
  public OptionalLong hardLimit(String type) {
    Long value = hard.get(type);
    return value == null ? OptionalLong.empty() : OptionalLong.of(value);
  }

  /** {@code wanted} lowered to the host's hard limit. */
  public long cap(String type, long wanted) {
    OptionalLong limit = hardLimit(type);
    return limit.isPresent() ? Math.min(wanted, limit.getAsLong()) : wanted;
  }
}
