package dev.j8s.runtime;

import java.time.Instant;

/**
 * Resource usage of one container (CRI {@code ContainerStats}): CPU and memory from its cgroup (0 once it stopped),
 * and the disk its writable layer takes; immutable and thread-safe.
 *
 * @param writableLayerBytes bytes written into the container's rootfs (its overlay upper dir)
 * @param writableLayerInodes inodes those writes take
 */
public record ContainerStats(
    String containerId, Instant timestamp, long cpuUsageNanos, long memoryUsageBytes,
    long memoryWorkingSetBytes, long writableLayerBytes, long writableLayerInodes) {

  /** Stats without a measure of the writable layer. */
  public ContainerStats(String containerId, Instant timestamp, long cpuUsageNanos, long memoryUsageBytes,
      long memoryWorkingSetBytes) {
    this(containerId, timestamp, cpuUsageNanos, memoryUsageBytes, memoryWorkingSetBytes, 0, 0);
  }
}
