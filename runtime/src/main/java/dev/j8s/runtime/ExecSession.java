package dev.j8s.runtime;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * A command running in a container with its stdio exposed as streams; the streams are for one reader
 * or writer each, the other methods are thread-safe.
 */
public interface ExecSession extends AutoCloseable {

  OutputStream stdin();

  InputStream stdout();

  InputStream stderr();

  /** Waits up to {@code timeout}; the exit code, or empty if it still runs. */
  OptionalInt awaitExit(Duration timeout);

  /**
   * Sets the size of the command's terminal ({@code kubectl exec -t} resizes) in columns and rows; the
   * command gets a SIGWINCH. A session without a terminal ignores it.
   */
  default void resize(int width, int height) {
  }

  /** Kills the command if it still runs. */
  @Override
  void close();
}
