package dev.j8s.kubelet.images;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.j8s.api.testing.ManualClock;
import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.events.RecordingEventRecorder;
import dev.j8s.oci.image.ImageStore;
import dev.j8s.oci.layer.UnpackLimits;
import dev.j8s.oci.manifest.MediaTypes;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.registry.Credentials;
import dev.j8s.oci.registry.RegistryOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's one pull slot (serialized pulls, upstream's default) is not held forever by a registry that sends
 * headers and then nothing: the pull through it ends within the stall window, and the pull queued behind it runs.
 * Registries are in-process HTTP servers speaking the distribution API on 127.0.0.1, the image store is real.
 */
class StalledRegistryPullTest {

    static final RegistryOptions FAST = new RegistryOptions(Duration.ofSeconds(2), Duration.ofMillis(400), 1024,
            64 * 1024, 2, Duration.ofMillis(10), Set.of());
    static final Duration WITHIN = FAST.stallWindow().multipliedBy(2).plusSeconds(1);

    /** What stalls after its headers. */
    enum Stall { MANIFEST, TOKEN, REDIRECT }

    @TempDir
    Path temp;

    final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    final CountDownLatch unstall = new CountDownLatch(1);
    final CountDownLatch stalling = new CountDownLatch(1);

    @AfterEach
    void stop() {
        unstall.countDown();
        servers.forEach(s -> s.stop(0));
    }

    @ParameterizedTest
    @EnumSource(Stall.class)
    void aPullWhoseRegistryStallsAfterTheHeadersEndsWithinTheStallWindowAndThePullQueuedBehindItRuns(Stall stall)
            throws Exception {
        Image image = Image.build();
        HttpServer healthy = registry(image, Optional.empty());
        HttpServer stalled = registry(image, Optional.of(stall));
        RecordingEventRecorder recorder = new RecordingEventRecorder();
        try (ImageStore store = ImageStore.open(temp.resolve("images"), FAST, new UnpackLimits(1L << 30, 250, 10_000, 4096, 0))) {
            ImageManager manager = new ImageManager(ImageService.of(store), recorder, new ManualClock(),
                    ImagePullSettings.DEFAULTS);
            var workers = Executors.newVirtualThreadPerTaskExecutor();
            CompletableFuture<ImagePullResult> first = CompletableFuture.supplyAsync(
                    () -> pull(manager, "a", stalled), workers);
            assertThat(stalling.await(10, TimeUnit.SECONDS)).as("the stalled registry got its request").isTrue();
            long start = System.nanoTime();
            CompletableFuture<ImagePullResult> queued = CompletableFuture.supplyAsync(
                    () -> pull(manager, "b", healthy), workers);

            ImagePullResult stalledPull = first.get(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            ImagePullResult next = queued.get(10, TimeUnit.SECONDS);

            if (stall == Stall.REDIRECT) {
                // the redirect's body is given up, the redirect followed
                assertThat(stalledPull).isInstanceOf(ImagePullResult.Ready.class);
            } else {
                assertThat(stalledPull).isInstanceOf(ImagePullResult.Waiting.class)
                        .extracting(r -> ((ImagePullResult.Waiting) r).reason()).isEqualTo(ImagePullResult.REGISTRY_UNAVAILABLE);
                assertThat(((ImagePullResult.Waiting) stalledPull).message()).contains("stalled: fewer than 1024 bytes in 400 ms");
            }
            assertThat(next).isInstanceOf(ImagePullResult.Ready.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WITHIN.plusSeconds(5));
            workers.shutdownNow();
        }
    }

    private static ImagePullResult pull(ImageManager manager, String pod, HttpServer registry) {
        String image = "127.0.0.1:" + registry.getAddress().getPort() + "/team/app:v1";
        return manager.ensureImageExists(ImageManagerTest.pod(pod), ImageManagerTest.container(image, "Always"),
                ContainerKind.CONTAINER, (host, repository) -> Optional.of(new Credentials.UsernamePassword("alice", "s3cret")));
    }

    /** A distribution API registry serving {@code image} as team/app:v1; {@code stall} makes one step stall. */
    private HttpServer registry(Image image, Optional<Stall> stall) throws IOException {
        HttpServer token = stall.filter(s -> s == Stall.TOKEN).isPresent() ? server(ex -> {
            stallAfterHeaders(ex, 200);
        }) : null;
        return server(ex -> {
            String path = ex.getRequestURI().getPath();
            if (token != null && ex.getRequestHeaders().getFirst("Authorization") == null) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://127.0.0.1:"
                        + token.getAddress().getPort() + "/token\",service=\"reg\"");
                send(ex, 401, "application/json", new byte[0]);
            } else if (path.equals("/v2/team/app/manifests/v1") && stall.equals(Optional.of(Stall.MANIFEST))) {
                ex.getResponseHeaders().add("Content-Type", MediaTypes.OCI_MANIFEST);
                stallAfterHeaders(ex, 200);
            } else if (path.equals("/v2/team/app/manifests/v1") && stall.equals(Optional.of(Stall.REDIRECT))) {
                ex.getResponseHeaders().add("Location", "/v2/team/app/manifests/" + image.manifestDigest());
                stallAfterHeaders(ex, 307);
            } else if (path.startsWith("/v2/team/app/manifests/")) {
                send(ex, 200, MediaTypes.OCI_MANIFEST, image.manifest());
            } else if (path.equals("/v2/team/app/blobs/" + image.configDigest())) {
                send(ex, 200, "application/octet-stream", image.config());
            } else if (path.equals("/v2/team/app/blobs/" + image.layerDigest())) {
                send(ex, 200, "application/octet-stream", image.layer());
            } else {
                send(ex, 404, "application/json", "{\"errors\":[{\"code\":\"NOT_FOUND\"}]}".getBytes(StandardCharsets.UTF_8));
            }
        });
    }

    interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    private HttpServer server(Handler handler) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/", ex -> {
            try (ex) {
                handler.handle(ex);
            } catch (IOException e) {
                // the client went away
            }
        });
        s.start();
        servers.add(s);
        return s;
    }

    /** Headers promising 1000 bytes, 10 of them, then nothing until the test ends. */
    private void stallAfterHeaders(HttpExchange ex, int status) throws IOException {
        ex.sendResponseHeaders(status, 1000);
        OutputStream out = ex.getResponseBody();
        out.write("{\"stalled\"".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        stalling.countDown();
        try {
            unstall.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** A one-layer OCI image for linux/amd64: its manifest, config and gzipped layer. */
    record Image(byte[] manifest, byte[] config, byte[] layer) {
        Digest manifestDigest() {
            return Digest.sha256(manifest);
        }

        Digest configDigest() {
            return Digest.sha256(config);
        }

        Digest layerDigest() {
            return Digest.sha256(layer);
        }

        static Image build() throws IOException {
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            try (TarArchiveOutputStream t = new TarArchiveOutputStream(tar)) {
                byte[] data = "hello\n".getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry("etc/motd");
                e.setSize(data.length);
                e.setMode(0644);
                t.putArchiveEntry(e);
                t.write(data);
                t.closeArchiveEntry();
            }
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(tar.toByteArray());
            }
            byte[] layer = gz.toByteArray();
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},"
                    + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + Digest.sha256(tar.toByteArray()) + "\"]}}")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
                    + "\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + Digest.sha256(config)
                    + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                    + "\"digest\":\"" + Digest.sha256(layer) + "\",\"size\":" + layer.length + "}]}")
                    .getBytes(StandardCharsets.UTF_8);
            return new Image(manifest, config, layer);
        }
    }
}
