package dev.j8s.kubelet.logs;

import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.ContainerStatus;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Rotates the logs of running containers by size, as upstream's {@code containerLogManager}
 * ({@code pkg/kubelet/logs/container_log_manager.go}): every {@link #MONITOR_PERIOD} each running container's log
 * larger than {@code containerLogMaxSize} is renamed to {@code <log>.<timestamp>}, the runtime asked to reopen it
 * (CRI {@code ReopenContainerLog}), and rotated files beyond {@code containerLogMaxFiles} (the live one counted)
 * removed; thread-safe, one pass at a time.
 *
 * <p>Unlike upstream, rotated files are not gzip-compressed.
 */
public final class ContainerLogManager implements AutoCloseable {

  /** Upstream's {@code logMonitorPeriod}. */
  public static final Duration MONITOR_PERIOD = Duration.ofSeconds(10);
  private static final System.Logger LOG = System.getLogger(ContainerLogManager.class.getName());

  private final ContainerRuntime runtime;
  private final LogRotator rotator;
  private final Duration period;
  private ScheduledExecutorService executor;

  /** @param period how often the logs are checked; upstream's is {@link #MONITOR_PERIOD} */
  public ContainerLogManager(ContainerRuntime runtime, LogRotator rotator, Duration period) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("log monitor period must be positive, got " + period);
    }
    this.runtime = runtime;
    this.rotator = rotator;
    this.period = period;
  }

  /** Starts the periodic rotation on a daemon thread. */
  public synchronized void start() {
    if (executor != null) {
      return;
    }
    executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("kubelet-log-rotation")
        .daemon().uncaughtExceptionHandler((t, e) -> LOG.log(Level.ERROR, "log rotation failed", e)).factory());
    executor.scheduleWithFixedDelay(this::rotateLogsQuietly, period.toMillis(), period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * One pass: rotates the log of every running container that outgrew the limit; a container whose log cannot
   * be rotated is logged and skipped, so the others still are.
   */
  public synchronized void rotateLogs() {
    for (ContainerStatus c : runtime.listContainers()) {
      if (!(c.state() instanceof ContainerState.Running)) {
        continue; // as upstream: only a running container's writer can reopen
      }
      try {
        if (rotator.rotateIfNeeded(c.logPath(), () -> runtime.reopenContainerLog(c.id()))) {
          LOG.log(Level.DEBUG, "rotated container log container={0} log={1}", c.id(), c.logPath());
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "cannot rotate container log container=" + c.id() + " log=" + c.logPath()
            + " error=" + e.getMessage());
      }
    }
  }

  private void rotateLogsQuietly() {
    try {
      rotateLogs();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "log rotation pass failed error=" + e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }
}
