package dev.j8s.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What a container is made from, already resolved by the kubelet (CRI {@code ContainerConfig}):
 * final argv, environment and numeric user; immutable and thread-safe.
 *
 * @param name the container's name in the pod
 * @param attempt the restart count of this container
 * @param image the image reference, reported back in statuses
 * @param rootfsLayers the image's unpacked layer directories, base layer first
 * @param args the process argv (command + args), never empty
 * @param env {@code NAME=value} entries in order
 * @param workingDir absolute path inside the container
 * @param user numeric uid, gid and supplementary gids
 * @param mounts bind mounts into the container; one at {@code /etc/hosts}, {@code /etc/hostname} or
 *     {@code /etc/resolv.conf} replaces the runtime's own file
 * @param resources cgroup limits
 * @param logPath where conmon writes the CRI-format log
 * @param readOnlyRootfs mount the rootfs read-only
 * @param stopSignal the signal name {@code stopContainer} sends first, e.g. {@code SIGTERM}
 * @param labels opaque to the runtime, returned in statuses
 * @param annotations opaque to the runtime, returned in statuses
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
    Map<String, String> annotations) {

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
        resources, logPath, readOnlyRootfs, stopSignal, labels, annotations);
  }

  public ContainerConfig withResources(Resources newResources) {
    return new ContainerConfig(name, attempt, image, rootfsLayers, args, env, workingDir, user, mounts,
        newResources, logPath, readOnlyRootfs, stopSignal, labels, annotations);
  }

  public ContainerConfig withMounts(List<Mount> newMounts) {
    return new ContainerConfig(name, attempt, image, rootfsLayers, args, env, workingDir, user, newMounts,
        resources, logPath, readOnlyRootfs, stopSignal, labels, annotations);
  }

  public ContainerConfig withUser(User newUser) {
    return new ContainerConfig(name, attempt, image, rootfsLayers, args, env, workingDir, newUser, mounts,
        resources, logPath, readOnlyRootfs, stopSignal, labels, annotations);
  }

  /** The numeric identity the process runs as. */
  public record User(long uid, long gid, List<Long> additionalGids) {
    public static final User ROOT = new User(0, 0, List.of());

    public User {
      if (uid < 0 || gid < 0) {
        throw new IllegalArgumentException("negative uid or gid");
      }
      additionalGids = List.copyOf(additionalGids);
    }
  }

  /** A bind mount of a host path into the container. */
  public record Mount(String containerPath, Path hostPath, boolean readOnly) {
    public Mount {
      if (!containerPath.startsWith("/")) {
        throw new IllegalArgumentException("mount destination must be absolute: " + containerPath);
      }
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
   */
  public record Resources(
      OptionalLong cpuShares,
      OptionalLong cpuQuotaMicros,
      OptionalLong cpuPeriodMicros,
      OptionalLong memoryLimitBytes,
      OptionalLong pidsLimit) {
    public static final Resources NONE = new Resources(OptionalLong.empty(), OptionalLong.empty(),
        OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty());

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
}
