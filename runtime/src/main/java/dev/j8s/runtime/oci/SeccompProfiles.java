package dev.j8s.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.runtime.ContainerRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The seccomp filters of a container in OCI {@code linux.seccomp} form: the runtime default (what containerd's
 * {@code contrib/seccomp} profile allows, which depends on the container's bounding capabilities and the kernel)
 * and {@code Localhost} profiles read from the node; stateless and thread-safe.
 */
public final class SeccompProfiles {

  /** Unconditionally allowed system calls, in the profile's order. */
  static final List<String> ALLOWED = readAllowed();
  /** {@code AF_ALG} and {@code AF_VSOCK}: the socket families the default profile refuses. */
  static final int AF_ALG = 38;
  static final int AF_VSOCK = 40;
  /** {@code CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP}: clone may not make namespaces. */
  static final long CLONE_NAMESPACE_FLAGS = 0x20000L | 0x4000000L | 0x8000000L | 0x10000000L | 0x20000000L
      | 0x40000000L | 0x2000000L;
  static final int ENOSYS = 38;
  /** Most bytes a {@code Localhost} profile may have. */
  static final long MAX_PROFILE_BYTES = 1 << 20;

  /** System calls allowed only with one capability in the bounding set, as the profile lists them. */
  static final Map<String, List<String>> BY_CAPABILITY = Map.ofEntries(
      Map.entry("CAP_DAC_READ_SEARCH", List.of("open_by_handle_at")),
      Map.entry("CAP_SYS_ADMIN", List.of("bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen",
          "fspick", "lookup_dcookie", "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open",
          "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2",
          "unshare")),
      Map.entry("CAP_SYS_BOOT", List.of("reboot")),
      Map.entry("CAP_SYS_CHROOT", List.of("chroot")),
      Map.entry("CAP_SYS_MODULE", List.of("delete_module", "init_module", "finit_module")),
      Map.entry("CAP_SYS_PACCT", List.of("acct")),
      Map.entry("CAP_SYS_PTRACE", List.of("kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
          "process_vm_writev", "ptrace")),
      Map.entry("CAP_SYS_RAWIO", List.of("iopl", "ioperm")),
      Map.entry("CAP_SYS_TIME", List.of("settimeofday", "stime", "clock_settime", "clock_settime64")),
      Map.entry("CAP_SYS_TTY_CONFIG", List.of("vhangup")),
      Map.entry("CAP_SYS_NICE", List.of("get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node")),
      Map.entry("CAP_SYSLOG", List.of("syslog")),
      Map.entry("CAP_BPF", List.of("bpf")),
      Map.entry("CAP_PERFMON", List.of("perf_event_open")));

  private SeccompProfiles() {}

  /**
   * The runtime default profile for a container with {@code bounding} capabilities (names with {@code CAP_}) on a
   * kernel of version {@code kernel} ({@code os.version}, e.g. {@code 6.1.0-18-amd64}), for x86-64: everything not
   * allowed fails with {@code EPERM}; {@code socket} is refused for {@code AF_ALG} and {@code AF_VSOCK};
   * {@code personality} only with the five harmless personas; {@code clone} without namespace flags and
   * {@code clone3} with {@code ENOSYS} unless the container has {@code CAP_SYS_ADMIN}.
   */
  public static ObjectNode runtimeDefault(Set<String> bounding, String kernel) {
    ObjectNode profile = RuntimeSpec.MAPPER.createObjectNode();
    profile.put("defaultAction", "SCMP_ACT_ERRNO");
    profile.putArray("architectures").add("SCMP_ARCH_X86_64").add("SCMP_ARCH_X86").add("SCMP_ARCH_X32");
    ArrayNode syscalls = profile.putArray("syscalls");
    allow(syscalls, ALLOWED);
    allowWithArg(syscalls, "socket", AF_ALG, "SCMP_CMP_LT");
    allowWithArg(syscalls, "socket", AF_ALG + 1, "SCMP_CMP_EQ");
    allowWithArg(syscalls, "socket", AF_VSOCK, "SCMP_CMP_GT");
    for (long persona : List.of(0x0L, 0x0008L, 0x20000L, 0x20008L, 0xffffffffL)) {
      allowWithArg(syscalls, "personality", persona, "SCMP_CMP_EQ");
    }
    if (kernelAtLeast(kernel, 4, 8)) {
      allow(syscalls, List.of("process_vm_readv", "process_vm_writev", "ptrace"));
    }
    allow(syscalls, List.of("arch_prctl", "modify_ldt"));
    // In the order the bounding set lists them, as the profile walks it.
    for (String cap : bounding) {
      List<String> names = BY_CAPABILITY.get(cap);
      if (names != null) {
        allow(syscalls, names);
      }
    }
    if (!bounding.contains("CAP_SYS_ADMIN")) {
      ObjectNode clone = syscalls.addObject();
      clone.putArray("names").add("clone");
      clone.put("action", "SCMP_ACT_ALLOW");
      ObjectNode arg = clone.putArray("args").addObject();
      arg.put("index", 0);
      arg.put("value", CLONE_NAMESPACE_FLAGS);
      arg.put("valueTwo", 0);
      arg.put("op", "SCMP_CMP_MASKED_EQ");
      ObjectNode clone3 = syscalls.addObject();
      clone3.putArray("names").add("clone3");
      clone3.put("action", "SCMP_ACT_ERRNO");
      clone3.put("errnoRet", ENOSYS);
    }
    return profile;
  }

  /**
   * A {@code Localhost} profile: the file's JSON, which must be an OCI {@code linux.seccomp} object (at least a
   * {@code defaultAction}).
   *
   * @throws ContainerRuntimeException worded as containerd words a profile it cannot load
   */
  public static ObjectNode localhost(Path file) {
    try {
      if (Files.size(file) > MAX_PROFILE_BYTES) {
        throw new ContainerRuntimeException("cannot load seccomp profile \"" + file + "\": larger than "
            + MAX_PROFILE_BYTES + " bytes");
      }
      JsonNode profile = RuntimeSpec.MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
      if (!(profile instanceof ObjectNode object) || !profile.path("defaultAction").isTextual()) {
        throw new ContainerRuntimeException("cannot load seccomp profile \"" + file
            + "\": not a seccomp profile (an object with a defaultAction)");
      }
      return object;
    } catch (IOException e) {
      throw new ContainerRuntimeException("cannot load seccomp profile \"" + file + "\": " + describe(e), e);
    }
  }

  private static String describe(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "open " + e.getMessage() + ": no such file or directory";
    }
    return e.getMessage();
  }

  private static void allow(ArrayNode syscalls, List<String> names) {
    ObjectNode rule = syscalls.addObject();
    ArrayNode list = rule.putArray("names");
    names.forEach(list::add);
    rule.put("action", "SCMP_ACT_ALLOW");
  }

  private static void allowWithArg(ArrayNode syscalls, String name, long value, String op) {
    ObjectNode rule = syscalls.addObject();
    rule.putArray("names").add(name);
    rule.put("action", "SCMP_ACT_ALLOW");
    ObjectNode arg = rule.putArray("args").addObject();
    arg.put("index", 0);
    arg.put("value", value);
    arg.put("op", op);
  }

  /** Whether {@code version} ({@code major.minor[.…]}) is at least {@code major.minor}; unparsable counts as new. */
  static boolean kernelAtLeast(String version, int major, int minor) {
    String[] parts = version.split("[.-]");
    try {
      int ma = Integer.parseInt(parts[0]);
      int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return ma > major || (ma == major && mi >= minor);
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private static List<String> readAllowed() {
    try (InputStream in = SeccompProfiles.class.getResourceAsStream("seccomp-default-allow.txt")) {
      if (in == null) {
        throw new IllegalStateException("seccomp-default-allow.txt is missing from the runtime jar");
      }
      List<String> names = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String name = line.strip();
        if (!name.isEmpty() && !name.startsWith("#")) {
          names.add(name);
        }
      }
      return List.copyOf(names);
    } catch (IOException e) {
      throw new UncheckedIOException("read seccomp-default-allow.txt", e);
    }
  }
}
