package dev.j8s.e2e;

import dev.j8s.oci.testing.DistributionRegistry;
import dev.j8s.oci.testing.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

/**
 * Debian's {@code docker-registry} on 127.0.0.1 holding a busybox image built with umoci from the host's
 * static {@code /bin/busybox} (the oci integration tests' recipe, reduced), pushed with skopeo; for the
 * kubelet e2e tests. Not thread-safe.
 */
final class LocalRegistry implements AutoCloseable {

    static final Path BUSYBOX = Path.of("/bin/busybox");

    private final DistributionRegistry registry;
    private final Path dir;
    private final java.util.Optional<String> destCreds;

    private boolean deleteOnClose;

    private LocalRegistry(DistributionRegistry registry, Path dir, java.util.Optional<String> destCreds) {
        this.registry = registry;
        this.dir = dir;
        this.destCreds = destCreds;
    }

    /** Whether the registry, umoci, skopeo and a busybox binary are installed. */
    static boolean available() {
        return DistributionRegistry.available() && Files.isExecutable(Path.of("/usr/bin/umoci"))
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

    /** As {@link #startWithAuth}, in a fresh temporary directory that {@link #close()} removes. */
    static LocalRegistry startWithAuthInTempDir(String user, String password) throws IOException, InterruptedException {
        LocalRegistry registry = startWithAuth(Files.createTempDirectory("j8s-e2e-registry-"), user, password);
        registry.deleteOnClose = true;
        return registry;
    }

    private static LocalRegistry start(Path dir, java.util.Optional<String[]> auth)
            throws IOException, InterruptedException {
        String authYaml = auth.map(a -> """
                auth:
                  htpasswd:
                    realm: j8s-e2e
                    path: %s
                """.formatted(a[2])).orElse("");
        try {
            return new LocalRegistry(DistributionRegistry.start(dir, authYaml, ""), dir,
                    auth.map(a -> a[0] + ":" + a[1]));
        } catch (IOException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("start docker-registry in " + dir, e);
        }
    }

    String host() {
        return registry.host();
    }

    /**
     * Builds {@code busybox} (one layer: {@code /bin/busybox} and {@code sh}, {@code sleep} links; Env
     * {@code PATH=/bin GREETING=from-image IMAGE_ONLY=kept}, Cmd {@code sh}) and pushes it as {@code <host>/busybox:<tag>} for every tag.
     */
    void pushBusybox(List<String> tags) {
        pushBusybox("busybox", tags, java.util.Map.of());
    }

    /**
     * Builds the busybox image with {@code files} added (path in the image, e.g. {@code bin/probe}, to a host
     * file) and pushes it as {@code <host>/<name>:<tag>} for every tag.
     */
    void pushBusybox(String name, List<String> tags, java.util.Map<String, Path> files) {
        if (tags.isEmpty()) {
            return;
        }
        Path work = dir.resolve("build-" + name);
        Path layout = work.resolve("layout");
        Path bundle = work.resolve("bundle");
        try {
            Files.createDirectories(work);
            Tools.run(work, "/usr/bin/umoci", "init", "--layout", layout.toString());
            Tools.run(work, "/usr/bin/umoci", "new", "--image", layout + ":base");
            Tools.run(work, "/usr/bin/umoci", "unpack", "--image", layout + ":base", bundle.toString());
            Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
            Files.copy(BUSYBOX, bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
            for (String applet : List.of("sh", "sleep", "echo", "cat")) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
            for (var file : files.entrySet()) {
                Path target = bundle.resolve("rootfs").resolve(file.getKey());
                Files.createDirectories(target.getParent());
                Files.copy(file.getValue(), target, StandardCopyOption.COPY_ATTRIBUTES);
            }
            Tools.run(work, "/usr/bin/umoci", "repack", "--refresh-bundle", "--image", layout + ":base", bundle.toString());
            Tools.run(work, "/usr/bin/umoci", "config", "--image", layout + ":base", "--config.env", "PATH=/bin",
                    "--config.env", "GREETING=from-image", "--config.env", "IMAGE_ONLY=kept",
                    "--config.cmd", "sh", "--architecture", "amd64", "--os", "linux");
        } catch (IOException e) {
            throw new UncheckedIOException("build busybox image in " + work, e);
        }
        for (String tag : tags) {
            Tools.push(layout, "base", host() + "/" + name + ":" + tag, "",
                    destCreds.map(c -> List.of("--dest-creds=" + c)).orElse(List.of()));
        }
    }

    /** Pushes tag {@code tag} of the OCI layout {@code layout} as {@code <host>/<name>} and returns that reference. */
    String pushLayout(Path layout, String tag, String name) {
        String reference = host() + "/" + name;
        Tools.push(layout, tag, reference, "", destCreds.map(c -> List.of("--dest-creds=" + c)).orElse(List.of()));
        return reference;
    }

    @Override
    public void close() {
        registry.close();
        if (deleteOnClose) {
            J8sServer.deleteRecursively(dir);
        }
    }

    static Duration timeout() {
        return Duration.ofSeconds(60);
    }
}
