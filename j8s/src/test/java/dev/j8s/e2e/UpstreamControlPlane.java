package dev.j8s.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Kubernetes control plane that is not j8s, for {@code j8s agent} to join: by default etcd and kube-apiserver v1.20.2
 * started by the {@code upstream-apiserver} tool on loopback (Node + RBAC authorization, NodeRestriction, no scheduler or
 * controller manager), else any cluster named by environment variables. Not thread-safe: one test class drives it.
 *
 * <p>{@code J8S_TEST_KUBECONFIG} (an administrator's kubeconfig) targets an existing cluster instead; then
 * {@code J8S_TEST_NODE_KUBECONFIG} and {@code J8S_TEST_NODE_NAME} give the node's credentials and name (default: the
 * administrator's, and the name the test asks for). The tool is {@code J8S_UPSTREAM_APISERVER} or
 * {@code shared/tools/upstream-apiserver} in a directory above the working directory; without it, or when it cannot
 * build kube-apiserver, the calling test class is skipped, saying why.
 */
final class UpstreamControlPlane implements AutoCloseable {

    private final Optional<Path> tool;
    private final Optional<Path> dir;
    private final Path adminKubeconfig;
    private final Path nodeKubeconfig;
    private final String nodeName;

    private UpstreamControlPlane(Optional<Path> tool, Optional<Path> dir, Path adminKubeconfig, Path nodeKubeconfig,
                                 String nodeName) {
        this.tool = tool;
        this.dir = dir;
        this.adminKubeconfig = adminKubeconfig;
        this.nodeKubeconfig = nodeKubeconfig;
        this.nodeName = nodeName;
    }

    /** The cluster named by {@code J8S_TEST_KUBECONFIG}, else a fresh upstream one; skips the test class if neither. */
    static UpstreamControlPlane start(String nodeName) {
        String given = System.getenv().getOrDefault("J8S_TEST_KUBECONFIG", "");
        if (!given.isEmpty()) {
            Path admin = Path.of(given);
            String node = System.getenv().getOrDefault("J8S_TEST_NODE_NAME", nodeName);
            Path nodeConfig = Path.of(System.getenv().getOrDefault("J8S_TEST_NODE_KUBECONFIG", given));
            return new UpstreamControlPlane(Optional.empty(), Optional.empty(), admin, nodeConfig, node);
        }
        Optional<Path> tool = tool();
        assumeTrue(tool.isPresent(), "the upstream-apiserver tool is not there (set J8S_UPSTREAM_APISERVER, or"
                + " J8S_TEST_KUBECONFIG to target a cluster)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/etcd")), "etcd is not installed (Debian package etcd-server)");
        Run build = run(tool.get(), 20, "build");
        assumeTrue(build.exit() == 0, "upstream-apiserver cannot build kube-apiserver here: " + build.output());
        Path dir;
        try {
            dir = Files.createTempDirectory("j8s-e2e-upstream-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Run start = run(tool.get(), 2, "start", dir.resolve("cp").toString(), nodeName);
        Map<String, String> values = new LinkedHashMap<>();
        start.output().lines().filter(l -> l.matches("[A-Z_]+=.*"))
                .forEach(l -> values.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        UpstreamControlPlane plane = new UpstreamControlPlane(tool, Optional.of(dir),
                Path.of(values.getOrDefault("ADMIN_KUBECONFIG", "")), Path.of(values.getOrDefault("NODE_KUBECONFIG", "")),
                nodeName);
        if (start.exit() != 0 || !values.containsKey("NODE_KUBECONFIG")) {
            plane.close();
            throw new IllegalStateException("upstream-apiserver start failed: " + start.output());
        }
        return plane;
    }

    private static Optional<Path> tool() {
        String configured = System.getenv().getOrDefault("J8S_UPSTREAM_APISERVER", "");
        if (!configured.isEmpty()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("shared/tools/upstream-apiserver");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private record Run(int exit, String output) {}

    private static Run run(Path tool, int minutes, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(tool.toString()));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("j8s-e2e-upstream-", ".out");
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
                if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    return new Run(-1, "did not finish in " + minutes + " min: " + command);
                }
                return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + command, e);
        }
    }

    /** Whether this is the loopback kube-apiserver of the tool (its log and version are known), not another cluster. */
    boolean local() {
        return dir.isPresent();
    }

    Path adminKubeconfig() {
        return adminKubeconfig;
    }

    Path nodeKubeconfig() {
        return nodeKubeconfig;
    }

    String nodeName() {
        return nodeName;
    }

    /** The local control plane's certificates and keys ({@code ca.crt}, {@code ca.key}, ...). */
    Path pkiDir() {
        return dir.orElseThrow(() -> new IllegalStateException("not the local control plane")).resolve("cp/pki");
    }

    /** kube-apiserver's log (the local control plane only). */
    String apiServerLog() {
        try {
            return dir.isEmpty() ? "" : Files.readString(dir.get().resolve("cp/apiserver.log"));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * Freezes ({@code SIGSTOP}) or thaws ({@code SIGCONT}) the local kube-apiserver: frozen, it accepts connections and
     * answers nothing, as an unreachable control plane.
     */
    void freezeApiServer(boolean frozen) {
        Path pidFile = dir.orElseThrow(() -> new IllegalStateException("not the local control plane"))
                .resolve("cp/apiserver.pid");
        try {
            String pid = Files.readString(pidFile).strip();
            Process p = new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", pid).redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill " + (frozen ? "-STOP " : "-CONT ") + pid + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void freezeApiServerQuietly() {
        try {
            freezeApiServer(false); // a stopped process would not get the stop's SIGTERM
        } catch (RuntimeException e) {
            // gone already
        }
    }

    /** Stops the local etcd and kube-apiserver and removes their state; leaves another cluster alone. */
    @Override
    public void close() {
        if (dir.isPresent()) {
            freezeApiServerQuietly();
        }
        if (tool.isPresent() && dir.isPresent()) {
            Run stop = run(tool.get(), 1, "stop", dir.get().resolve("cp").toString());
            if (stop.exit() != 0) {
                System.err.println("e2e cleanup: upstream-apiserver stop failed: " + stop.output());
            }
            J8sServer.deleteRecursively(dir.get());
        }
    }
}
