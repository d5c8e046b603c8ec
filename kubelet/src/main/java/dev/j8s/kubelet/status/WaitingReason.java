package dev.j8s.kubelet.status;

/**
 * Why a container that should run does not (upstream's reason cache entry), e.g.
 * {@code CrashLoopBackOff}, {@code ErrImagePull}, {@code CreateContainerConfigError}; immutable and
 * thread-safe.
 */
public record WaitingReason(String reason, String message) {

  public WaitingReason {
    if (reason.isEmpty()) {
      throw new IllegalArgumentException("a waiting reason must not be empty");
    }
  }
}
