package dev.j8s.runtime.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.runtime.ContainerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds an OCI runtime spec ({@code config.json}, runtime-spec 1.0.2) for one container the way
 * containerd's CRI plugin does (defaults from containerd {@code oci/spec.go}); stateless and
 * thread-safe.
 *
 * <p>The rootfs is already an overlay mount (see {@link Overlay}), so {@code root.path} points at it.
 * The container's security (CRI {@code LinuxContainerSecurityContext}) decides its capabilities
 * ({@link Capabilities}), its seccomp filter ({@link SeccompProfiles}; none for a privileged container),
 * {@code noNewPrivileges}, and for a privileged container the host's devices, no masked or read-only paths and a
 * writable {@code /sys}. A namespace shared with the host ({@code hostNetwork}, {@code hostPID},
 * {@code hostIPC}) is left out of the spec, so the container stays in runc's. Paths inside the container (mount destinations, the working dir) are resolved
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
   * @param hostname the container's hostname, set only in a UTS namespace that is not the host's
   * @param network the pod's network namespace, or the host's
   * @param ipc the pod's IPC namespace, or the host's
   * @param uts the pod's UTS namespace, or the host's (with the host's network)
   * @param pid a new PID namespace, the pod's shared one ({@code shareProcessNamespace}) or the host's
   * @param etcHosts the pod's hosts file
   * @param etcHostname the pod's hostname file
   * @param etcResolvConf the pod's resolv.conf
   * @param shm the pod's shared {@code /dev/shm} tmpfs, or the host's {@code /dev/shm}
   * @param cgroupsPath cgroupfs path, e.g. {@code /j8s-1a2b3c4d/pod<uid>/<container id>}
   * @param limits the host's hard rlimits
   * @param sysctls the pod's sysctls
   */
  public record Context(
      Path rootfs,
      String hostname,
      Namespace network,
      Namespace ipc,
      Namespace uts,
      Namespace pid,
      Path etcHosts,
      Path etcHostname,
      Path etcResolvConf,
      Path shm,
      String cgroupsPath,
      HostLimits limits,
      Map<String, String> sysctls) {
    public Context {
      sysctls = Map.copyOf(sysctls);
    }
  }

  /** How a container gets one kind of namespace. */
  public sealed interface Namespace {
    /** A new one of its own. */
    record Private() implements Namespace {}

    /** The host's: the namespace is left out of the spec. */
    record Host() implements Namespace {}

    /** An existing one, bind-mounted at {@code path} (or a {@code /proc/<pid>/ns/<type>}). */
    record Join(Path path) implements Namespace {}
  }

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
    if (!(context.uts() instanceof Namespace.Host)) {
      spec.put("hostname", context.hostname());
    }
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
    List<String> capabilities = Capabilities.of(config.security(), Capabilities.all());
    for (String set : List.of("bounding", "effective", "permitted")) {
      ArrayNode list = caps.putArray(set);
      capabilities.forEach(list::add);
    }
    ArrayNode rlimits = process.putArray("rlimits");
    ObjectNode nofile = rlimits.addObject();
    long open = context.limits().cap("RLIMIT_NOFILE", DEFAULT_NOFILE);
    nofile.put("type", "RLIMIT_NOFILE");
    nofile.put("hard", open);
    nofile.put("soft", open);
    process.put("noNewPrivileges", config.security().noNewPrivileges());
    config.resources().oomScoreAdj().ifPresent(score -> process.put("oomScoreAdj", score));
    config.security().apparmorProfile().ifPresent(profile -> process.put("apparmorProfile", profile));
    return process;
  }

  private static ArrayNode mounts(ContainerConfig config, Context context) {
    ArrayNode mounts = MAPPER.createArrayNode();
    mount(mounts, "/proc", "proc", "proc", "nosuid", "noexec", "nodev");
    mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
    mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
        "mode=0620", "gid=5");
    mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
    String sys = config.security().privileged() ? "rw" : "ro";
    mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", sys);
    mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", sys);
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
    namespace(namespaces, "pid", context.pid());
    namespace(namespaces, "ipc", context.ipc());
    namespace(namespaces, "uts", context.uts());
    namespace(namespaces, "mount", new Namespace.Private());
    namespace(namespaces, "network", context.network());
    linux.put("cgroupsPath", context.cgroupsPath());
    if (!context.sysctls().isEmpty()) {
      ObjectNode sysctl = linux.putObject("sysctl");
      context.sysctls().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
          .forEach(e -> sysctl.put(e.getKey(), e.getValue()));
    }
    boolean privileged = config.security().privileged();
    if (privileged) {
      ArrayNode devices = linux.putArray("devices");
      for (HostDevices.Device d : HostDevices.under(Path.of("/dev"))) {
        ObjectNode device = devices.addObject();
        device.put("path", d.path());
        device.put("type", String.valueOf(d.type()));
        device.put("major", d.major());
        device.put("minor", d.minor());
        device.put("fileMode", d.fileMode());
        device.put("uid", d.uid());
        device.put("gid", d.gid());
      }
    }
    ObjectNode resources = linux.putObject("resources");
    ObjectNode deviceRule = resources.putArray("devices").addObject();
    deviceRule.put("allow", privileged);
    deviceRule.put("access", "rwm");
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
    if (!privileged) {
      ArrayNode masked = linux.putArray("maskedPaths");
      MASKED_PATHS.forEach(masked::add);
      ArrayNode readonly = linux.putArray("readonlyPaths");
      READONLY_PATHS.forEach(readonly::add);
      switch (config.security().seccomp()) {
        case ContainerConfig.Seccomp.Unconfined u -> { }
        case ContainerConfig.Seccomp.RuntimeDefault d -> linux.set("seccomp", SeccompProfiles.runtimeDefault(
            new java.util.LinkedHashSet<>(Capabilities.of(config.security(), Capabilities.all())),
            System.getProperty("os.version", "")));
        case ContainerConfig.Seccomp.Localhost l -> linux.set("seccomp", SeccompProfiles.localhost(l.profile()));
      }
    }
    return linux;
  }

  private static void namespace(ArrayNode namespaces, String type, Namespace namespace) {
    switch (namespace) {
      case Namespace.Host h -> { }
      case Namespace.Private p -> namespaces.addObject().put("type", type);
      case Namespace.Join j -> {
        ObjectNode ns = namespaces.addObject();
        ns.put("type", type);
        ns.put("path", j.path().toString());
      }
    }
  }
}
