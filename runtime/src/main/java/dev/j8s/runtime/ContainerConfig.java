package dev.j8s.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What a container is made from, already resolved by the kubelet (CRI {@code ContainerConfig}):
 * final argv, environment and the user (numeric, or names the runtime resolves in the rootfs); immutable and
 * thread-safe.
 *
 * @param name the container's name in the pod
 * @param attempt the restart count of this container
 * @param image the image reference, reported back in statuses
 * @param rootfsLayers the image's unpacked layer directories, base layer first
 * @param args the process argv (command + args), never empty
 * @param env {@code NAME=value} entries in order
 * @param workingDir absolute path inside the container; the runtime creates it (inside the rootfs) when missing
 * @param user the identity, numeric or to be resolved in the rootfs
 * @param mounts bind mounts into the container; one at {@code /etc/hosts}, {@code /etc/hostname} or
 *     {@code /etc/resolv.conf} replaces the runtime's own file
 * @param resources cgroup limits
 * @param logPath where conmon writes the CRI-format log
 * @param readOnlyRootfs mount the rootfs read-only
 * @param stopSignal the signal name {@code stopContainer} sends first, e.g. {@code SIGTERM}
 * @param labels opaque to the runtime, returned in statuses
 * @param annotations opaque to the runtime, returned in statuses
 * @param security privileges, capabilities and seccomp (CRI {@code LinuxContainerSecurityContext})
 * @param stdio the container's {@code stdin}, {@code stdinOnce} and {@code tty}
 */
