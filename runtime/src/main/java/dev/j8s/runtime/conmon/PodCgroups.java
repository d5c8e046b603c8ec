package dev.j8s.runtime.conmon;

import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.KernelFiles;
import dev.j8s.runtime.PodSandboxConfig;
import dev.j8s.runtime.PodSandboxStats;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The cgroups of one instance (cgroupfs driver): the instance's parent {@code <cgroupParent>}, limited to the node's
 * allocatable memory as upstream's {@code kubepods} cgroup is, and one {@code pod<uid>} cgroup per pod under it with
 * the pod's limits (upstream's pod-level cgroups: the pod's pids limit, and the sums of its containers' memory and
 * CPU limits and CPU requests), which holds the containers' cgroups runc makes. cgroup v1 hierarchies (the
 * {@code pids}, {@code memory} and {@code cpu} controllers) or the v2 unified one. Thread-safe.
 */
final class PodCgroups {
  private static final System.Logger LOG = System.getLogger(PodCgroups.class.getName());
  static final Path ROOT = Path.of("/sys/fs/cgroup");

  private final String parent;
  private final Path root;

  PodCgroups(String parent) {
    this(parent, ROOT);
  }

  PodCgroups(String parent, Path root) {
    this.parent = parent;
    this.root = root;
  }

  /** Whether the cgroup v2 unified hierarchy is mounted at the root. */
  boolean unified() {
    return Files.exists(root.resolve("cgroup.controllers"));
  }

