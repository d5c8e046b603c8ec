package dev.j8s.oci.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Gzip decompression by an external tool ({@code igzip -d -c} from ISA-L, about 2.5 times faster than zlib's
 * inflate), as containerd uses {@code unpigz}/{@code igzip} when installed. A virtual thread feeds the compressed
 * source (reading it to its end, so the source verifies its digest) into the tool's stdin; reads return the
 * tool's stdout. At end of stream, a failure of the source is rethrown as it was thrown, then a non-zero exit
 * fails with the tool's message. The output is untrusted like any inflater's: the caller hashes and bounds it.
 *
 * <p>One reader thread; {@link #close()} kills the tool and stops the feeder.
 */
final class ExternalGunzip extends InputStream {
    /** ISA-L's gzip tool (Debian package {@code isal}). */
    static final Path IGZIP = Path.of("/usr/bin/igzip");
    private static final int FEED_BUFFER = 128 * 1024;
    private static final int MAX_STDERR = 4096;

    private final Process process;
    private final InputStream stdout;
    private final Thread feeder;
    private final Thread stderrReader;
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private volatile Throwable sourceFailure;
    private volatile boolean closing; // the reader gave up: the feeder stops reading the source (never interrupted,
                                      // so a refused layer is not reported as a broken download)
    private boolean finished;

    private ExternalGunzip(Path tool, InputStream source) throws IOException {
        this.process = new ProcessBuilder(List.of(tool.toString(), "-d", "-c")).start();
        this.stdout = process.getInputStream();
        this.feeder = Thread.ofVirtual().name("gunzip-feed").start(() -> feed(source));
        this.stderrReader = Thread.ofVirtual().name("gunzip-stderr").start(this::readStderr);
    }

    /** The installed tool, if any. */
    static Optional<Path> detect() {
        return Files.isExecutable(IGZIP) ? Optional.of(IGZIP) : Optional.empty();
    }

    /** Starts {@code tool} on {@code source}; the source is read on another thread and not closed. */
    static ExternalGunzip start(Path tool, InputStream source) throws IOException {
        return new ExternalGunzip(tool, source);
    }

    private void feed(InputStream source) {
        byte[] buf = new byte[FEED_BUFFER];
        try (OutputStream stdin = process.getOutputStream()) {
            while (!closing) {
                int n;
                try {
                    n = source.read(buf, 0, buf.length);
                } catch (IOException | RuntimeException e) {
                    sourceFailure = e;
                    return; // closing stdin ends the tool; the reader then reports this failure
                }
                if (n < 0) {
                    return;
                }
                try {
                    stdin.write(buf, 0, n);
                } catch (IOException e) {
                    // The tool exited (bad input or killed): its exit status says why. Keep reading the source so a
                    // download or digest failure, which explains more, is still reported.
                    drain(source, buf);
                    return;
                }
            }
        } catch (IOException ignored) {
            // closing stdin of a dead process
        }
    }

    private void drain(InputStream source, byte[] buf) {
        try {
            while (!closing && source.read(buf, 0, buf.length) >= 0) {
                // discard
            }
        } catch (IOException | RuntimeException e) {
            sourceFailure = e;
        }
    }

    private void readStderr() {
        byte[] buf = new byte[1024];
        try (InputStream err = process.getErrorStream()) {
            int n;
            while ((n = err.read(buf)) >= 0) {
                synchronized (stderr) {
                    if (stderr.size() < MAX_STDERR) {
                        stderr.write(buf, 0, Math.min(n, MAX_STDERR - stderr.size()));
                    }
                }
            }
        } catch (IOException ignored) {
            // process gone
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (finished) {
            return -1;
        }
        int n;
        try {
            n = stdout.read(b, off, len);
        } catch (IOException e) {
            finish(); // the source's failure or the tool's exit status explains more than a closed pipe
            throw e;
        }
        if (n < 0) {
            finish();
            return -1;
        }
        return n;
    }

    /**
     * At the end of the tool's output (or a failed read of it): rethrows the source's failure as it was thrown,
     * else fails on a non-zero exit with the tool's message; returns when the tool succeeded.
     */
    private void finish() throws IOException {
        int exit;
        try {
            feeder.join();
            exit = process.waitFor();
            stderrReader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for " + IGZIP.getFileName(), e);
        }
        Throwable f = sourceFailure;
        if (f instanceof IOException io) {
            throw io;
        } else if (f instanceof RuntimeException re) {
            throw re;
        }
        if (exit != 0) {
            String message;
            synchronized (stderr) {
                message = stderr.toString(StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
            }
            throw new IOException("invalid gzip stream (" + IGZIP.getFileName() + " exit " + exit
                    + (message.isEmpty() ? "" : ": " + message) + ")");
        }
        finished = true;
    }

    @Override
    public void close() throws IOException {
        closing = true;
        process.destroyForcibly();
        try {
            feeder.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stdout.close();
    }
}
