package dev.j8s.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a child process to completion with both output streams drained and a bounded wait, in the
 * manner of go-runc's command helpers; stateless and thread-safe.
 */
public final class ProcessRunner {

  /** Output kept per stream; a runaway child cannot fill the heap. */
  static final int MAX_OUTPUT = 4 << 20;

  private ProcessRunner() {}

  /** What a finished child process returned. */
  public record Result(List<String> command, int exitStatus, byte[] stdout, byte[] stderr) {
    public Result {
      command = List.copyOf(command);
    }

    public String stdoutText() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderrText() {
      return new String(stderr, StandardCharsets.UTF_8);
    }

    /** Returns this result, or throws {@link ContainerRuntimeException.CommandFailed} if non-zero. */
    public Result orThrow(String action) {
      if (exitStatus != 0) {
        throw new ContainerRuntimeException.CommandFailed(action, command, exitStatus, stderrText());
      }
      return this;
    }
  }

  /** Runs {@code command} with {@code env} added to the inherited environment. */
  public static Result run(List<String> command, Map<String, String> env, byte[] stdin, Duration timeout) {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(env);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new ContainerRuntimeException("start " + command.getFirst(), e);
    }
    return await(process, command, stdin, timeout);
  }

  public static Result run(List<String> command, Duration timeout) {
    return run(command, Map.of(), new byte[0], timeout);
  }

  /** Feeds stdin, drains both streams on virtual threads and waits at most {@code timeout}. */
  static Result await(Process process, List<String> command, byte[] stdin, Duration timeout) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    Thread outReader = Thread.ofVirtual().name("drain-out").start(() -> drain(process.getInputStream(), out));
    Thread errReader = Thread.ofVirtual().name("drain-err").start(() -> drain(process.getErrorStream(), err));
    try (OutputStream in = process.getOutputStream()) {
      in.write(stdin);
    } catch (IOException ignored) {
      // The child closed its stdin early; its exit status tells what happened.
    }
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        outReader.join(Duration.ofSeconds(1));
        errReader.join(Duration.ofSeconds(1));
        throw new ContainerRuntimeException.CommandFailed("timed out after " + timeout, command, -1,
            text(err));
      }
      outReader.join(Duration.ofSeconds(5));
      errReader.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException("interrupted while running " + command.getFirst(), e);
    }
    return new Result(command, process.exitValue(), bytes(out), bytes(err));
  }

  private static String text(ByteArrayOutputStream buffer) {
    return new String(bytes(buffer), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(ByteArrayOutputStream buffer) {
    synchronized (buffer) {
      return buffer.toByteArray();
    }
  }

  private static void drain(InputStream in, ByteArrayOutputStream sink) {
    byte[] chunk = new byte[8192];
    try (in) {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        synchronized (sink) {
          int keep = Math.min(n, MAX_OUTPUT - sink.size());
          if (keep > 0) {
            sink.write(chunk, 0, keep);
          }
        }
      }
    } catch (IOException e) {
      if (!"Stream closed".equals(e.getMessage())) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
