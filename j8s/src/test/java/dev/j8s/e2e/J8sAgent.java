package dev.j8s.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code java -jar j8s.jar agent} process joined to a cluster with a kubeconfig, in its own temporary data directory
 * and on a free kubelet port; it can be stopped and started again on the same data directory. {@link #close()} kills it
 * and removes what its pods left on the host ({@code j8s reset --delete-data}). Not thread-safe: one test drives it.
 */
final class J8sAgent implements AutoCloseable {

    static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    static final String READY_LINE = "j8s agent is running as node ";

    private final Path root;
    private final Path dataDir;
    private final Path kubeconfig;
    private final String nodeName;
    private final int kubeletPort;
    private final List<String> extraArgs;
    private final List<String> laterArgs = new ArrayList<>();
    private final List<Path> logFiles = new ArrayList<>();
    private Process process;

    private J8sAgent(Path root, Path kubeconfig, String nodeName, int kubeletPort, List<String> extraArgs) {
        this.root = root;
        this.dataDir = root.resolve("data");
        this.kubeconfig = kubeconfig;
        this.nodeName = nodeName;
        this.kubeletPort = kubeletPort;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** Starts an agent as {@code nodeName} with {@code kubeconfig} and waits until its node is registered. */
    static J8sAgent start(Path kubeconfig, String nodeName, String... extraArgs) {
        J8sAgent agent = spawn(kubeconfig, nodeName, extraArgs);
        try {
            agent.awaitRunning();
        } catch (RuntimeException | Error e) {
            System.err.println(agent.logs());
            try {
                agent.close();
            } catch (AssertionError cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return agent;
    }

    /**
     * Starts an agent as {@code start} does without waiting for it (one that bootstraps its credentials waits for the
     * cluster first); a relative {@code kubeconfig} is in the agent's own directory ({@link #root()}).
     */
    static J8sAgent spawn(Path kubeconfig, String nodeName, String... extraArgs) {
        Path root;
        try {
            root = Files.createTempDirectory("j8s-e2e-agent-");
        } catch (IOException e) {
            throw new UncheckedIOException("create a temporary directory for j8s agent", e);
        }
        J8sAgent agent = new J8sAgent(root, kubeconfig, nodeName, freePort(), List.of(extraArgs));
        try {
            agent.launchProcess();
        } catch (RuntimeException | Error e) {
            try {
                agent.close();
            } catch (AssertionError cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return agent;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("find a free port", e);
        }
    }

    Path dataDir() {
        return dataDir;
    }

    /** The agent's working directory, which holds its data directory and its logs. */
    Path root() {
        return root;
    }

    /** The exit status once the agent has exited by itself within {@code timeout}. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("j8s agent still running after " + timeout + "\n" + logs());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return process.exitValue();
    }

    String nodeName() {
        return nodeName;
    }

    int kubeletPort() {
        return kubeletPort;
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGTERM (the shutdown hooks stop the kubelet; containers keep running), SIGKILL after 15 s. */
    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts the agent again on the same data directory and port once the old process is gone, with {@code args} added
     * to this start's and the later ones', without waiting.
     */
    void respawnWith(String... args) {
        if (isAlive()) {
            throw new IllegalStateException("restart j8s agent: pid " + process.pid() + " is still running");
        }
        laterArgs.addAll(List.of(args));
        launchProcess();
    }

    /** Starts the agent again on the same data directory and port once the old process is gone. */
    void restart() {
        if (isAlive()) {
            throw new IllegalStateException("restart j8s agent: pid " + process.pid() + " is still running");
        }
        launch();
    }

    private void launch() {
        launchProcess();
        awaitRunning();
    }

    private void launchProcess() {
        Path log = root.resolve("agent-" + (logFiles.size() + 1) + ".log");
        logFiles.add(log);
        List<String> command = new ArrayList<>(List.of(J8sServer.java().toString(), "-Xmx384m", "-XX:+UseSerialGC",
                "-jar", J8sServer.jar().toString(), "agent", "--kubeconfig", kubeconfig.toString(), "--node-name",
                nodeName, "--data-dir", dataDir.toString(), "--kubelet-port", Integer.toString(kubeletPort)));
        command.addAll(extraArgs);
        command.addAll(laterArgs);
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().remove("KUBECONFIG");
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("start " + command, e);
        }
    }

    /** Waits until the agent says it runs (its node registered), failing if it exits first. */
    void awaitRunning() {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (!currentLog().contains(READY_LINE)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("j8s agent exited with status " + process.exitValue()
                        + " before it was running\n" + logs());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("j8s agent not running within " + READY_TIMEOUT + "\n" + logs());
            }
            J8sServer.sleep(Duration.ofMillis(100));
        }
    }

    String currentLog() {
        try {
            Path last = logFiles.getLast();
            return Files.exists(last) ? Files.readString(last, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything the agent printed, start by start. */
    String logs() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < logFiles.size(); i++) {
            out.append("----- j8s agent (").append(nodeName).append(") start ").append(i + 1).append(" -----\n");
            try {
                out.append(Files.exists(logFiles.get(i)) ? Files.readString(logFiles.get(i)) : "");
            } catch (IOException e) {
                out.append("(unreadable: ").append(e.getMessage()).append(")\n");
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        J8sServer.tearDown(process, dataDir, root);
    }
}