  /** The cgroup v1 hierarchies, or the v2 root alone. */
  List<Path> hierarchies() {
    if (unified()) {
      return List.of(root);
    }
    try (Stream<Path> entries = Files.list(root)) {
      return entries.filter(p -> Files.isDirectory(p) && !Files.isSymbolicLink(p)).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /**
   * Creates the instance's parent cgroup and limits its memory to {@code memoryBytes} (the node's allocatable:
   * pods together cannot take the memory the host keeps for itself); 0 leaves it unlimited.
   */
  void ensureParent(long memoryBytes) {
    if (unified()) {
      Path dir = root.resolve(parent.substring(1));
      mkdirs(dir);
      enableControllers(root, dir);
      if (memoryBytes > 0) {
        write(dir.resolve("memory.max"), Long.toString(memoryBytes));
      }
      return;
    }
    for (String controller : List.of("memory", "pids", "cpu")) {
      Path hierarchy = v1(controller);
      if (hierarchy != null) {
        mkdirs(hierarchy.resolve(parent.substring(1)));
      }
    }
    Path memory = v1("memory");
    if (memory != null && memoryBytes > 0) {
      write(memory.resolve(parent.substring(1)).resolve("memory.limit_in_bytes"), Long.toString(memoryBytes));
    }
  }

  /** Creates {@code pod<uid>} with the pod's limits; an unset (0) limit is left as the kernel's default. */
  void create(String podUid, PodSandboxConfig.PodResources limits) {
    String pod = "pod" + podUid;
    if (unified()) {
      Path dir = root.resolve(parent.substring(1)).resolve(pod);
      mkdirs(dir);
      enableControllers(root.resolve(parent.substring(1)), dir);
      if (limits.pidsLimit() > 0) {
        write(dir.resolve("pids.max"), Long.toString(limits.pidsLimit()));
      }
      if (limits.memoryLimitBytes() > 0) {
        write(dir.resolve("memory.max"), Long.toString(limits.memoryLimitBytes()));
      }
      if (limits.cpuShares() > 0) {
        // cgroup v2 weight from shares, as runc converts them
        write(dir.resolve("cpu.weight"), Long.toString(1 + ((limits.cpuShares() - 2) * 9999) / 262142));
      }
      if (limits.cpuQuotaMicros() > 0) {
        write(dir.resolve("cpu.max"), limits.cpuQuotaMicros() + " " + limits.cpuPeriodMicros());
      }
      return;
    }
    Path pids = v1("pids");
    if (pids != null) {
      Path dir = mkdirs(pids.resolve(parent.substring(1)).resolve(pod));
      if (limits.pidsLimit() > 0) {
        write(dir.resolve("pids.max"), Long.toString(limits.pidsLimit()));
      }
    }
    Path memory = v1("memory");
    if (memory != null) {
      Path dir = mkdirs(memory.resolve(parent.substring(1)).resolve(pod));
      if (limits.memoryLimitBytes() > 0) {
        write(dir.resolve("memory.limit_in_bytes"), Long.toString(limits.memoryLimitBytes()));
      }
    }
    Path cpu = v1("cpu");
    if (cpu != null) {
      Path dir = mkdirs(cpu.resolve(parent.substring(1)).resolve(pod));
      if (limits.cpuShares() > 0) {
        write(dir.resolve("cpu.shares"), Long.toString(limits.cpuShares()));
      }
      if (limits.cpuQuotaMicros() > 0) {
        write(dir.resolve("cpu.cfs_period_us"), Long.toString(limits.cpuPeriodMicros()));
        write(dir.resolve("cpu.cfs_quota_us"), Long.toString(limits.cpuQuotaMicros()));
      }
    }
  }

  /** The pod cgroup's memory working set (usage less inactive file cache) and task count; zeros when it is gone. */
  PodSandboxStats stats(String podUid) {
    String pod = "pod" + podUid;
    if (unified()) {
      Path dir = root.resolve(parent.substring(1)).resolve(pod);
      long usage = KernelFiles.number(dir.resolve("memory.current"));
      return new PodSandboxStats(Math.max(0, usage - KernelFiles.field(dir.resolve("memory.stat"), "inactive_file")),
          KernelFiles.number(dir.resolve("pids.current")));
    }
    Path memory = v1("memory");
    Path pids = v1("pids");
    long workingSet = 0;
    if (memory != null) {
      Path dir = memory.resolve(parent.substring(1)).resolve(pod);
      long usage = KernelFiles.number(dir.resolve("memory.usage_in_bytes"));
      workingSet = Math.max(0, usage - KernelFiles.field(dir.resolve("memory.stat"), "total_inactive_file"));
    }
    long processes = pids == null ? 0 : KernelFiles.number(pids.resolve(parent.substring(1)).resolve(pod).resolve("pids.current"));
    return new PodSandboxStats(workingSet, processes);
  }

  /** Removes {@code pod<uid>} in every hierarchy, bottom-up; a cgroup still holding a process is logged and kept. */
  void remove(String podUid) {
    for (Path hierarchy : hierarchies()) {
      deleteTree(hierarchy.resolve(parent.substring(1)).resolve("pod" + podUid));
    }
  }

  /** Removes the instance's parent in every hierarchy (once its pods are gone). */
  void removeParent() {
    for (Path hierarchy : hierarchies()) {
      deleteTree(hierarchy.resolve(parent.substring(1)));
    }
  }

  /** The v1 hierarchy of {@code controller} ({@code cpu} may be mounted as {@code cpu,cpuacct}). */
  private Path v1(String controller) {
    for (Path hierarchy : hierarchies()) {
      for (String name : hierarchy.getFileName().toString().split(",")) {
        if (name.equals(controller)) {
          return hierarchy;
        }
      }
    }
    return null;
  }

  /** On cgroup v2, makes the memory, pids and cpu controllers available to {@code child}'s processes. */
  private static void enableControllers(Path parentDir, Path child) {
    List<String> wanted = new ArrayList<>();
    try {
      String available = Files.readString(parentDir.resolve("cgroup.controllers"));
      for (String c : List.of("memory", "pids", "cpu")) {
        if ((" " + available.strip() + " ").contains(" " + c + " ")) {
          wanted.add("+" + c);
        }
      }
      if (!wanted.isEmpty()) {
        Files.writeString(parentDir.resolve("cgroup.subtree_control"), String.join(" ", wanted));
      }
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "cannot enable controllers for {0}: {1}", child, e.toString());
    }
  }

  private static Path mkdirs(Path dir) {
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new ContainerRuntimeException("create cgroup " + dir, e);
    }
  }

  private static void write(Path file, String value) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new ContainerRuntimeException("write " + value + " to " + file, e);
    }
  }

  /** Removes an empty cgroup tree bottom-up (cgroup dirs are removed with rmdir, not unlink). */
  static void deleteTree(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot remove cgroup path={0} error={1}", dir, e.toString());
    }
  }
}
