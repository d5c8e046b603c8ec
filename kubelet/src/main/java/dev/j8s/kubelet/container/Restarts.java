package dev.j8s.kubelet.container;

import dev.j8s.runtime.ContainerState;
import java.util.Optional;

/**
 * Whether a container is (re)started, per restart policy, as upstream's
 * {@code ShouldContainerBeRestarted} (pkg/kubelet/container/helpers.go); stateless and thread-safe.
 */
public final class Restarts {

  private Restarts() {}

  /**
   * Whether an exited container is restarted under the pod's (or a sidecar's) restart policy:
   * {@code Always} always, {@code OnFailure} for a non-zero exit code, {@code Never} never.
   */
  public static boolean shouldRestart(String restartPolicy, int exitCode) {
    return switch (restartPolicy) {
      case "Always", "" -> true;
      case "OnFailure" -> exitCode != 0;
      case "Never" -> false;
      default -> throw new IllegalArgumentException("unknown restart policy \"" + restartPolicy + "\"");
    };
  }

  /**
   * Whether the next sync starts the container: never once the pod is being deleted; yes when it never
   * ran ({@code latest} empty), was only created or was lost; no while it runs; else by {@link
   * #shouldRestart}.
   */
  public static boolean shouldContainerBeRestarted(String restartPolicy, boolean podDeleted,
      Optional<ContainerState> latest) {
    if (podDeleted) {
      return false;
    }
    if (latest.isEmpty()) {
      return true;
    }
    return switch (latest.get()) {
      case ContainerState.Running r -> false;
      case ContainerState.Created c -> true;
      case ContainerState.Unknown u -> true;
      case ContainerState.Exited e -> shouldRestart(restartPolicy, e.exitCode());
    };
  }
}
