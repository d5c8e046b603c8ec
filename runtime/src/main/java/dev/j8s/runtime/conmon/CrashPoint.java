package dev.j8s.runtime.conmon;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * Points in the runtime where a test can make this process die by SIGKILL, deterministically, to prove what a
 * crash exactly there leaves behind: the system property names the container whose passage through the point
 * kills the process (unset, the default, does nothing). Stateless, thread-safe.
 */
enum CrashPoint {
  /** Right after {@code runc start} returned, before the start is recorded. */
  AFTER_RUNC_START("j8s.test.crashAfterRuncStart");

  private static final System.Logger LOG = System.getLogger(CrashPoint.class.getName());

  private final String property;

  CrashPoint(String property) {
    this.property = property;
  }

  /** The system property that arms this point. */
  String property() {
    return property;
  }

  /** Kills this process with SIGKILL when the point is armed for {@code container}. */
  void reached(String container) {
    if (!container.equals(System.getProperty(property))) {
      return;
    }
    long pid = ProcessHandle.current().pid();
    LOG.log(Level.WARNING, "crash point reached, sending SIGKILL to this process point={0} container={1} pid={2}",
        name(), container, pid);
    try {
      new ProcessBuilder("kill", "-KILL", Long.toString(pid)).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      // no kill(1): halting skips every shutdown hook just the same
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().halt(137);
  }
}
