package dev.j8s.runtime.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.runtime.ContainerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Builds an OCI runtime spec ({@code config.json}, runtime-spec 1.0.2) for one container the way
 * containerd's CRI plugin does (defaults from containerd {@code oci/spec.go}); stateless and
 * thread-safe.
 *
 * <p>The rootfs is already an overlay mount (see {@link Overlay}), so {@code root.path} points at it.
 * No seccomp profile is set: Kubernetes' default is {@code Unconfined} unless the pod asks for
 * {@code RuntimeDefault}. Paths inside the container (mount destinations, the working dir) are resolved
 * by runc inside the rootfs (securejoin): a destination such as {@code /etc/hosts} that the image made a
 * symlink to a host path lands inside the rootfs. Host-side code that looks into the rootfs (the user
 * lookup, creating the working dir) goes through {@link RootPath}; the spec itself takes a numeric user
 * ({@link ExecUser#numeric()}).
 */
public final class RuntimeSpec {

  public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** containerd's default capability set (also Docker's), without inheritable (CVE-2022-24769). */
  public static final List<String> DEFAULT_CAPABILITIES = List.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
      "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL", "CAP_AUDIT_WRITE");

  /** containerd's {@code defaultUnixSpec} masked paths. */
  public static final List<String> MASKED_PATHS = List.of(
      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
      "/sys/devices/virtual/powercap", "/proc/scsi");

  /** containerd's {@code defaultUnixSpec} read-only paths. */
  public static final List<String> READONLY_PATHS = List.of(
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  /**
   * Open files per container before the host cap: what containerd's systemd unit
   * ({@code LimitNOFILE=infinity}) passes on, lowered to the host's hard limit.
   */
  static final long DEFAULT_NOFILE = 1_048_576;

  private RuntimeSpec() {}

  /**
   * Where the container lives on the host.
   *
   * @param rootfs the mounted overlay
   * @param netns the pod's network namespace bind mount
   * @param ipcns the pod's IPC namespace bind mount
   * @param utsns the pod's UTS namespace bind mount
   * @param pidns a PID namespace to join ({@code shareProcessNamespace}); empty gives a new one
   * @param etcHosts the pod's hosts file
   * @param etcHostname the pod's hostname file
   * @param etcResolvConf the pod's resolv.conf
   * @param shm the pod's shared {@code /dev/shm} tmpfs
   * @param cgroupsPath cgroupfs path, e.g. {@code /j8s-1a2b3c4d/pod<uid>/<container id>}
   */
  public record Context(
      Path rootfs,
      String hostname,
      Path netns,
      Path ipcns,
      Path utsns,
      Optional<Path> pidns,
      Path etcHosts,
      Path etcHostname,
      Path etcResolvConf,
      Path shm,
      String cgroupsPath,
      HostLimits limits) {}

  /** The spec as a JSON tree, ready to write as {@code <bundle>/config.json}. */
  public static ObjectNode build(ContainerConfig config, Context context) {
    if (config.user().lookup().isPresent()) {
      throw new IllegalArgumentException("user " + config.user().lookup().get()
          + " of container " + config.name() + " must be resolved in the rootfs first");
    }
    ObjectNode spec = MAPPER.createObjectNode();
    spec.put("ociVersion", "1.0.2");
    spec.set("process", process(config, context));
    ObjectNode root = spec.putObject("root");
    root.put("path", context.rootfs().toString());
    root.put("readonly", config.readOnlyRootfs());
    spec.put("hostname", context.hostname());
    spec.set("mounts", mounts(config, context));
    spec.set("linux", linux(config, context));
    ObjectNode annotations = spec.putObject("annotations");
    config.annotations().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
        .forEach(e -> annotations.put(e.getKey(), e.getValue()));
    return spec;
  }

  private static ObjectNode process(ContainerConfig config, Context context) {
    ObjectNode process = MAPPER.createObjectNode();
    // a TTY container runs on a terminal that conmon receives from runc (--console-socket) and keeps for attaches
    process.put("terminal", config.stdio().tty());
    ObjectNode user = process.putObject("user");
    user.put("uid", config.user().uid());
    user.put("gid", config.user().gid());
    if (!config.user().additionalGids().isEmpty()) {
      ArrayNode gids = user.putArray("additionalGids");
      config.user().additionalGids().forEach(gids::add);
    }
    ArrayNode args = process.putArray("args");
    config.args().forEach(args::add);
    ArrayNode env = process.putArray("env");
    boolean hasPath = config.env().stream().anyMatch(e -> e.startsWith("PATH="));
    if (!hasPath) {
      env.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    }
    boolean hasHostname = config.env().stream().anyMatch(e -> e.startsWith("HOSTNAME="));
    if (!hasHostname) {
      env.add("HOSTNAME=" + context.hostname());
    }
    config.env().forEach(env::add);
    if (config.stdio().tty() && config.env().stream().noneMatch(e -> e.startsWith("TERM="))) {
      env.add("TERM=xterm"); // as containerd's WithTTY and CRI-O set it
    }
    process.put("cwd", config.workingDir());
    ObjectNode caps = process.putObject("capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      ArrayNode list = caps.putArray(set);
      DEFAULT_CAPABILITIES.forEach(list::add);
    }
    ArrayNode rlimits = process.putArray("rlimits");
    ObjectNode nofile = rlimits.addObject();
    long open = context.limits().cap("RLIMIT_NOFILE", DEFAULT_NOFILE);
    nofile.put("type", "RLIMIT_NOFILE");
    nofile.put("hard", open);
    nofile.put("soft", open);
    process.put("noNewPrivileges", true);
    return process;
  }

  private static ArrayNode mounts(ContainerConfig config, Context context) {
    ArrayNode mounts = MAPPER.createArrayNode();
    mount(mounts, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
    mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
    mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
        "mode=0620", "gid=5");
    mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
    mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
    mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
    mount(mounts, "/dev/shm", "bind", context.shm().toString(), "rbind", "nosuid", "noexec", "nodev", "rw");
    Set<String> overridden = new java.util.HashSet<>();
    for (ContainerConfig.Mount m : config.mounts()) {
      overridden.add(m.containerPath());
    }
    if (!overridden.contains("/etc/hostname")) {
      mount(mounts, "/etc/hostname", "bind", context.etcHostname().toString(), "rbind", "rprivate",
          config.readOnlyRootfs() ? "ro" : "rw");
    }
    if (!overridden.contains("/etc/hosts")) {
      mount(mounts, "/etc/hosts", "bind", context.etcHosts().toString(), "rbind", "rprivate",
          config.readOnlyRootfs() ? "ro" : "rw");
    }
    if (!overridden.contains("/etc/resolv.conf")) {
      mount(mounts, "/etc/resolv.conf", "bind", context.etcResolvConf().toString(), "rbind", "rprivate",
          config.readOnlyRootfs() ? "ro" : "rw");
    }
    for (ContainerConfig.Mount m : config.mounts()) {
      mount(mounts, m.containerPath(), "bind", m.hostPath().toString(), "rbind", m.propagation().option(),
          m.readOnly() ? "ro" : "rw");
    }
    return mounts;
  }

  private static void mount(ArrayNode mounts, String destination, String type, String source,
      String... options) {
    ObjectNode mount = mounts.addObject();
    mount.put("destination", destination);
    mount.put("type", type);
    mount.put("source", source);
    ArrayNode list = mount.putArray("options");
    for (String option : options) {
      list.add(option);
    }
  }

  private static ObjectNode linux(ContainerConfig config, Context context) {
    ObjectNode linux = MAPPER.createObjectNode();
    ArrayNode namespaces = linux.putArray("namespaces");
    namespace(namespaces, "pid", context.pidns());
    namespace(namespaces, "ipc", Optional.of(context.ipcns()));
    namespace(namespaces, "uts", Optional.of(context.utsns()));
    namespace(namespaces, "mount", Optional.empty());
    namespace(namespaces, "network", Optional.of(context.netns()));
    linux.put("cgroupsPath", context.cgroupsPath());
    ObjectNode resources = linux.putObject("resources");
    ObjectNode denyAll = resources.putArray("devices").addObject();
    denyAll.put("allow", false);
    denyAll.put("access", "rwm");
    ContainerConfig.Resources limits = config.resources();
    if (limits.memoryLimitBytes().isPresent()) {
      ObjectNode memory = resources.putObject("memory");
      memory.put("limit", limits.memoryLimitBytes().getAsLong());
      // Without swap accounting the swap limit is ignored by runc on cgroup v1.
      memory.put("swap", limits.memoryLimitBytes().getAsLong());
    }
    if (limits.cpuShares().isPresent() || limits.cpuQuotaMicros().isPresent()) {
      ObjectNode cpu = resources.putObject("cpu");
      limits.cpuShares().ifPresent(v -> cpu.put("shares", v));
      limits.cpuQuotaMicros().ifPresent(v -> cpu.put("quota", v));
      limits.cpuPeriodMicros().ifPresent(v -> cpu.put("period", v));
    }
    limits.pidsLimit().ifPresent(v -> resources.putObject("pids").put("limit", v));
    ArrayNode masked = linux.putArray("maskedPaths");
    MASKED_PATHS.forEach(masked::add);
    ArrayNode readonly = linux.putArray("readonlyPaths");
    READONLY_PATHS.forEach(readonly::add);
    return linux;
  }

  private static void namespace(ArrayNode namespaces, String type, Optional<Path> path) {
    ObjectNode ns = namespaces.addObject();
    ns.put("type", type);
    path.ifPresent(p -> ns.put("path", p.toString()));
  }
}
