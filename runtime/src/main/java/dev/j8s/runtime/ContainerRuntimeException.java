package dev.j8s.runtime;

import java.util.List;

/** A runtime operation that failed; immutable and thread-safe. */
public sealed class ContainerRuntimeException extends RuntimeException
    permits ContainerRuntimeException.NotFound, ContainerRuntimeException.CommandFailed,
        ContainerRuntimeException.SandboxFailed {

  public ContainerRuntimeException(String message) {
    super(message);
  }

  public ContainerRuntimeException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The sandbox or container id names nothing this runtime knows. */
  public static final class NotFound extends ContainerRuntimeException {
    public NotFound(String kind, String id) {
      super(kind + " " + id + " not found");
    }
  }

  /**
   * The pod's sandbox could not be made ready (its network attachment failed), found when a container
   * of it is started; the kubelet reports it as upstream's {@code FailedCreatePodSandBox}.
   */
  public static final class SandboxFailed extends ContainerRuntimeException {
    private final String sandboxId;

    public SandboxFailed(String sandboxId, String message, Throwable cause) {
      super(message, cause);
      this.sandboxId = sandboxId;
    }

    public String sandboxId() {
      return sandboxId;
    }
  }

  /** A child process (runc, conmon, a CNI plugin) failed: carries its exit status and stderr. */
  public static final class CommandFailed extends ContainerRuntimeException {
    private final transient List<String> command;
    private final int exitStatus;
    private final String stderr;

    public CommandFailed(String action, List<String> command, int exitStatus, String stderr) {
      super(action + ": " + command.getFirst() + " exited with status " + exitStatus
          + (stderr.isBlank() ? "" : ": " + stderr.strip()));
      this.command = List.copyOf(command);
      this.exitStatus = exitStatus;
      this.stderr = stderr;
    }

    public List<String> command() {
      return command;
    }

    /** The exit status, or -1 when the process timed out and was killed. */
    public int exitStatus() {
      return exitStatus;
    }

    public String stderr() {
      return stderr;
    }
  }
}
