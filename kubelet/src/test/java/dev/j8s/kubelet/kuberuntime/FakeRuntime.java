package dev.j8s.kubelet.kuberuntime;

import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.ContainerStats;
import dev.j8s.runtime.ContainerStatus;
import dev.j8s.runtime.ExecResult;
import dev.j8s.runtime.ExecSession;
import dev.j8s.runtime.PodSandboxConfig;
import dev.j8s.runtime.PodSandboxStatus;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A hand-written {@link ContainerRuntime} that keeps sandboxes and containers in memory and records every
 * lifecycle call as a line ({@code createContainer main attempt=1 in sb-2}); thread-safe.
 *
 * <p>Container IDs read {@code <name>#<attempt>} (a prime appended on a clash) and sandbox IDs {@code sb-<n>}, so
 * tests can assert the calls by name. A started container runs until {@link #exit} or a stop; a stopped one exits
 * with 137. {@link #failNext} makes the next call of one operation throw. {@link #onExec} says what an exec does;
 * {@link #route} sends connections to a pod's port to a server on the loopback. Stats and logs are not faked.
 */
public final class FakeRuntime implements ContainerRuntime {

    private final Clock clock;
    private final Map<String, PodSandboxStatus> sandboxes = new LinkedHashMap<>();
    private final Map<String, ContainerStatus> containers = new LinkedHashMap<>();
    private final Map<String, RuntimeException> failures = new HashMap<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final Map<Integer, InetSocketAddress> routes = new java.util.concurrent.ConcurrentHashMap<>();
    private int sandboxCount;
    private int containerReads;
    private long tick;

    public FakeRuntime(Clock clock) {
        this.clock = clock;
    }

    /** Every lifecycle call so far, oldest first. */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    /** Forgets the calls recorded so far (after seeding state through the runtime itself). */
    public void clearCalls() {
        calls.clear();
    }

    /** The next call of {@code operation} (a method name such as {@code runPodSandbox}) throws {@code failure}. */
    public synchronized void failNext(String operation, RuntimeException failure) {
        failures.put(operation, failure);
    }

    /** Adds a sandbox of pod {@code uid} in {@code state} with sandbox attempt {@code attempt}; returns its ID. */
    public synchronized String addSandbox(String uid, PodSandboxStatus.State state, int attempt) {
        String id = "sb-" + ++sandboxCount;
        PodSandboxConfig config = new PodSandboxConfig("web", "default", uid, attempt, "web",
                PodSandboxConfig.DnsConfig.NONE, List.of(), false, Map.of(), Map.of());
        sandboxes.put(id, new PodSandboxStatus(id, config, state, next(), List.of("10.244.0.9"), Path.of("/netns")));
        return id;
    }

    /**
     * Adds an instance of container {@code name} of pod {@code uid} in {@code sandboxId}, in {@code state}, carrying
     * {@code annotations} (the spec hash); returns its ID.
     */
    public synchronized String addContainer(String uid, String sandboxId, String name, int attempt,
            ContainerState state, Map<String, String> annotations) {
        String id = newContainerId(name, attempt);
        containers.put(id, new ContainerStatus(id, sandboxId, name, attempt, "busybox:1.36", state, next(),
                Path.of("/logs", name), Map.of(Labels.POD_UID, uid, Labels.CONTAINER_NAME, name), annotations));
        return id;
    }

    /** The running container {@code containerId} exits with {@code exitCode} now. */
    public synchronized void exit(String containerId, int exitCode) {
        ContainerStatus c = containers.get(containerId);
        Instant started = c.state() instanceof ContainerState.Running r ? r.startedAt() : Instant.EPOCH;
        put(c, new ContainerState.Exited(started, clock.instant(), exitCode, false));
    }

    /** The instances of container {@code name}, oldest first. */
    public synchronized List<ContainerStatus> instances(String name) {
        return containers.values().stream().filter(c -> c.name().equals(name)).toList();
    }

    @Override
    public synchronized String runPodSandbox(PodSandboxConfig config) {
        call("runPodSandbox", config.name() + " attempt=" + config.attempt());
        String id = "sb-" + ++sandboxCount;
        sandboxes.put(id, new PodSandboxStatus(id, config, PodSandboxStatus.State.READY, next(),
                List.of("10.244.0.9"), Path.of("/netns")));
        return id;
    }

    @Override
    public synchronized void stopPodSandbox(String sandboxId) {
        call("stopPodSandbox", sandboxId);
        PodSandboxStatus s = sandboxes.get(sandboxId);
        if (s == null) {
            return;
        }
        for (ContainerStatus c : List.copyOf(containers.values())) {
            if (c.sandboxId().equals(sandboxId) && c.state() instanceof ContainerState.Running r) {
                put(c, new ContainerState.Exited(r.startedAt(), clock.instant(), 137, false));
            }
        }
        sandboxes.put(sandboxId, new PodSandboxStatus(s.id(), s.config(), PodSandboxStatus.State.NOTREADY,
                s.createdAt(), List.of(), s.netnsPath()));
    }

    @Override
    public synchronized void removePodSandbox(String sandboxId) {
        call("removePodSandbox", sandboxId);
        sandboxes.remove(sandboxId);
        containers.values().removeIf(c -> c.sandboxId().equals(sandboxId));
    }

    @Override
    public synchronized PodSandboxStatus podSandboxStatus(String sandboxId) {
        PodSandboxStatus s = sandboxes.get(sandboxId);
        if (s == null) {
            throw new ContainerRuntimeException.NotFound("sandbox", sandboxId);
        }
        return s;
    }

    @Override
    public synchronized List<PodSandboxStatus> listPodSandboxes() {
        return List.copyOf(sandboxes.values());
    }

    @Override
    public synchronized String createContainer(String sandboxId, ContainerConfig config) {
        call("createContainer", config.name() + " attempt=" + config.attempt() + " in " + sandboxId);
        String id = newContainerId(config.name(), config.attempt());
        containers.put(id, new ContainerStatus(id, sandboxId, config.name(), config.attempt(), config.image(),
                new ContainerState.Created(), next(), config.logPath(), config.labels(), config.annotations()));
        return id;
    }

    @Override
    public synchronized void startContainer(String containerId) {
        call("startContainer", containerId);
        put(containers.get(containerId), new ContainerState.Running(clock.instant()));
    }

    @Override
    public void stopContainer(String containerId, Duration timeout) {
        // not synchronized as a whole: the kubelet stops a pod's containers in parallel
        call("stopContainer", containerId + " grace=" + timeout.toSeconds() + "s");
        synchronized (this) {
            ContainerStatus c = containers.get(containerId);
            if (c != null && c.state() instanceof ContainerState.Running r) {
                put(c, new ContainerState.Exited(r.startedAt(), clock.instant(), 137, false));
            }
        }
    }

    @Override
    public synchronized void removeContainer(String containerId) {
        call("removeContainer", containerId);
        containers.remove(containerId);
    }

    @Override
    public synchronized ContainerStatus containerStatus(String containerId) {
        ContainerStatus c = containers.get(containerId);
        if (c == null) {
            throw new ContainerRuntimeException.NotFound("container", containerId);
        }
        return c;
    }

    @Override
    public synchronized List<ContainerStatus> listContainers() {
        containerReads++;
        return List.copyOf(containers.values());
    }

    /** How many times the containers were listed (the reads of the runtime's records a real runtime makes). */
    public synchronized int containerReads() {
        return containerReads;
    }

    /** Records {@code execSync <id> <argv...>}; runs as {@link #onExec} says; past {@code timeout} it times out. */
    @Override
    public ExecResult execSync(String containerId, List<String> command, Duration timeout) {
        call("execSync", containerId + " " + String.join(" ", command));
        Exec e = execs.apply(command);
        if (e.takes().compareTo(timeout) > 0) {
            throw new ContainerRuntimeException.CommandFailed("timed out after " + timeout, command, -1, "");
        }
        return new ExecResult(e.exitCode(), e.stdout().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                e.stderr().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** What an exec in a container does: its exit code, output, and how long it takes. */
    public record Exec(int exitCode, String stdout, String stderr, Duration takes) {
        public static Exec ok() {
            return new Exec(0, "", "", Duration.ZERO);
        }
    }

    /** Every exec of {@code command}'s first word... runs as {@code exec} says; others exit 0 at once. */
    public void onExec(java.util.function.Function<List<String>, Exec> behaviour) {
        this.execs = behaviour;
    }

    private volatile java.util.function.Function<List<String>, Exec> execs = command -> Exec.ok();

    /** Records {@code exec <id> <argv...>}; the command runs as {@link #onExec} says, in a running container only. */
    @Override
    public ExecSession exec(String containerId, List<String> command) {
        call("exec", containerId + " " + String.join(" ", command));
        if (!(containerStatus(containerId).state() instanceof ContainerState.Running)) {
            throw new ContainerRuntimeException("container " + containerId + " is not running");
        }
        Exec e = execs.apply(command);
        return new ExecSession() {
            @Override
            public java.io.OutputStream stdin() {
                return java.io.OutputStream.nullOutputStream();
            }

            @Override
            public java.io.InputStream stdout() {
                return new java.io.ByteArrayInputStream(e.stdout().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }

            @Override
            public java.io.InputStream stderr() {
                return new java.io.ByteArrayInputStream(e.stderr().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }

            @Override
            public java.util.OptionalInt awaitExit(Duration timeout) {
                try {
                    Thread.sleep(e.takes().compareTo(timeout) < 0 ? e.takes() : timeout);
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    return java.util.OptionalInt.empty();
                }
                return e.takes().compareTo(timeout) <= 0 ? java.util.OptionalInt.of(e.exitCode())
                        : java.util.OptionalInt.empty();
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public ContainerStats containerStats(String containerId) {
        throw new UnsupportedOperationException("FakeRuntime has no stats");
    }

    @Override
    public ExecSession execTty(String containerId, List<String> command, int width, int height) {
        throw new UnsupportedOperationException("FakeRuntime does not exec");
    }

    @Override
    public ExecSession attach(String containerId, boolean stdin) {
        throw new UnsupportedOperationException("FakeRuntime does not attach");
    }

    @Override
    public void reopenContainerLog(String containerId) {
        throw new UnsupportedOperationException("FakeRuntime writes no logs");
    }

    /** Connections to {@code port} of any pod address go to {@code local} (a test server on the loopback). */
    public void route(int port, InetSocketAddress local) {
        routes.put(port, local);
    }

    /** A plain socket of this process's namespace (a pod address in tests is the loopback). */
    @Override
    public SocketChannel openSocket(String sandboxId, java.net.ProtocolFamily family) throws IOException {
        return SocketChannel.open(family);
    }

    /** Connects to the loopback server routed for the target's port; a port without a route is refused. */
    @Override
    public SocketChannel connect(String sandboxId, InetSocketAddress target, Duration timeout) throws IOException {
        InetSocketAddress local = routes.get(target.getPort());
        if (local == null) {
            throw new ConnectException("Connection refused");
        }
        SocketChannel channel = SocketChannel.open();
        try {
            channel.socket().connect(local, (int) timeout.toMillis());
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    private void call(String operation, String detail) {
        calls.add(operation + " " + detail);
        RuntimeException failure;
        synchronized (this) {
            failure = failures.remove(operation);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void put(ContainerStatus c, ContainerState state) {
        containers.put(c.id(), new ContainerStatus(c.id(), c.sandboxId(), c.name(), c.attempt(), c.image(), state,
                c.createdAt(), c.logPath(), c.labels(), c.annotations()));
    }

    private String newContainerId(String name, int attempt) {
        String id = name + "#" + attempt;
        while (containers.containsKey(id)) {
            id += "'";
        }
        return id;
    }

    /** Creation times that increase by a millisecond per object, so "newest" is well defined. */
    private Instant next() {
        return clock.instant().plusMillis(++tick);
    }

    /** Every container ID in creation order (for assertions that list what is left). */
    public synchronized List<String> containerIds() {
        return new ArrayList<>(containers.keySet());
    }
}
