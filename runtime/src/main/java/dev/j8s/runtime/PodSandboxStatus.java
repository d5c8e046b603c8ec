package dev.j8s.runtime;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A sandbox as the runtime sees it (CRI {@code PodSandboxStatus}); immutable and thread-safe.
 *
 * @param ips the pod's addresses, first the primary one; empty once the network is torn down
 * @param netnsPath the bind mount of the pod's network namespace
 */
public record PodSandboxStatus(
    String id,
    PodSandboxConfig config,
    State state,
    Instant createdAt,
    List<String> ips,
    Path netnsPath) {

  public PodSandboxStatus {
    ips = List.copyOf(ips);
  }

  /** CRI {@code PodSandboxState}. */
  public enum State {
    READY, NOTREADY
  }
}
