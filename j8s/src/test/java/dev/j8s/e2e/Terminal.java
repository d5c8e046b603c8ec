package dev.j8s.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A command running on a pseudo-terminal that the test types into and reads, as a user at a terminal would: a small
 * python3 program ({@code pty.fork}) holds the terminal's master side and relays it to this process's pipes; a
 * {@link #resize} sets the terminal's size, which sends the command SIGWINCH. Not thread-safe.
 */
final class Terminal implements AutoCloseable {

    private static final String DRIVER = """
            import fcntl, os, pty, select, signal, struct, sys, termios
            rows, cols, size_file, argv = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
            def set_size(fd, r, c):
                fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', r, c, 0, 0))
            pid, master = pty.fork()
            if pid == 0:
                set_size(0, rows, cols)
                os.execvp(argv[0], argv)
            set_size(master, rows, cols)
            def resize(signum, frame):
                r, c = open(size_file).read().split()
                set_size(master, int(r), int(c))
            signal.signal(signal.SIGUSR1, resize)
            inputs = [0, master]
            while True:
                ready = select.select(inputs, [], [])[0]
                if 0 in ready:
                    data = os.read(0, 4096)
                    if data:
                        os.write(master, data)
                    else:
                        inputs.remove(0)
                if master in ready:
                    try:
                        data = os.read(master, 4096)
                    except OSError:
                        data = b''
                    if not data:
                        break
                    os.write(1, data)
            sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
            """;

    private final Process process;
    private final Path sizeFile;
    private final StringBuffer printed = new StringBuffer();
    private final Thread reader;

    private Terminal(Process process, Path sizeFile) {
        this.process = process;
        this.sizeFile = sizeFile;
        InputStream out = process.getInputStream();
        this.reader = Thread.ofVirtual().start(() -> {
            byte[] chunk = new byte[4096];
            try (out) {
                int n;
                while ((n = out.read(chunk)) >= 0) {
                    printed.append(new String(chunk, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the terminal is gone
            }
        });
    }

    /** Starts {@code command} on a terminal of {@code rows} x {@code cols}; {@code builder} has its environment set. */
    static Terminal start(ProcessBuilder builder, Path scratch, int rows, int cols, List<String> command) {
        try {
            Path sizeFile = Files.createTempFile(scratch, "terminal-", ".size");
            List<String> driver = new ArrayList<>(List.of("python3", "-c", DRIVER, String.valueOf(rows),
                    String.valueOf(cols), sizeFile.toString()));
            driver.addAll(command);
            Process process = builder.command(driver).redirectErrorStream(true).start();
            return new Terminal(process, sizeFile);
        } catch (IOException e) {
            throw new UncheckedIOException("start " + command + " on a terminal", e);
        }
    }

    /** Types {@code text} (a user's Enter is {@code \r}). */
    void type(String text) {
        try {
            process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException("type into the terminal: " + printed(), e);
        }
    }

    /** Resizes the terminal: the command gets SIGWINCH. */
    void resize(int rows, int cols) {
        try {
            Files.writeString(sizeFile, rows + " " + cols);
            Process kill = new ProcessBuilder("kill", "-USR1", String.valueOf(process.pid())).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("signal the terminal driver " + process.pid());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("resize the terminal", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted resizing the terminal", e);
        }
    }

    /** What the terminal showed so far, line ends folded to {@code \n}. */
    String printed() {
        return printed.toString().replaceAll("\r+\n", "\n");
    }

    /** Waits until the terminal showed {@code text} ({@code \n} line ends); an AssertionError after {@code timeout}. */
    void await(String text, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (!printed().contains(text)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the terminal never showed \"" + text + "\" within " + timeout + "; it showed:\n"
                        + printed());
            }
            J8sServer.sleep(Duration.ofMillis(50));
        }
    }

    /** The command's exit code once it ended within {@code timeout}; empty while it runs. */
    OptionalInt awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return OptionalInt.empty();
            }
            reader.join(Duration.ofSeconds(5));
            return OptionalInt.of(process.exitValue());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(sizeFile);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // best effort
        }
    }
}
