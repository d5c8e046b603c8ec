package dev.j8s.runtime;

import java.time.Instant;

/** The state of one container (CRI {@code ContainerState}, with its times); immutable and thread-safe. */
public sealed interface ContainerState {

  /** Created by {@code runc create}; its process waits for {@code startContainer}. */
  record Created() implements ContainerState {}

  /** Its process runs. */
  record Running(Instant startedAt) implements ContainerState {}

  /**
   * Its process ended; the exit code follows the shell convention (128 + signal when killed).
   *
   * @param startedAt when it started, or {@link Instant#EPOCH} when it never did
   * @param oomKilled whether the kernel's OOM killer killed it (then the code is 137)
   */
  record Exited(Instant startedAt, Instant finishedAt, int exitCode, boolean oomKilled)
      implements ContainerState {

    /** The CRI reason as containerd reports it and the kubelet shows it. */
    public String reason() {
      if (oomKilled) {
        return "OOMKilled";
      }
      return exitCode == 0 ? "Completed" : "Error";
    }
  }

  /** Its monitor (conmon) died without recording an exit: the container is lost. */
  record Unknown(String message) implements ContainerState {}
}
