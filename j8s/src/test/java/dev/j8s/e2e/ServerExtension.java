package dev.j8s.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * A JUnit extension owning the j8s servers of one test class: optionally one shared server started
 * before all tests, any number started by tests themselves, and a fresh kubectl {@code HOME}. It
 * prints every server's log when a test fails and kills and deletes everything after the class.
 * Register it on a static field; not thread-safe (tests run sequentially).
 */
final class ServerExtension implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback, TestWatcher {

    private final Optional<String> sharedNodeName;
    private final java.util.function.Function<Path, List<String>> sharedSetup;
    private final List<String> sharedLauncher;
    private final List<String> sharedJvmArgs;
    private final List<J8sServer> servers = new ArrayList<>();
    private final Map<J8sServer, J8sServer.LogMark> marks = new HashMap<>();
    private J8sServer shared;
    private Path home;

    private ServerExtension(Optional<String> sharedNodeName, java.util.function.Function<Path, List<String>> sharedSetup,
                            List<String> sharedLauncher, List<String> sharedJvmArgs) {
        this.sharedNodeName = sharedNodeName;
        this.sharedSetup = sharedSetup;
        this.sharedLauncher = List.copyOf(sharedLauncher);
        this.sharedJvmArgs = List.copyOf(sharedJvmArgs);
    }

    /** One server shared by the whole class, named node {@code nodeName}. */
    static ServerExtension shared(String nodeName) {
        return shared(nodeName, dataDir -> List.of());
    }

    /**
     * One server shared by the whole class, named node {@code nodeName}, whose data dir {@code setup} prepares
     * before the first start (see {@link J8sServer#start(String, java.util.function.Function)}).
     */
    static ServerExtension shared(String nodeName, java.util.function.Function<Path, List<String>> setup) {
        return new ServerExtension(Optional.of(nodeName), setup, List.of(), List.of());
    }

    /**
     * One server shared by the whole class whose JVM runs through {@code launcher} (see
     * {@link J8sServer#start(String, List, List, java.util.function.Function)}) with {@code jvmArgs} on its first start.
     */
    static ServerExtension shared(String nodeName, List<String> launcher, List<String> jvmArgs) {
        return new ServerExtension(Optional.of(nodeName), dataDir -> List.of(), launcher, jvmArgs);
    }

    /** No shared server: tests call {@link #startServer(String)}. */
    static ServerExtension perTest() {
        return new ServerExtension(Optional.empty(), dataDir -> List.of(), List.of(), List.of());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        try {
            home = Files.createTempDirectory("j8s-e2e-home-");
        } catch (IOException e) {
            throw new UncheckedIOException("create a kubectl HOME", e);
        }
        sharedNodeName.ifPresent(name -> {
            shared = J8sServer.start(name, sharedLauncher, sharedJvmArgs, sharedSetup);
            servers.add(shared);
        });
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        marks.clear();
        for (J8sServer server : servers) {
            marks.put(server, server.logMark());
        }
    }

    /** Starts another server, cleaned up after the class. */
    J8sServer startServer(String nodeName) {
        return startServer(nodeName, dataDir -> List.of());
    }

    /** Starts another server whose data dir {@code setup} prepares (see {@link J8sServer#start(String, java.util.function.Function)}). */
    J8sServer startServer(String nodeName, java.util.function.Function<Path, List<String>> setup) {
        J8sServer server = J8sServer.start(nodeName, setup);
        servers.add(server);
        return server;
    }

    /** Whether the class has a shared server ({@link #shared}), not only servers its tests start. */
    boolean hasSharedServer() {
        return shared != null;
    }

    J8sServer server() {
        if (shared == null) {
            throw new IllegalStateException("this class has no shared server");
        }
        return shared;
    }

    /** The class's kubectl {@code HOME}. */
    Path home() {
        return home;
    }

    /** {@code /usr/bin/kubectl} against the shared server. */
    Kubectl kubectl() {
        return Kubectl.dispatcher(server().kubeconfig(), home);
    }

    /** {@code kubectl.<version>} against the shared server; skips when absent. */
    Kubectl kubectl(String version) {
        return Kubectl.version(version, server().kubeconfig(), home);
    }

    /** A file under the class's HOME with the given content, for {@code -f}. */
    Path file(String name, String content) {
        try {
            Path dir = Files.createDirectories(home.resolve("manifests"));
            return Files.writeString(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException("write manifest " + name, e);
        }
    }

    /** A classpath resource under {@code /e2e/} copied into the class's HOME, for {@code -f}. */
    Path resource(String name) {
        try (var in = ServerExtension.class.getResourceAsStream("/e2e/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource /e2e/" + name);
            }
            return file(name, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("read test resource " + name, e);
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        for (J8sServer server : servers) {
            J8sServer.LogMark mark = marks.getOrDefault(server, new J8sServer.LogMark(0, 0));
            System.err.println("===== " + context.getDisplayName() + " failed; " + server
                    + (server.isAlive() ? " (running)" : " (not running)") + ", its output during the test: =====");
            System.err.println(server.logsSince(mark));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // every server is torn down even when one left something behind; the first such failure is thrown at the end
        AssertionError unclean = null;
        for (J8sServer server : servers) {
            try {
                server.close();
            } catch (AssertionError e) {
                if (unclean == null) {
                    unclean = e;
                } else {
                    unclean.addSuppressed(e);
                }
            }
        }
        servers.clear();
        if (home != null) {
            J8sServer.deleteRecursively(home);
        }
        assertNoChildProcessLeft();
        if (unclean != null) {
            throw unclean;
        }
    }

    /** Every j8s server and kubectl this class started must be gone (a leaked watch or server fails the class). */
    private static void assertNoChildProcessLeft() {
        java.time.Instant deadline = java.time.Instant.now().plusSeconds(10);
        List<ProcessHandle> left = children();
        while (!left.isEmpty() && java.time.Instant.now().isBefore(deadline)) {
            J8sServer.sleep(java.time.Duration.ofMillis(100));
            left = children();
        }
        if (!left.isEmpty()) {
            String described = left.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                    .collect(java.util.stream.Collectors.joining("\n  "));
            left.forEach(ProcessHandle::destroyForcibly);
            throw new AssertionError("processes left behind by the e2e tests:\n  " + described);
        }
    }

    private static List<ProcessHandle> children() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.contains("kubectl") || c.endsWith("/java")).orElse(false))
                .toList();
    }
}
