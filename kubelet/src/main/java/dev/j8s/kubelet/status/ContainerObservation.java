package dev.j8s.kubelet.status;

import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.ContainerStatus;
import java.time.Instant;

/**
 * One container instance as the runtime reports it, the input a pod status is computed from; immutable
 * and thread-safe (upstream {@code kubecontainer.Status}).
 *
 * @param restartCount the instance's restart count (its attempt number)
 * @param imageId the digested image reference ({@code docker.io/library/busybox@sha256:…}), or empty
 * @param message the termination message read for an exited instance, or empty
 */
public record ContainerObservation(
    String name,
    String containerId,
    int restartCount,
    String image,
    String imageId,
    ContainerState state,
    Instant createdAt,
    String message) {

  /** The scheme of {@code containerID} in the API: {@code runc://<id>}. */
  public static final String RUNTIME_SCHEME = "runc";

  /** From the runtime's status; {@code imageId} and {@code message} are the caller's to supply. */
  public static ContainerObservation from(ContainerStatus status, String imageId, String message) {
    return new ContainerObservation(status.name(), status.id(), status.attempt(), status.image(), imageId,
        status.state(), status.createdAt(), message);
  }

  /** {@code runc://<id>}, as the API shows it. */
  public String apiContainerId() {
    return RUNTIME_SCHEME + "://" + containerId;
  }
}
