package dev.j8s.runtime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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

  /**
   * Creates the pod's namespaces and returns the new sandbox id; its network may still be being wired
   * (the sandbox is READY meanwhile and its IPs follow), so containers can be created alongside.
   * {@link #startContainer} waits for the network and raises
   * {@link ContainerRuntimeException.SandboxFailed} when it could not be wired.
   */
  String runPodSandbox(PodSandboxConfig config);

  /** Stops every container of the sandbox (SIGKILL) and tears down its network; idempotent. */
  void stopPodSandbox(String sandboxId);

  /** Removes a sandbox, its containers, namespaces and cgroups; idempotent for unknown ids. */
  void removePodSandbox(String sandboxId);

  PodSandboxStatus podSandboxStatus(String sandboxId);

  /**
   * The sandbox's IPs, the primary one first, once its network is attached: a runtime that attaches networks in
   * the background waits for that attachment; empty when the sandbox has no network (or it failed).
   */
  default List<String> podSandboxIps(String sandboxId) {
    return podSandboxStatus(sandboxId).ips();
  }

  List<PodSandboxStatus> listPodSandboxes();

  /** The sandboxes of one pod, by its UID (CRI {@code ListPodSandbox} with a filter). */
  default List<PodSandboxStatus> listPodSandboxes(String podUid) {
    return listPodSandboxes().stream().filter(s -> s.config().uid().equals(podUid)).toList();
  }

  /** Prepares the container's rootfs and bundle and creates it (not yet started); returns its id. */
  String createContainer(String sandboxId, ContainerConfig config);

  /** Starts a created container's process, once its sandbox's network is ready. */
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

  /**
   * The containers carrying every label of {@code labelSelector} (CRI {@code ListContainers} with a
   * label selector); implementations may skip the status of the others.
   */
  default List<ContainerStatus> listContainers(Map<String, String> labelSelector) {
    return listContainers().stream()
        .filter(c -> c.labels().entrySet().containsAll(labelSelector.entrySet())).toList();
  }

  /** Runs a command in a running container and collects its output, bounded by {@code timeout}. */
  ExecResult execSync(String containerId, List<String> command, Duration timeout);

  /** Starts a command in a running container with its stdio as streams (no TTY). */
  ExecSession exec(String containerId, List<String> command);

  ContainerStats containerStats(String containerId);

  /** Usage of the pod cgroup of the pod with UID {@code podUid}; {@link PodSandboxStats#NONE} when it has none. */
  default PodSandboxStats podSandboxStats(String podUid) {
    return PodSandboxStats.NONE;
  }

  /**
   * Starts a command in a running container on a new terminal of {@code width} columns and
   * {@code height} rows ({@code kubectl exec -t}), with {@code TERM=xterm}: stdin is raw input to the
   * terminal, stdout its output (stderr merged, so {@link ExecSession#stderr()} is empty), and
   * {@link ExecSession#resize} changes its size.
   */
  ExecSession execTty(String containerId, List<String> command, int width, int height);

  /**
   * Attaches to the running container's main process (CRI {@code Attach}): its output (with a TTY all of it on
   * stdout), and its stdin when {@code stdin} and the container was created with one ({@link ContainerConfig.Stdio});
   * else what is written to {@link ExecSession#stdin()} is dropped. Closing the session's stdin ends the client's
   * input (the container's stdin closes with it when it is {@code stdinOnce}); {@link ExecSession#awaitExit} reports 0
   * once the attach is over (the container exited, or the stdin of a container without TTY that keeps its stdin
   * open ended); {@link ExecSession#close} detaches and leaves the container running; {@link ExecSession#resize}
   * resizes a TTY container's terminal.
   *
   * @throws ContainerRuntimeException when the container does not run
   */
  ExecSession attach(String containerId, boolean stdin);

  /**
   * Makes the container's log writer close its log file and open a new one under the same path (CRI
   * {@code ReopenContainerLog}), after the kubelet renamed the old file away; a container that is not
   * running is refused with {@link ContainerRuntimeException}.
   */
  void reopenContainerLog(String containerId);

  /**
   * An unconnected TCP socket (blocking mode) made inside the sandbox's network namespace: how the node reaches a
   * pod's ports (CRI {@code PortForward}, probes, HTTP hooks) without a process in the pod. The caller connects it,
   * blocking or not.
   *
   * @throws IOException when the socket cannot be made
   * @throws ContainerRuntimeException when the sandbox or its network namespace does not exist
   */
  SocketChannel openSocket(String sandboxId, ProtocolFamily family) throws IOException;

  /**
   * A TCP connection to {@code target} made from inside the sandbox's network namespace ({@link #openSocket}), in
   * blocking mode; connecting takes at most {@code timeout}.
   *
   * @throws IOException when the connection is refused, unreachable or not made within {@code timeout}
   * @throws ContainerRuntimeException when the sandbox or its network namespace does not exist
   */
  default SocketChannel connect(String sandboxId, InetSocketAddress target, Duration timeout) throws IOException {
    return Sockets.connect(openSocket(sandboxId, Sockets.familyOf(target)), target, timeout);
  }
}
