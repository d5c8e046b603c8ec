package dev.j8s.kubelet.credentials;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a helper or plugin: writes stdin, drains stdout and stderr, waits at most a deadline and kills the process
 * tree when it passes. Stateless and thread-safe.
 */
final class ProcessRunner {
    /** Bytes of stdout/stderr kept at most; a plugin answer is small. */
    static final int MAX_OUTPUT = 1 << 20;

    private ProcessRunner() {}

    /** What the process did. */
    record Result(int exitCode, byte[] stdout, String stderr) {
        /** The first line-ish part of stderr, trimmed and bounded, for error messages. */
        String stderrSummary() {
            String s = stderr.strip();
            return s.length() > 300 ? s.substring(0, 300) + "…" : s;
        }
    }

    /** Thrown when the process could not be started or outlived its deadline. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    static Result run(List<String> command, Map<String, String> extraEnv, byte[] stdin, Duration timeout)
            throws Failure, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(extraEnv);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new Failure("cannot start " + Path.of(command.getFirst()).getFileName() + ": " + e.getMessage());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outReader = Thread.ofVirtual().start(() -> drain(p.getInputStream(), out));
        Thread errReader = Thread.ofVirtual().start(() -> drain(p.getErrorStream(), err));
        Thread writer = Thread.ofVirtual().start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException ignored) {
                // The process may exit without reading its input; its exit status tells the story.
            }
        });
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                throw new Failure("timed out after " + timeout.toMillis() + "ms");
            }
            outReader.join(Duration.ofSeconds(2));
            errReader.join(Duration.ofSeconds(2));
            writer.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            kill(p);
            throw e;
        }
        synchronized (out) {
            synchronized (err) {
                return new Result(p.exitValue(), out.toByteArray(), err.toString(StandardCharsets.UTF_8));
            }
        }
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void drain(InputStream in, ByteArrayOutputStream sink) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (sink) {
                    if (sink.size() < MAX_OUTPUT) {
                        sink.write(buf, 0, Math.min(n, MAX_OUTPUT - sink.size()));
                    }
                }
            }
        } catch (IOException ignored) {
            // Stream closed when the process was killed.
        }
    }
}
