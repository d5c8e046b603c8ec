package dev.j8s.runtime;

import java.time.Duration;
import java.util.List;

/**
 * A CRI-shaped container runtime: pod sandboxes (network, IPC and UTS namespaces shared by the pod's
 * containers) and containers inside them; implementations are thread-safe.
 *
 * <p>Mirrors the CRI {@code RuntimeService} (k8s.io/cri-api {@code api.proto}): sandbox and container
 * lifecycle, status, exec and stats. Unknown ids raise {@link ContainerRuntimeException.NotFound}; a
 * failing runtime tool raises {@link ContainerRuntimeException.CommandFailed} carrying its exit status
 * and stderr. State lives on disk, so a new instance over the same {@link RuntimeConfig} re-adopts
 * every sandbox and container a previous instance (or process) left running.
 */
public interface ContainerRuntime {

  /** Creates the pod's namespaces, wires its network and returns the new sandbox id. */
  String runPodSandbox(PodSandboxConfig config);

  /** Stops every container of the sandbox (SIGKILL) and tears down its network; idempotent. */
  void stopPodSandbox(String sandboxId);

  /** Removes a sandbox, its containers, namespaces and cgroups; idempotent for unknown ids. */
  void removePodSandbox(String sandboxId);

  PodSandboxStatus podSandboxStatus(String sandboxId);

  List<PodSandboxStatus> listPodSandboxes();

  /** Prepares the container's rootfs and bundle and creates it (not yet started); returns its id. */
  String createContainer(String sandboxId, ContainerConfig config);

  /** Starts a created container's process. */
  void startContainer(String containerId);

  /**
   * Sends the container's stop signal, waits up to {@code timeout} for it to exit, then SIGKILLs it
   * and waits for the exit; a container that is not running is left as it is.
   */
  void stopContainer(String containerId, Duration timeout);

  /** Deletes a container (killing it if it still runs), its rootfs and bundle; idempotent. */
  void removeContainer(String containerId);

  ContainerStatus containerStatus(String containerId);

  List<ContainerStatus> listContainers();

  /** Runs a command in a running container and collects its output, bounded by {@code timeout}. */
  ExecResult execSync(String containerId, List<String> command, Duration timeout);

  /** Starts a command in a running container with its stdio as streams (no TTY). */
  ExecSession exec(String containerId, List<String> command);

  ContainerStats containerStats(String containerId);

  /**
   * Makes the container's log writer close its log file and open a new one under the same path (CRI
   * {@code ReopenContainerLog}), after the kubelet renamed the old file away; a container that is not
   * running is refused with {@link ContainerRuntimeException}.
   */
  void reopenContainerLog(String containerId);
}
