package dev.j8s.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One {@code java -jar j8s.jar server} process on 127.0.0.1 with a free port and its own temporary
 * data directory, which can be stopped, killed with SIGKILL and restarted on the same data directory.
 * Its stdout and stderr go to a log file per start ({@link #logs()}). {@link #close()} kills it and
 * deletes the directory. Not thread-safe: one test drives it.
 */
final class J8sServer implements AutoCloseable {

    /** How long a start may take until the kubeconfig is written and the server answers. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Path root;
    private final Path dataDir;
    private final String nodeName;
    private final List<Path> logFiles = new ArrayList<>();
    private List<String> extraArgs = List.of();
    private List<String> launcher = List.of();
    private List<String> jvmArgs = List.of();
    private Process process;
    private ClusterAccess access;
    private ApiClient api;

    private J8sServer(Path root, String nodeName) {
        this.root = root;
        this.dataDir = root.resolve("data");
        this.nodeName = nodeName;
    }

    /** Starts a server in a fresh temporary data directory and waits until it serves. */
    static J8sServer start(String nodeName) {
        return start(nodeName, dataDir -> List.of());
    }

    /**
     * Like {@link #start(String)}, but first calls {@code setup} with the (created, empty) data directory: it may
     * write files there and returns extra {@code j8s server} flags, used by every (re)start.
     */
    static J8sServer start(String nodeName, java.util.function.Function<Path, List<String>> setup) {
        return start(nodeName, List.of(), List.of(), setup);
    }

    /**
     * Like {@link #start(String, java.util.function.Function)}, with the JVM run through {@code launcher} (e.g.
     * {@code prlimit --nofile=N:N}, which execs it) and given {@code jvmArgs} (system properties) on the first start.
     */
    static J8sServer start(String nodeName, List<String> launcher, List<String> jvmArgs,
                           java.util.function.Function<Path, List<String>> setup) {
        Path root;
        try {
            root = Files.createTempDirectory("j8s-e2e-");
        } catch (IOException e) {
            throw new UncheckedIOException("create a temporary directory for j8s server", e);
        }
        J8sServer server = new J8sServer(root, nodeName);
        server.launcher = List.copyOf(launcher);
        server.jvmArgs = List.copyOf(jvmArgs);
        try {
            server.extraArgs = List.copyOf(setup.apply(Files.createDirectories(server.dataDir)));
            server.launch();
        } catch (IOException e) {
            UncheckedIOException failure = new UncheckedIOException("create " + server.dataDir, e);
            server.closeAfter(failure);
            throw failure;
        } catch (RuntimeException | Error e) {
            System.err.println(server.logs());
            server.closeAfter(e);
            throw e;
        }
        return server;
    }

    /** The j8s jar: {@code -Dj8s.jar=...}, else {@code target/j8s.jar} of the j8s module. */
    static Path jar() {
        String configured = System.getProperty("j8s.jar", "");
        List<Path> candidates = configured.isEmpty()
                ? List.of(Path.of("target/j8s.jar"), Path.of("j8s/target/j8s.jar"))
                : List.of(Path.of(configured));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        throw new IllegalStateException("j8s jar not found at " + candidates + " (working directory "
                + Path.of("").toAbsolutePath() + "): run `mvn -pl j8s -am package` first or pass -Dj8s.jar=");
    }

    /** The Java 25 launcher: the one running these tests (Java 25 compiled them). */
    static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The directory holding the data dir, the logs and the scratch directories. */
    Path root() {
        return root;
    }

    Path dataDir() {
        return dataDir;
    }

    String nodeName() {
        return nodeName;
    }

    /** The runtime's volatile state: {@code /run/j8s/} and the first 8 hex digits of the SHA-256 of the data dir. */
    Path runDir() {
        return runDir(dataDir);
    }

    /** The run dir of the instance on {@code dataDir} (a server's or an agent's). */
    static Path runDir(Path dataDir) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(dataDir.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return Path.of("/run/j8s", java.util.HexFormat.of().formatHex(d, 0, 4));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the runtime derives from the data dir: bridge, network and cgroup parent names (the pod CIDR is not its). */
    dev.j8s.runtime.RuntimeConfig runtimeConfig() {
        return runtimeConfig(dataDir);
    }

    /** What the runtime derives from {@code dataDir} (a server's or an agent's). */
    static dev.j8s.runtime.RuntimeConfig runtimeConfig(Path dataDir) {
        return dev.j8s.runtime.RuntimeConfig.of(dataDir.toAbsolutePath().normalize(), runDir(dataDir), "10.255.0.0/16");
    }

    /** {@code <data-dir>/kubeconfig}, as the server wrote it for its current run. */
    Path kubeconfig() {
        return dataDir.resolve("kubeconfig");
    }

    ClusterAccess access() {
        return access;
    }

    ApiClient api() {
        return api;
    }

    long pid() {
        return process.pid();
    }

    /** The server process's resident size (VmRSS). */
    long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read the status of pid " + pid(), e);
        }
        throw new IllegalStateException("no VmRSS for pid " + pid());
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** A scratch directory that lives as long as this server (for kubeconfig copies, manifests). */
    Path scratch(String name) {
        try {
            return Files.createDirectories(root.resolve("scratch").resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("create scratch directory " + name, e);
        }
    }

    /** Waits until the process ended by itself (a crash point, say); true when it did within {@code timeout}. */
    boolean awaitEnd(Duration timeout) {
        return awaitExit(timeout);
    }

    /** SIGKILL, as a crash or power loss of the process would end it; returns once it is gone. */
    void kill9() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(10));
    }

    /** SIGTERM (the shutdown hook closes the server), SIGKILL after 15 s; true when it exited on SIGTERM. */
    boolean stop() {
        process.destroy();
        if (awaitExit(Duration.ofSeconds(15))) {
            return true;
        }
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(10));
        return false;
    }

    /** What the current run printed so far. */
    String currentLog() {
        try {
            return Files.readString(logFiles.getLast(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("read " + logFiles.getLast(), e);
        }
    }

    /** Starts the server again on the same data directory (a new free port) once the old process is gone. */
    void restart() {
        restart(jvmArgs);
    }

    /** As {@link #restart()}, with these JVM arguments from now on. */
    void restart(List<String> jvmArgs) {
        this.jvmArgs = List.copyOf(jvmArgs);
        if (isAlive()) {
            throw new IllegalStateException("restart j8s server: pid " + process.pid() + " is still running");
        }
        launch();
    }

    /** Where the server's output ends now, to print only what a single test caused ({@link #logsSince}). */
    LogMark logMark() {
        Path current = logFiles.getLast();
        try {
            return new LogMark(logFiles.size() - 1, Files.exists(current) ? Files.size(current) : 0);
        } catch (IOException e) {
            return new LogMark(logFiles.size() - 1, 0);
        }
    }

    /** A position in the server's output: the start index and the byte offset in that start's log. */
    record LogMark(int start, long offset) {}

    /** Everything the server printed, start by start. */
    String logs() {
        return logsSince(new LogMark(0, 0));
    }

    /** What the server printed after {@code mark}. */
    String logsSince(LogMark mark) {
        StringBuilder out = new StringBuilder();
        for (int i = mark.start(); i < logFiles.size(); i++) {
            out.append("----- j8s server (").append(nodeName).append(") start ").append(i + 1)
                    .append(", ").append(logFiles.get(i)).append(" -----\n");
            try {
                byte[] bytes = Files.readAllBytes(logFiles.get(i));
                int from = i == mark.start() ? (int) Math.min(mark.offset(), bytes.length) : 0;
                out.append(new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.append("(unreadable: ").append(e.getMessage()).append(")\n");
            }
        }
        return out.toString();
    }

    /** {@link #close()} after {@code failure}, to which a cleanup failure is added instead of replacing it. */
    private void closeAfter(Throwable failure) {
        try {
            close();
        } catch (AssertionError cleanup) {
            failure.addSuppressed(cleanup);
        }
    }

    /** Kills the server, resets its instance and deletes its files; fails when anything of it is left on the host. */
    @Override
    public void close() {
        tearDown(process, dataDir, root);
    }

    /**
     * Tears down the instance on {@code dataDir} the way a user removes it — kill its process (and the processes it
     * started), {@code j8s reset --delete-data} once it is gone — then deletes {@code root} and throws an
     * {@link AssertionError} naming whatever of the instance is still on the host (a process that would not die, a
     * failed reset, a mount, its bridge, an nftables table, a cgroup, its run dir). Shared by servers and agents.
     */
    static void tearDown(Process process, Path dataDir, Path root) {
        List<String> problems = new ArrayList<>();
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
                    problems.add("pid " + process.pid() + " still running 60 s after SIGKILL");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problems.add("interrupted waiting for pid " + process.pid() + " to exit");
            }
        }
        // What the instance put on the host outside its data dir (containers of pods a test left behind, the
        // bridge, namespaces, cgroups, rules, the run dir) goes the way a user removes it.
        Cli reset = cli("reset", "--data-dir", dataDir.toString(), "--delete-data");
        if (reset.exitCode() != 0) {
            problems.add("j8s reset failed: " + reset);
        }
        problems.addAll(HostLeftovers.of(dataDir, runDir(dataDir), root));
        deleteRecursively(root);
        if (!problems.isEmpty()) {
            throw new AssertionError("e2e cleanup of " + dataDir + " left the host unclean:\n  "
                    + String.join("\n  ", problems));
        }
    }

    /** What one run of the {@code j8s} command line returned and printed. */
    record Cli(int exitCode, String stdout, String stderr) {}

    /** Runs {@code java -jar j8s.jar ARGS} to completion (at most two minutes), as a user would. */
    static Cli cli(String... args) {
        return cliResult(startCli(args));
    }

    /** Starts {@code java -jar j8s.jar ARGS} in the background; {@link #cliResult} collects it. */
    static Process startCli(String... args) {
        List<String> command = new ArrayList<>(List.of(java().toString(), "-Xmx256m", "-XX:+UseSerialGC", "-jar",
                jar().toString()));
        command.addAll(List.of(args));
        try {
            Path output = Files.createTempDirectory("j8s-e2e-cli-");
            Process p = new ProcessBuilder(command).redirectOutput(output.resolve("stdout").toFile())
                    .redirectError(output.resolve("stderr").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            CLI_OUTPUT.put(p, output);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("start " + command, e);
        }
    }

    /** Waits for a command {@link #startCli} started and returns what it printed. */
    static Cli cliResult(Process p) {
        try {
            // Both streams go to files, so the child never blocks on a full pipe.
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("j8s command pid " + p.pid() + " did not finish in 2 minutes");
            }
            return new Cli(p.exitValue(), Files.readString(CLI_OUTPUT.get(p).resolve("stdout")),
                    Files.readString(CLI_OUTPUT.get(p).resolve("stderr")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            deleteRecursively(CLI_OUTPUT.remove(p));
        }
    }

    private static final java.util.Map<Process, Path> CLI_OUTPUT = new java.util.concurrent.ConcurrentHashMap<>();

    private void launch() {
        Path log = root.resolve("server-" + (logFiles.size() + 1) + ".log");
        logFiles.add(log);
        try {
            // The server removes a stale kubeconfig itself; removing it here too means the wait below
            // can never pick up the previous run's port.
            Files.deleteIfExists(kubeconfig());
        } catch (IOException e) {
            throw new UncheckedIOException("remove stale " + kubeconfig(), e);
        }
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of(java().toString(), "-Xmx512m", "-XX:+UseSerialGC"));
        command.addAll(jvmArgs);
        command.addAll(List.of("-jar", jar().toString(), "server",
                "--data-dir", dataDir.toString(), "--listen", "127.0.0.1:0", "--node-name", nodeName));
        command.addAll(extraArgs);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().remove("KUBECONFIG");
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("start " + command, e);
        }
        awaitReady();
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        String lastProblem = "no kubeconfig yet";
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("j8s server exited with status " + process.exitValue()
                        + " before it was ready\n" + logs());
            }
            if (Files.isRegularFile(kubeconfig())) {
                try {
                    ClusterAccess candidate = ClusterAccess.read(kubeconfig());
                    ApiClient client = ApiClient.of(candidate);
                    ApiClient.Response version = client.get("/version");
                    if (version.status() == 200) {
                        access = candidate;
                        api = client;
                        return;
                    }
                    lastProblem = "GET /version answered " + version;
                } catch (RuntimeException e) {
                    lastProblem = e.toString(); // half-written kubeconfig or not listening yet
                }
            }
            sleep(Duration.ofMillis(50));
        }
        throw new IllegalStateException("j8s server not ready within " + READY_TIMEOUT + ": " + lastProblem
                + "\n" + logs());
    }

    private boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a leftover temp file must not fail the test
                }
            });
        } catch (IOException e) {
            // best effort, as above
        }
    }

    @Override
    public String toString() {
        return "J8sServer[node=" + nodeName + ", dataDir=" + dataDir
                + (access == null ? "" : ", server=" + access.server()) + "]";
    }
}
