package dev.j8s.apiserver.rest;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * A command started by {@link KubeletClient#exec}, or an attach to a container's main process
 * ({@link KubeletClient#attach}), with its stdio as streams; each stream is for one reader or writer, the other
 * methods are thread-safe.
 */
public interface ExecProcess extends AutoCloseable {

    OutputStream stdin();

    InputStream stdout();

    InputStream stderr();

    /** Waits up to {@code timeout}; the exit code, or empty while the command still runs. */
    OptionalInt awaitExit(Duration timeout);

    /**
     * Resizes the command's terminal to {@code width} columns and {@code height} rows (channel 4 of a
     * TTY exec); a process without a terminal ignores it.
     */
    default void resize(int width, int height) {
    }

    /** Kills the command if it still runs; an attach is detached, leaving the container running. */
    @Override
    void close();
}
