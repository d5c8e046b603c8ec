package dev.j8s.runtime.conmon;

import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ExecSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An exec session without a terminal: a {@code runc exec} child whose pipes are the command's stdio. runc writes
 * the command's host pid to a file, so that closing a session whose command still runs ends the command and what
 * it started, as the hang-up of the terminal does for {@link TtyExecSession}: runc makes the command a session
 * leader, and every process of that session (its children, and those it left to the container's init) gets
 * SIGKILL; SIGKILL to runc alone would leave them all running. Thread-safe (each stream for one reader or writer).
 */
final class RuncExecSession implements ExecSession {

  private static final System.Logger LOG = System.getLogger(RuncExecSession.class.getName());
  /** How long a close waits for runc to have written the command's pid. */
  private static final Duration PID_WAIT = Duration.ofSeconds(2);

  private final Process runc;
  private final Path pidFile;

  private RuncExecSession(Process runc, Path pidFile) {
    this.runc = runc;
    this.pidFile = pidFile;
  }

  /** Starts {@code command} in container {@code containerId} whose bundle is {@code bundle}. */
  static RuncExecSession start(Runc runc, Path bundle, String containerId, List<String> command) {
    Path pidFile = bundle.resolve("exec-" + UUID.randomUUID() + ".pid");
    List<String> argv = runc.command("exec", "--pid-file", pidFile.toString(), containerId);
    argv.addAll(command);
    try {
      Process process = new ProcessBuilder(argv).start();
      process.onExit().thenRun(() -> deleteQuietly(pidFile));
      return new RuncExecSession(process, pidFile);
    } catch (IOException e) {
      deleteQuietly(pidFile);
      throw new ContainerRuntimeException("exec in container " + containerId, e);
    }
  }

  @Override
  public OutputStream stdin() {
    return runc.getOutputStream();
  }

  @Override
  public InputStream stdout() {
    return runc.getInputStream();
  }

  @Override
  public InputStream stderr() {
    return runc.getErrorStream();
  }

  @Override
  public OptionalInt awaitExit(Duration timeout) {
    try {
      return runc.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
          ? OptionalInt.of(runc.exitValue()) : OptionalInt.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalInt.empty();
    }
  }

  /**
   * Ends the command if it still runs (runc is still there): SIGKILL to every process of its session, then to
   * runc. A command that ended leaves what it put in the background alone, as upstream.
   */
  @Override
  public void close() {
    if (runc.isAlive()) {
      commandPid().ifPresent(pid -> {
        List<ProcessHandle> doomed = sessionOf(pid);
        LOG.log(Level.DEBUG, "ending exec session pid={0} processes={1}", pid, doomed.size());
        doomed.forEach(ProcessHandle::destroyForcibly);
      });
    }
    runc.destroyForcibly();
  }

  /** The command's host pid once runc wrote it (waiting a little for a command that is just starting). */
  private OptionalLong commandPid() {
    long deadline = System.nanoTime() + PID_WAIT.toNanos();
    while (true) {
      try {
        String text = Files.readString(pidFile).strip();
        if (!text.isEmpty()) {
          return OptionalLong.of(Long.parseLong(text));
        }
      } catch (IOException | NumberFormatException e) {
        // not written yet
      }
      if (!runc.isAlive() || System.nanoTime() - deadline > 0) {
        return OptionalLong.empty();
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return OptionalLong.empty();
      }
    }
  }

  /**
   * The command and every process it started: its descendants, and (when it leads a session, as runc makes it)
   * every process whose session it leads. Handles carry the start time, so a reused pid is never killed.
   */
  static List<ProcessHandle> sessionOf(long pid) {
    List<ProcessHandle> members = new ArrayList<>();
    ProcessHandle.of(pid).ifPresent(leader -> {
      members.add(leader);
      leader.descendants().forEach(members::add);
    });
    if (members.isEmpty() || sessionId(pid) != pid) {
      return members;
    }
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      procs.map(p -> p.getFileName().toString())
          .filter(name -> name.chars().allMatch(Character::isDigit))
          .mapToLong(Long::parseLong)
          .filter(p -> p != pid && sessionId(p) == pid)
          .forEach(p -> ProcessHandle.of(p).filter(h -> !members.contains(h)).ifPresent(members::add));
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "cannot list /proc: {0}", e.getMessage());
    }
    return members;
  }

  /** The session id of a process (field 6 of {@code /proc/<pid>/stat}), or -1 when it is gone. */
  static long sessionId(long pid) {
    return ProcStat.of(pid).map(ProcStat::session).orElse(-1L);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "exec pid file not deleted path={0} error={1}", file, e.toString());
    }
  }
}
