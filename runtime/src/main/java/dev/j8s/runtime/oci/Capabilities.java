package dev.j8s.runtime.oci;

import dev.j8s.runtime.ContainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A container's capability set as containerd's CRI plugin computes it ({@code WithCapabilities}): the default
 * set, {@code ALL} of the host for a privileged container or an {@code add: [ALL]}, nothing after a
 * {@code drop: [ALL]}, then the single additions and removals; stateless and thread-safe.
 */
public final class Capabilities {

  /** Linux capability names by number ({@code include/uapi/linux/capability.h}). */
  static final List<String> BY_NUMBER = List.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
      "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
      "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
      "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
      "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
      "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
      "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

  private static final List<String> HOST = hostBounding();

  private Capabilities() {}

  /** Every capability this process may hand on (its bounding set), what "all" means on this host. */
  public static List<String> all() {
    return HOST;
  }

  /**
   * The container's capabilities (with {@code CAP_} prefixes, each once) from its security settings, given the
   * host's full set {@code all}.
   */
  public static List<String> of(ContainerConfig.Security security, List<String> all) {
    if (security.privileged()) {
      return all;
    }
    Set<String> caps = new LinkedHashSet<>(RuntimeSpec.DEFAULT_CAPABILITIES);
    if (security.addCapabilities().stream().anyMatch(c -> c.equalsIgnoreCase("ALL"))) {
      caps = new LinkedHashSet<>(all);
    }
    if (security.dropCapabilities().stream().anyMatch(c -> c.equalsIgnoreCase("ALL"))) {
      caps.clear();
    }
    for (String add : security.addCapabilities()) {
      if (!add.equalsIgnoreCase("ALL")) {
        caps.add(prefixed(add));
      }
    }
    for (String drop : security.dropCapabilities()) {
      if (!drop.equalsIgnoreCase("ALL")) {
        caps.remove(prefixed(drop));
      }
    }
    return List.copyOf(caps);
  }

  /** {@code net_admin} or {@code CAP_NET_ADMIN} as {@code CAP_NET_ADMIN}. */
  static String prefixed(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    return upper.startsWith("CAP_") ? upper : "CAP_" + upper;
  }

  /** The names of the bits set in a {@code CapBnd}-style hex mask, in number order. */
  static List<String> fromMask(long mask) {
    List<String> names = new ArrayList<>();
    for (int bit = 0; bit < BY_NUMBER.size(); bit++) {
      if ((mask & (1L << bit)) != 0) {
        names.add(BY_NUMBER.get(bit));
      }
    }
    return List.copyOf(names);
  }

  private static List<String> hostBounding() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapBnd:")) {
          return fromMask(Long.parseUnsignedLong(line.substring(7).strip(), 16));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through to the full list
    }
    return BY_NUMBER;
  }
}
