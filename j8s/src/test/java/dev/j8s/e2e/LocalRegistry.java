package dev.j8s.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code docker-registry} on 127.0.0.1 holding a busybox image built with umoci from the host's
 * static {@code /bin/busybox} (the oci integration tests' recipe, reduced), pushed with skopeo; for the
 * kubelet e2e tests. Not thread-safe.
 */
final class LocalRegistry implements AutoCloseable {

    static final Path REGISTRY = Path.of("/usr/bin/docker-registry");
    static final Path BUSYBOX = Path.of("/bin/busybox");

    private final Process process;
    private final int port;
    private final Path dir;
    private final java.util.Optional<String> destCreds;

    private boolean deleteOnClose;

    private LocalRegistry(Process process, int port, Path dir, java.util.Optional<String> destCreds) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.destCreds = destCreds;
    }

    /** Whether the registry, umoci, skopeo and a busybox binary are installed. */
    static boolean available() {
        return Files.isExecutable(REGISTRY) && Files.isExecutable(Path.of("/usr/bin/umoci"))
                && Files.isExecutable(Path.of("/usr/bin/skopeo")) && Files.isExecutable(BUSYBOX);
    }

    static LocalRegistry start(Path dir) throws IOException, InterruptedException {
        return start(dir, java.util.Optional.empty());
    }

    /**
     * Skips the calling test class unless pods can run here: the registry tools are installed and we
     * are root (the runtime needs /run, mounts and namespaces).
     */
    static void assumePodsCanRun() {
        org.junit.jupiter.api.Assumptions.assumeTrue(available(),
                "docker-registry, umoci, skopeo and /bin/busybox are needed");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(Path.of("/run")), "running pods needs root");
    }

    /** A registry in a fresh temporary directory that {@link #close()} removes. */
    static LocalRegistry startInTempDir() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("j8s-e2e-registry-");
        LocalRegistry registry = start(dir);
        registry.deleteOnClose = true;
        return registry;
    }

    /** Whether {@code htpasswd} (apache2-utils) is installed, for {@link #startWithAuth}. */
    static boolean htpasswdAvailable() {
        return Files.isExecutable(Path.of("/usr/bin/htpasswd"));
    }

    /**
     * A registry that requires HTTP Basic auth ({@code auth: htpasswd}, bcrypt entry from {@code htpasswd -Bbn}) for
     * every request; pushes use {@code user}/{@code password}.
     */
    static LocalRegistry startWithAuth(Path dir, String user, String password) throws IOException, InterruptedException {
        Path htpasswd = dir.resolve("htpasswd");
        Process h = new ProcessBuilder("/usr/bin/htpasswd", "-Bbn", user, password).redirectErrorStream(true).start();
        String entry = new String(h.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (h.waitFor() != 0) {
            throw new IllegalStateException("htpasswd failed: exit " + h.exitValue());
        }
        Files.writeString(htpasswd, entry.strip() + "\n");
        return start(dir, java.util.Optional.of(new String[] {user, password, htpasswd.toString()}));
    }

    private static LocalRegistry start(Path dir, java.util.Optional<String[]> auth)
            throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("storage"), port) + auth.map(a -> """
                auth:
                  htpasswd:
                    realm: j8s-e2e
                    path: %s
                """.formatted(a[2])).orElse(""));
        Process p = new ProcessBuilder(REGISTRY.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        LocalRegistry registry = new LocalRegistry(p, port, dir, auth.map(a -> a[0] + ":" + a[1]));
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plusSeconds(20);
        while (true) {
            try {
                int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200 || (auth.isPresent() && status == 401)) {
                    return registry;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (!p.isAlive() || Instant.now().isAfter(deadline)) {
                registry.close();
                throw new IllegalStateException("registry did not start: " + Files.readString(dir.resolve("registry.log")));
            }
            Thread.sleep(50);
        }
    }

    String host() {
        return "127.0.0.1:" + port;
    }

    /**
     * Builds {@code busybox} (one layer: {@code /bin/busybox} and {@code sh}, {@code sleep} links; Env
     * {@code PATH=/bin}, Cmd {@code sh}) and pushes it as {@code <host>/busybox:<tag>} for every tag.
     */
    void pushBusybox(List<String> tags) {
        Path work = dir.resolve("build");
        Path layout = work.resolve("layout");
        Path bundle = work.resolve("bundle");
        try {
            Files.createDirectories(work);
            run(work, "/usr/bin/umoci", "init", "--layout", layout.toString());
            run(work, "/usr/bin/umoci", "new", "--image", layout + ":base");
            run(work, "/usr/bin/umoci", "unpack", "--image", layout + ":base", bundle.toString());
            Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
            Files.copy(BUSYBOX, bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
            for (String applet : List.of("sh", "sleep", "echo", "cat")) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
            run(work, "/usr/bin/umoci", "repack", "--refresh-bundle", "--image", layout + ":base", bundle.toString());
            run(work, "/usr/bin/umoci", "config", "--image", layout + ":base", "--config.env", "PATH=/bin",
                    "--config.cmd", "sh", "--architecture", "amd64", "--os", "linux");
        } catch (IOException e) {
            throw new UncheckedIOException("build busybox image in " + work, e);
        }
        for (String tag : tags) {
            List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/skopeo", "--insecure-policy", "copy", "-q",
                    "--dest-tls-verify=false"));
            destCreds.ifPresent(c -> cmd.add("--dest-creds=" + c));
            cmd.add("oci:" + layout + ":base");
            cmd.add("docker://" + host() + "/busybox:" + tag);
            run(work, cmd.toArray(String[]::new));
        }
    }

    private static void run(Path cwd, String... command) {
        try {
            Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", command) + ": timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + ": exit " + p.exitValue() + ": "
                        + new String(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (deleteOnClose) {
            J8sServer.deleteRecursively(dir);
        }
    }

    static Duration timeout() {
        return Duration.ofSeconds(60);
    }
}
