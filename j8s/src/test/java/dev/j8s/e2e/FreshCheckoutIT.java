package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The README's main command on a fresh machine: a clean copy of this checkout (what {@code git clone} gives,
 * plus uncommitted changes; no {@code target/}) and a Maven local repository without any {@code dev.j8s}
 * artifact. {@code bin/j8s version} must build the jar there and run it, and {@code scripts/run-server} must
 * reach "ready" and answer {@code kubectl get --raw /readyz}. Third-party artifacts come from the machine's
 * local repository through symbolic links, so the build needs no download.
 *
 * <p>{@code -Dj8s.checkout=DIR} tests another checkout (e.g. an older commit's worktree).
 */
class FreshCheckoutIT {

    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    private static final String READY_LINE = "j8s server is ready at ";

    private final List<Process> started = new ArrayList<>();
    private Path root;
    private Path dataDir;

    @AfterEach
    void stopTheServerAndRemoveEverything() {
        for (Process process : started) {
            process.destroy(); // SIGTERM: the server closes cleanly
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (dataDir != null && Files.isDirectory(dataDir)) {
            // What the instance put on the host outside its data dir goes the way a user removes it.
            J8sServer.Cli reset = J8sServer.cli("reset", "--data-dir", dataDir.toString(), "--delete-data");
            if (reset.exitCode() != 0) {
                System.err.println("fresh checkout cleanup: j8s reset of " + dataDir + " failed: " + reset);
            }
        }
        if (root != null) {
            J8sServer.deleteRecursively(root);
        }
    }

    @Test
    void binJ8sBuildsFromAnEmptyLocalRepositoryAndRunServerAnswersReadyz() throws Exception {
        root = Files.createTempDirectory("j8s-fresh-");
        Path checkout = copyOfCheckout(checkoutUnderTest(), root.resolve("checkout"));
        Path repository = repositoryWithout(localRepository(), root.resolve("m2"), Path.of("dev", "j8s"));
        dataDir = root.resolve("data");

        Path versionLog = root.resolve("version.log");
        Process version = start(checkout, repository, versionLog, "bin/j8s", "version");
        assertThat(version.waitFor(BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                .as("bin/j8s version finishes within %s", BUILD_TIMEOUT).isTrue();
        String printed = Files.readString(versionLog);
        assertThat(version.exitValue()).as("bin/j8s version exit status; it printed:\n%s", printed).isZero();
        assertThat(printed)
                .contains("j8s: building " + checkout.resolve("j8s/target/j8s.jar"))
                .containsPattern("(?m)^j8s version: \\S+$")
                .containsPattern("(?m)^Kubernetes API version: v1\\.\\d+\\.\\d+$");

        Path serverLog = root.resolve("run-server.log");
        Process server = start(checkout, repository, serverLog, "scripts/run-server",
                "--data-dir", dataDir.toString(), "--listen", "127.0.0.1:0", "--node-name", "fresh-checkout");
        awaitReady(server, serverLog);
        assertThat(Files.readString(serverLog)).as("run-server found the jar bin/j8s version built")
                .doesNotContain("j8s: building");

        Kubectl kubectl = Kubectl.dispatcher(dataDir.resolve("kubeconfig"), Files.createDirectories(root.resolve("home")));
        assertThat(kubectl.run("get", "--raw", "/readyz").ok().stdout()).isEqualTo("ok");
    }

    /** The checkout these tests run in (the parent of the j8s module), or {@code -Dj8s.checkout}. */
    private static Path checkoutUnderTest() {
        String configured = System.getProperty("j8s.checkout", "");
        if (!configured.isEmpty()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("bin/j8s")) && Files.isRegularFile(dir.resolve("scripts/run-server"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no checkout (bin/j8s, scripts/run-server) above " + Path.of("").toAbsolutePath());
    }

    /** The Maven local repository of the build running this test ({@code -Dj8s.localRepository}), else ~/.m2's. */
    private static Path localRepository() {
        String configured = System.getProperty("j8s.localRepository", "");
        return configured.isEmpty()
                ? Path.of(System.getProperty("user.home"), ".m2", "repository")
                : Path.of(configured);
    }

    /**
     * Copies the files a clone of {@code checkout} would have, with the working tree's content: tracked and
     * untracked files that {@code .gitignore} does not exclude ({@code git ls-files}), modes and times kept.
     */
    private static Path copyOfCheckout(Path checkout, Path target) throws IOException, InterruptedException {
        Process ls = new ProcessBuilder("git", "-C", checkout.toString(), "ls-files", "-z", "--cached", "--others",
                "--exclude-standard").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] listing = ls.getInputStream().readAllBytes();
        assertThat(ls.waitFor(60, TimeUnit.SECONDS) && ls.exitValue() == 0)
                .as("git ls-files in %s", checkout).isTrue();
        int copied = 0;
        for (String name : new String(listing, StandardCharsets.UTF_8).split("\0")) {
            Path from = checkout.resolve(name);
            if (name.isEmpty() || !Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                continue; // deleted in the working tree
            }
            Path to = target.resolve(name);
            Files.createDirectories(to.getParent());
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            copied++;
        }
        assertThat(copied).as("files copied from %s", checkout).isPositive();
        return target;
    }

    /**
     * A local repository that links every entry of {@code source} except {@code excluded} (a path under it), so
     * Maven finds third-party artifacts without downloading them but none of {@code excluded}.
     */
    private static Path repositoryWithout(Path source, Path target, Path excluded) throws IOException {
        Files.createDirectories(target);
        if (!Files.isDirectory(source)) {
            return target; // nothing local: Maven downloads third-party artifacts
        }
        String first = excluded.getName(0).toString();
        try (Stream<Path> entries = Files.list(source)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (!name.equals(first)) {
                    Files.createSymbolicLink(target.resolve(name), entry);
                } else if (excluded.getNameCount() > 1) {
                    repositoryWithout(entry, target.resolve(name), excluded.subpath(1, excluded.getNameCount()));
                }
            }
        }
        return target;
    }

    /**
     * Starts {@code command} in {@code checkout} as a user's shell would: no Maven or kubeconfig settings of
     * this build, only the local repository; output (both streams) to {@code log}.
     */
    private Process start(Path checkout, Path repository, Path log, String... command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(checkout.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Map<String, String> environment = builder.environment();
        environment.keySet().removeIf(k -> k.startsWith("MAVEN_") || k.startsWith("KUBE"));
        environment.put("MAVEN_OPTS", "-Dmaven.repo.local=" + repository);
        Process process = builder.start();
        started.add(process);
        return process;
    }

    private static void awaitReady(Process server, Path log) throws IOException {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (!Files.readString(log).contains(READY_LINE)) {
            if (!server.isAlive() || Instant.now().isAfter(deadline)) {
                throw new AssertionError("scripts/run-server did not print \"" + READY_LINE + "\" within "
                        + READY_TIMEOUT + (server.isAlive() ? "" : " (it exited " + server.exitValue() + ")")
                        + "; it printed:\n" + Files.readString(log));
            }
            J8sServer.sleep(Duration.ofMillis(100));
        }
    }
}