public record ContainerConfig(
    String name,
    int attempt,
    String image,
    List<Path> rootfsLayers,
    List<String> args,
    List<String> env,
    String workingDir,
    User user,
    List<Mount> mounts,
    Resources resources,
    Path logPath,
    boolean readOnlyRootfs,
    String stopSignal,
    Map<String, String> labels,
    Map<String, String> annotations,
    Security security,
    Stdio stdio) {

  public ContainerConfig {
    Names.requireSafe("container name", name);
    rootfsLayers = List.copyOf(rootfsLayers);
    if (rootfsLayers.isEmpty()) {
      throw new IllegalArgumentException("container " + name + " has no rootfs layers");
    }
    args = List.copyOf(args);
    if (args.isEmpty()) {
      throw new IllegalArgumentException("container " + name + " has no command");
    }
    env = List.copyOf(env);
    if (!workingDir.startsWith("/")) {
      throw new IllegalArgumentException("working dir must be absolute: " + workingDir);
    }
    mounts = List.copyOf(mounts);
    if (!stopSignal.matches("SIG[A-Z0-9+-]+|[0-9]+")) {
      throw new IllegalArgumentException("invalid stop signal " + stopSignal);
    }
    labels = Map.copyOf(labels);
    annotations = Map.copyOf(annotations);
    java.util.Objects.requireNonNull(security, "security");
    java.util.Objects.requireNonNull(stdio, "stdio");
  }

  /**
   * A container with the runtime's default security (no privileges beyond the default capabilities, no seccomp) and
   * no stdin or terminal.
   */
  public ContainerConfig(String name, int attempt, String image, List<Path> rootfsLayers, List<String> args,
      List<String> env, String workingDir, User user, List<Mount> mounts, Resources resources, Path logPath,
      boolean readOnlyRootfs, String stopSignal, Map<String, String> labels, Map<String, String> annotations) {
    this(name, attempt, image, rootfsLayers, args, env, workingDir, user, mounts, resources, logPath, readOnlyRootfs,
        stopSignal, labels, annotations, Security.DEFAULT, Stdio.NONE);
  }

  /** A root container in {@code /} with no mounts, no limits and SIGTERM as stop signal. */
  public static ContainerConfig of(String name, String image, List<Path> layers, List<String> args,
      Path logPath) {
    return new ContainerConfig(name, 0, image, layers, args,
        List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), "/", User.ROOT,
        List.of(), Resources.NONE, logPath, false, "SIGTERM", Map.of(), Map.of());
  }

  public ContainerConfig withEnv(List<String> newEnv) {
    return new ContainerConfig(name, attempt, image, rootfsLayers, args, newEnv, workingDir, user, mounts,
        resources, logPath, readOnlyRootfs, stopSignal, labels, annotations, security, stdio);
  }

  public ContainerConfig withResources(Resources newResources) {
    return new ContainerConfig(name, attempt, image, rootfsLayers, args, env, workingDir, user, mounts,
        newResources, logPath, readOnlyRootfs, stopSignal, labels, annotations, security, stdio);
  }

  public ContainerConfig withMounts(List<Mount> newMounts) {
    return new ContainerConfig(name, attempt, image, rootfsLayers, args, env, workingDir, user, newMounts,
        resources, logPath, readOnlyRootfs, stopSignal, labels, annotations, security, stdio);
  }

  public ContainerConfig withSecurity(Security newSecurity) {
    return new ContainerConfig(name, attempt, image, rootfsLayers, args, env, workingDir, user, mounts,
        resources, logPath, readOnlyRootfs, stopSignal, labels, annotations, newSecurity, stdio);
  }

  public ContainerConfig withStdio(Stdio newStdio) {
    return new ContainerConfig(name, attempt, image, rootfsLayers, args, env, workingDir, user, mounts,
        resources, logPath, readOnlyRootfs, stopSignal, labels, annotations, security, newStdio);
  }

  public ContainerConfig withReadOnlyRootfs(boolean readOnly) {
    return new ContainerConfig(name, attempt, image, rootfsLayers, args, env, workingDir, user, mounts,
        resources, logPath, readOnly, stopSignal, labels, annotations, security, stdio);
  }

  public ContainerConfig withUser(User newUser) {
    return new ContainerConfig(name, attempt, image, rootfsLayers, args, env, workingDir, newUser, mounts,
        resources, logPath, readOnlyRootfs, stopSignal, labels, annotations, security, stdio);
  }

  /**
   * The container's standard streams (CRI {@code stdin}, {@code stdin_once}, {@code tty}): whether the runtime keeps
   * a stdin open for attaches, whether that stdin closes when the first attach that used it ends, and whether the
   * process runs on a terminal (its output then all on stdout).
   */
  public record Stdio(boolean stdin, boolean stdinOnce, boolean tty) {
    /** No stdin (it reads {@code /dev/null}), no terminal: the default. */
    public static final Stdio NONE = new Stdio(false, false, false);

    public Stdio {
      if (stdinOnce && !stdin) {
        stdinOnce = false; // the API ignores stdinOnce without stdin
      }
    }
  }

  /**
   * Who the process runs as; immutable and thread-safe.
   *
   * <p>Either numeric and final ({@link #User(long, long, List)}: used exactly as given), or a {@link Lookup}
   * (the CRI's {@code run_as_user}/{@code run_as_username}/{@code run_as_group}, or the image's {@code User})
   * that the runtime resolves in the container's own {@code /etc/passwd} and {@code /etc/group} once the rootfs
   * is mounted; then {@code uid} and {@code gid} are 0 and {@code additionalGids} holds the pod's
   * {@code supplementalGroups}.
   *
   * @param uid the user id
   * @param gid the primary group id
   * @param additionalGids supplementary group ids
   * @param lookup names or ids still to be resolved in the rootfs
   */
  public record User(long uid, long gid, List<Long> additionalGids, Optional<Lookup> lookup) {
    public static final User ROOT = new User(0, 0, List.of());

    public User {
      if (uid < 0 || gid < 0) {
        throw new IllegalArgumentException("negative uid or gid");
      }
      additionalGids = List.copyOf(additionalGids);
      if (lookup.isPresent() && (uid != 0 || gid != 0)) {
        throw new IllegalArgumentException("a user to look up carries no uid or gid of its own");
      }
    }

    /** A numeric identity, used as given without a look at the rootfs. */
    public User(long uid, long gid, List<Long> additionalGids) {
      this(uid, gid, additionalGids, Optional.empty());
    }

    /**
     * A user the runtime resolves in the rootfs (as runc's {@code GetExecUser} and containerd's
     * {@code WithUser}/{@code WithAdditionalGIDs}): {@code user} is a name or a uid, {@code group} a name or
     * a gid or empty for the user's primary group from {@code /etc/passwd}.
     */
    public static User lookup(String user, Optional<String> group, List<Long> supplementalGroups) {
      return new User(0, 0, supplementalGroups, Optional.of(new Lookup(user, group)));
    }
  }

  /**
   * A user and an optional group, each a name or a decimal id, as in the image's {@code User}
   * ({@code user}, {@code user:group}, {@code uid:group}, {@code user:gid}, {@code uid:gid}).
   */
  public record Lookup(String user, Optional<String> group) {
    public Lookup {
      requireName("user", user);
      group.ifPresent(g -> requireName("group", g));
    }

    /** Parses {@code user[:group]}; an empty user part means root, as in runc. */
    public static Lookup parse(String spec) {
      int colon = spec.indexOf(':');
      String user = colon < 0 ? spec : spec.substring(0, colon);
      Optional<String> group = colon < 0 ? Optional.empty() : Optional.of(spec.substring(colon + 1));
      return new Lookup(user.isEmpty() ? "0" : user, group.filter(g -> !g.isEmpty()));
    }

    private static void requireName(String what, String name) {
      if (name.isEmpty() || name.length() > 256 || !name.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f && ch != ':')) {
        throw new IllegalArgumentException("invalid " + what + " \"" + name
            + "\": must be a name or an id without ':', spaces or control characters");
      }
    }

    /** The {@code user[:group]} form. */
    @Override
    public String toString() {
      return user + group.map(g -> ":" + g).orElse("");
    }
  }

  /**
   * A recursive bind mount of a host path into the container (CRI {@code Mount}).
   *
   * @param propagation how mounts under it propagate between host and container
   */
  public record Mount(String containerPath, Path hostPath, boolean readOnly, Propagation propagation) {
    public Mount {
      if (!containerPath.startsWith("/")) {
        throw new IllegalArgumentException("mount destination must be absolute: " + containerPath);
      }
      java.util.Objects.requireNonNull(propagation, "propagation");
    }

    /** A private mount ({@code mountPropagation: None}). */
    public Mount(String containerPath, Path hostPath, boolean readOnly) {
      this(containerPath, hostPath, readOnly, Propagation.PRIVATE);
    }
  }

  /** CRI {@code MountPropagation}: the OCI options {@code rprivate}, {@code rslave}, {@code rshared}. */
  public enum Propagation {
    /** {@code None}: nothing propagates. */
    PRIVATE("rprivate"),
    /** {@code HostToContainer}: mounts made on the host later appear in the container. */
    HOST_TO_CONTAINER("rslave"),
    /** {@code Bidirectional}: mounts propagate both ways. */
    BIDIRECTIONAL("rshared");

    private final String option;

    Propagation(String option) {
      this.option = option;
    }

    /** The OCI mount option. */
    public String option() {
      return option;
    }
  }

  /**
   * cgroup limits (CRI {@code LinuxContainerResources}); empty means unlimited.
   *
   * @param cpuShares relative CPU weight (from the CPU request)
   * @param cpuQuotaMicros CFS quota per period (from the CPU limit)
   * @param cpuPeriodMicros CFS period, 100000 when a quota is set
   * @param memoryLimitBytes the memory limit
   * @param pidsLimit the maximum number of tasks
   * @param oomScoreAdj the process's {@code oom_score_adj} (the kubelet's per-QoS value); empty inherits it
   */
  public record Resources(
      OptionalLong cpuShares,
      OptionalLong cpuQuotaMicros,
      OptionalLong cpuPeriodMicros,
      OptionalLong memoryLimitBytes,
      OptionalLong pidsLimit,
      OptionalInt oomScoreAdj) {
    public static final Resources NONE = new Resources(OptionalLong.empty(), OptionalLong.empty(),
        OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());

    public Resources {
      if (oomScoreAdj.isPresent() && (oomScoreAdj.getAsInt() < -1000 || oomScoreAdj.getAsInt() > 1000)) {
        throw new IllegalArgumentException("oom_score_adj must be in [-1000, 1000]: " + oomScoreAdj.getAsInt());
      }
    }

    /** Limits without an {@code oom_score_adj} of their own. */
    public Resources(OptionalLong cpuShares, OptionalLong cpuQuotaMicros, OptionalLong cpuPeriodMicros,
        OptionalLong memoryLimitBytes, OptionalLong pidsLimit) {
      this(cpuShares, cpuQuotaMicros, cpuPeriodMicros, memoryLimitBytes, pidsLimit, OptionalInt.empty());
    }

    /** These limits with {@code oom_score_adj} set to {@code score}. */
    public Resources withOomScoreAdj(int score) {
      return new Resources(cpuShares, cpuQuotaMicros, cpuPeriodMicros, memoryLimitBytes, pidsLimit,
          OptionalInt.of(score));
    }

    /** These limits with at most {@code limit} tasks. */
    public Resources withPidsLimit(long limit) {
      return new Resources(cpuShares, cpuQuotaMicros, cpuPeriodMicros, memoryLimitBytes, OptionalLong.of(limit),
          oomScoreAdj);
    }

    /** Limits only memory. */
    public static Resources memory(long bytes) {
      return new Resources(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
          OptionalLong.of(bytes), OptionalLong.empty());
    }

    /** Kubernetes CPU milli-cores to a CFS quota with the default 100 ms period. */
    public static Resources cpuLimitMillis(long millis) {
      return new Resources(OptionalLong.empty(), OptionalLong.of(millis * 100), OptionalLong.of(100_000),
          OptionalLong.empty(), OptionalLong.empty());
    }
  }

  /**
   * The container's privileges (CRI {@code LinuxContainerSecurityContext}), already resolved by the kubelet from
   * the pod's and the container's {@code securityContext}; immutable and thread-safe.
   *
   * @param privileged every capability, every host device, no masked or read-only paths, no seccomp, writable
   *     {@code /sys}
   * @param addCapabilities capability names as Kubernetes spells them ({@code NET_ADMIN}, or {@code ALL}), added to
   *     the runtime's default set
   * @param dropCapabilities capability names (or {@code ALL}) removed from it, after the additions of {@code ALL}
   * @param noNewPrivileges the process cannot gain privileges through setuid binaries or file capabilities
   *     ({@code allowPrivilegeEscalation: false})
   * @param seccomp the system call filter
   * @param apparmorProfile the AppArmor profile to run under, on a host that has AppArmor; empty for none
   */
  public record Security(boolean privileged, List<String> addCapabilities, List<String> dropCapabilities,
      boolean noNewPrivileges, Seccomp seccomp, Optional<String> apparmorProfile) {
    public static final Security DEFAULT = new Security(false, List.of(), List.of(), false, new Seccomp.Unconfined(),
        Optional.empty());

    public Security {
      addCapabilities = List.copyOf(addCapabilities);
      dropCapabilities = List.copyOf(dropCapabilities);
      java.util.Objects.requireNonNull(seccomp, "seccomp");
      java.util.Objects.requireNonNull(apparmorProfile, "apparmorProfile");
      for (String cap : addCapabilities) {
        requireCapabilityName(cap);
      }
      for (String cap : dropCapabilities) {
        requireCapabilityName(cap);
      }
      if (privileged && noNewPrivileges) {
        throw new IllegalArgumentException("a privileged container cannot have no_new_privs");
      }
    }

    private static void requireCapabilityName(String cap) {
      if (!cap.matches("[A-Za-z_0-9]{1,64}")) {
        throw new IllegalArgumentException("invalid capability name \"" + cap + "\"");
      }
    }
  }

  /** The seccomp filter of a container (CRI {@code SecurityProfile}); immutable and thread-safe. */
  public sealed interface Seccomp {
    /** No filter. */
    record Unconfined() implements Seccomp {}

    /** The runtime's default filter, containerd's profile for the container's capabilities. */
    record RuntimeDefault() implements Seccomp {}

    /** A profile in OCI {@code linux.seccomp} form, read from a file on the node. */
    record Localhost(Path profile) implements Seccomp {
      public Localhost {
        if (!profile.isAbsolute()) {
          throw new IllegalArgumentException("seccomp profile path must be absolute: " + profile);
        }
      }
    }
  }
}
