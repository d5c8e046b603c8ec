package dev.j8s.runtime;

/**
 * Usage of a pod's own cgroup, which holds all its containers (CRI {@code PodSandboxStats}); immutable and
 * thread-safe.
 *
 * @param memoryWorkingSetBytes memory in use less inactive file cache, as cAdvisor computes the working set
 * @param processCount tasks in the pod's cgroup
 */
public record PodSandboxStats(long memoryWorkingSetBytes, long processCount) {
  public static final PodSandboxStats NONE = new PodSandboxStats(0, 0);
}
