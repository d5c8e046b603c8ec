package dev.j8s.runtime;

import java.time.Instant;

/**
 * Resource usage of one container, read from its cgroup (CRI {@code ContainerStats}); immutable and
 * thread-safe.
 */
public record ContainerStats(
    String containerId, Instant timestamp, long cpuUsageNanos, long memoryUsageBytes,
    long memoryWorkingSetBytes) {}
