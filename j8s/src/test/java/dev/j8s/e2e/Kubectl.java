package dev.j8s.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Runs one real kubectl binary against a kubeconfig, with its own {@code HOME} (so no discovery or
 * HTTP cache leaks in from elsewhere), {@code --request-timeout=30s} and a 60 s limit per command.
 * Immutable; each call starts a new process, so it is thread-safe.
 */
final class Kubectl {

    /** The Google Cloud SDK dispatcher: it asks {@code /version} and runs {@code kubectl.1.<minor>}. */
    static final Path DISPATCHER = Path.of("/usr/bin/kubectl");
    static final Path VERSIONED_DIR = Path.of("/usr/lib/google-cloud-sdk/bin");
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    /** The oldest kubectl the suite runs with (kubectl.1.27); a test that needs its wording skips with older ones. */
    static final int OLDEST_TESTED_MINOR = 27;

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Path binary;
    private final Path kubeconfig;
    private final Path home;
    private final Map<String, String> env;

    private Kubectl(Path binary, Path kubeconfig, Path home, Map<String, String> env) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
        this.home = home;
        this.env = Map.copyOf(env);
    }

    /**
     * The default kubectl ({@link #defaultBinary()}): {@code /usr/bin/kubectl} is the dispatcher here, Debian's
     * {@code kubernetes-client} 1.20 on a machine without the versioned binaries; skips the test (assumption) when
     * there is none.
     */
    static Kubectl dispatcher(Path kubeconfig, Path home) {
        Path binary = defaultBinary();
        assumeTrue(Files.isExecutable(binary), "kubectl " + binary + " is not installed");
        return new Kubectl(binary, kubeconfig, home, Map.of());
    }

    /** {@code -Dj8s.kubectl}, else {@link #DISPATCHER} when it is there, else the first {@code kubectl} on PATH. */
    static Path defaultBinary() {
        String configured = System.getProperty("j8s.kubectl", "");
        if (!configured.isEmpty()) {
            return Path.of(configured);
        }
        if (Files.isExecutable(DISPATCHER)) {
            return DISPATCHER;
        }
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, "kubectl"))
                .filter(Files::isExecutable).findFirst().orElse(DISPATCHER);
    }

    /** {@code kubectl.1.<minor>} (e.g. {@code "1.27"}); skips the test (assumption) when it is not installed. */
    static Kubectl version(String version, Path kubeconfig, Path home) {
        Path binary = VERSIONED_DIR.resolve("kubectl." + version);
        assumeTrue(Files.isExecutable(binary), "kubectl " + version + " is not installed at " + binary);
        return new Kubectl(binary, kubeconfig, home, Map.of());
    }

    Path binary() {
        return binary;
    }

    /**
     * Skips the test (assumption) unless this kubectl is 1.{@code minor} or newer, naming what needs it and what
     * is installed: Debian's {@code kubernetes-client} is 1.20, older than what some flows exercise.
     */
    Kubectl requireMinor(int minor, String needs) {
        int have = minorVersion(binary);
        assumeTrue(have >= minor, () -> needs + " needs kubectl 1." + minor + " or newer; " + binary + " is kubectl 1."
                + have + " (install a newer one or point -Dj8s.kubectl at it)");
        return this;
    }

    private static final Map<Path, Integer> MINOR_VERSIONS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The client's minor version as {@code kubectl version --client -o json} reports it ("32+" counts as 32). */
    static int minorVersion(Path binary) {
        return MINOR_VERSIONS.computeIfAbsent(binary, b -> {
            try {
                Process process = new ProcessBuilder(b.toString(), "version", "--client", "-o", "json")
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                byte[] out = process.getInputStream().readAllBytes();
                if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    throw new IllegalStateException(b + " version --client failed");
                }
                String minor = dev.j8s.apiserver.json.Json.MAPPER.readTree(out).path("clientVersion").path("minor").asText();
                return Integer.parseInt(minor.replaceAll("\\D.*$", ""));
            } catch (IOException e) {
                throw new UncheckedIOException("run " + b + " version --client", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        });
    }

    Path home() {
        return home;
    }

    /** The same kubectl with one more environment variable (e.g. {@code KUBE_EDITOR}). */
    Kubectl withEnv(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(env);
        more.put(name, value);
        return new Kubectl(binary, kubeconfig, home, more);
    }

    /** The same kubectl reading another kubeconfig. */
    Kubectl withKubeconfig(Path other) {
        return new Kubectl(binary, other, home, env);
    }

    Result run(String... args) {
        return runWithStdin("", args);
    }

    /** Runs to completion (at most 60 s, then SIGKILL and an AssertionError with what it printed). */
    Result runWithStdin(String stdin, String... args) {
        Started started = launch(stdin, args);
        Instant begin = Instant.now();
        try {
            if (!started.process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                started.process.destroyForcibly();
                started.process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("kubectl did not finish within " + COMMAND_TIMEOUT + ": "
                        + started.command + "\nstdout:\n" + read(started.stdout) + "\nstderr:\n" + read(started.stderr));
            }
        } catch (InterruptedException e) {
            started.process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + started.command, e);
        }
        Duration elapsed = Duration.between(begin, Instant.now());
        Result result = new Result(started.command, started.process.exitValue(),
                read(started.stdout), read(started.stderr), elapsed);
        delete(started.stdout);
        delete(started.stderr);
        return result;
    }

    /** Starts a long-running command such as {@code get -w}; close the handle to kill it. */
    Background start(String... args) {
        Started started = launch("", args);
        return new Background(started);
    }

    /** Like {@link #start}, with kubectl's stdin a pipe the test writes to ({@link Background#stdin()}). */
    Background startWithStdinPipe(String... args) {
        return new Background(launch(null, args));
    }

    /** Starts kubectl; its stdin is {@code stdin}, or a pipe when null. */
    private Started launch(String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--request-timeout=30s");
        command.addAll(List.of(args));
        int n = SEQUENCE.incrementAndGet();
        Path out = home.resolve(".e2e-out").resolve("kubectl-" + n + ".stdout");
        Path err = home.resolve(".e2e-out").resolve("kubectl-" + n + ".stderr");
        Path in = home.resolve(".e2e-out").resolve("kubectl-" + n + ".stdin");
        try {
            Files.createDirectories(out.getParent());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(home.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (stdin != null) {
                Files.writeString(in, stdin);
                builder.redirectInput(in.toFile());
            }
            environment(builder);
            Process process = builder.start();
            return new Started(List.copyOf(command), process, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException("start " + command, e);
        }
    }

    /**
     * Starts kubectl with {@code args} on a pseudo-terminal of {@code rows} x {@code cols}, as a user runs
     * {@code -it} commands.
     */
    Terminal startOnTerminal(int rows, int cols, String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--request-timeout=30s");
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder().directory(home.toFile());
        environment(builder);
        builder.environment().put("SHELL", "/bin/sh");
        return Terminal.start(builder, home, rows, cols, command);
    }

    /** A clean kubectl environment: this server's kubeconfig, a home of its own, no KUBE* variables from outside. */
    private void environment(ProcessBuilder builder) {
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(k -> k.startsWith("KUBE") || k.startsWith("KUBECTL"));
        environment.put("HOME", home.toString());
        environment.put("KUBECONFIG", kubeconfig.toString());
        environment.putAll(env);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("read kubectl output " + file, e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // best effort
        }
    }

    private record Started(List<String> command, Process process, Path stdout, Path stderr) {}

    /** What one kubectl run printed and how it exited. */
    record Result(List<String> command, int exitCode, String stdout, String stderr, Duration elapsed) {

        /** Asserts exit code 0 (else an AssertionError showing everything) and returns this. */
        Result ok() {
            if (exitCode != 0) {
                throw new AssertionError("expected exit 0 from " + this);
            }
            return this;
        }

        /** Asserts a non-zero exit code and returns this. */
        Result failed() {
            if (exitCode == 0) {
                throw new AssertionError("expected a failure from " + this);
            }
            return this;
        }

        List<String> lines() {
            return stdout.lines().toList();
        }

        /** Table output split into whitespace-separated cells per line (header included). */
        List<List<String>> cells() {
            return stdout.lines().filter(l -> !l.isBlank()).map(l -> List.of(l.trim().split("\\s{2,}|\\t"))).toList();
        }

        @Override
        public String toString() {
            return String.join(" ", command) + "\nexit " + exitCode + " after " + elapsed.toMillis() + " ms"
                    + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    /** A kubectl process that keeps running (watch); its output so far can be polled. Not thread-safe. */
    static final class Background implements AutoCloseable {

        private final Started started;

        private Background(Started started) {
            this.started = started;
        }

        String stdout() {
            return read(started.stdout);
        }

        String stderr() {
            return read(started.stderr);
        }

        /** kubectl's stdin, when started with {@link #startWithStdinPipe}. */
        java.io.OutputStream stdin() {
            return started.process.getOutputStream();
        }

        /** Waits until stdout satisfies {@code condition}; an AssertionError with the output after {@code timeout}. */
        String awaitStdout(Predicate<String> condition, Duration timeout, String what) {
            Instant deadline = Instant.now().plus(timeout);
            while (true) {
                String out = stdout();
                if (condition.test(out)) {
                    return out;
                }
                if (Instant.now().isAfter(deadline) || !started.process.isAlive() && !condition.test(stdout())) {
                    throw new AssertionError("kubectl did not print " + what + " within " + timeout
                            + (started.process.isAlive() ? "" : " (it exited " + started.process.exitValue() + ")")
                            + ": " + String.join(" ", started.command)
                            + "\nstdout:\n" + stdout() + "\nstderr:\n" + stderr());
                }
                J8sServer.sleep(Duration.ofMillis(50));
            }
        }

        boolean isAlive() {
            return started.process.isAlive();
        }

        @Override
        public void close() {
            started.process.destroyForcibly();
            try {
                started.process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            delete(started.stdout);
            delete(started.stderr);
        }
    }
}
