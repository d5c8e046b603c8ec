package dev.j8s.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.j8s.oci.manifest.Descriptor;
import dev.j8s.oci.manifest.MediaTypes;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.testing.DistributionRegistry;
import dev.j8s.oci.store.ContentException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Hostile-registry behaviour against in-process fake registries on 127.0.0.1 (and localhost as "another host"). */
class RegistryClientFaultTest {
    static final RegistryOptions FAST = new RegistryOptions(Duration.ofSeconds(2), Duration.ofMillis(400), 1024,
            64 * 1024, 3, Duration.ofMillis(10), Set.of());
    static final byte[] BLOB = "0123456789".repeat(1000).getBytes(StandardCharsets.US_ASCII);
    static final Digest BLOB_DIGEST = Digest.sha256(BLOB);

    final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    final List<String> authSeenByOther = new CopyOnWriteArrayList<>();

    interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    HttpServer server(Handler h) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()); // a stalled exchange blocks no other
        s.createContext("/", ex -> {
            try {
                h.handle(ex);
            } catch (IOException e) {
                // client went away
            } finally {
                ex.close();
            }
        });
        s.start();
        servers.add(s);
        return s;
    }

    /** Released after each test: the stalled exchanges then end. */
    final java.util.concurrent.CountDownLatch unstall = new java.util.concurrent.CountDownLatch(1);

    @AfterEach
    void stop() {
        unstall.countDown();
        servers.forEach(s -> s.stop(0));
    }

    /** Headers promising 1000 bytes of {@code status}, 10 bytes of body, then nothing until the test ends. */
    void stallAfterHeaders(HttpExchange ex, int status) throws IOException {
        ex.sendResponseHeaders(status, 1000);
        OutputStream out = ex.getResponseBody();
        out.write("{\"stalled\"".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        try {
            unstall.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static final byte[] MANIFEST = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\","
            + "\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"" + BLOB_DIGEST + "\",\"size\":"
            + BLOB.length + "},\"layers\":[]}").getBytes(StandardCharsets.UTF_8);

    static void sendManifest(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().add("Content-Type", MediaTypes.OCI_MANIFEST);
        send(ex, 200, MANIFEST);
    }

    /**
     * {@code action} fails within two stall windows (the watchdog looks once per window), naming the stall; then
     * the same client fetches the manifest: nothing was left holding it.
     */
    static void failsWithinTheStallWindowAndTheNextFetchProceeds(RegistryClient client, HttpServer registry,
                                                                 org.assertj.core.api.ThrowableAssert.ThrowingCallable action) {
        long start = System.nanoTime();
        assertThatThrownBy(action).hasMessageContaining("stalled: fewer than 1024 bytes in 400 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAST.stallWindow().multipliedBy(2)
                .plusMillis(500));
        assertThat(client.fetchManifest(ref(registry)).digest()).isEqualTo(dev.j8s.oci.reference.Digest.sha256(MANIFEST));
    }

    @Test
    void aManifestBodyThatStallsAfterItsHeadersFailsWithinTheStallWindow() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer registry = server(ex -> {
            if (calls.incrementAndGet() == 1) {
                ex.getResponseHeaders().add("Content-Type", MediaTypes.OCI_MANIFEST);
                stallAfterHeaders(ex, 200);
            } else {
                sendManifest(ex);
            }
        });
        RegistryClient client = alice();
        failsWithinTheStallWindowAndTheNextFetchProceeds(client, registry, () -> client.fetchManifest(ref(registry)));
    }

    @Test
    void aTokenBodyThatStallsAfterItsHeadersFailsWithinTheStallWindow() throws Exception {
        AtomicInteger tokenCalls = new AtomicInteger();
        HttpServer token = server(ex -> {
            if (tokenCalls.incrementAndGet() == 1) {
                ex.getResponseHeaders().add("Content-Type", "application/json");
                stallAfterHeaders(ex, 200);
            } else {
                send(ex, 200, "{\"token\":\"tok-1\",\"expires_in\":300}".getBytes(StandardCharsets.UTF_8));
            }
        });
        HttpServer registry = server(ex -> {
            if (!"Bearer tok-1".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://127.0.0.1:"
                        + token.getAddress().getPort() + "/token\",service=\"reg\"");
                send(ex, 401, new byte[0]);
                return;
            }
            sendManifest(ex);
        });
        RegistryClient client = alice();
        failsWithinTheStallWindowAndTheNextFetchProceeds(client, registry, () -> client.fetchManifest(ref(registry)));
    }

    @Test
    void aRedirectBodyThatStallsAfterItsHeadersIsGivenUpWithinTheStallWindowAndTheRedirectFollowed() throws Exception {
        HttpServer registry = server(ex -> {
            if (ex.getRequestURI().getPath().startsWith("/elsewhere/")) {
                sendManifest(ex);
            } else {
                ex.getResponseHeaders().add("Location", "/elsewhere/manifest");
                stallAfterHeaders(ex, 307);
            }
        });
        long start = System.nanoTime();

        assertThat(alice().fetchManifest(ref(registry)).digest()).isEqualTo(dev.j8s.oci.reference.Digest.sha256(MANIFEST));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAST.stallWindow().multipliedBy(2)
                .plusMillis(500));
    }

    @Test
    void anErrorBodyThatStallsAfterItsHeadersFailsWithinTheStallWindow() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer registry = server(ex -> {
            if (calls.incrementAndGet() == 1) {
                stallAfterHeaders(ex, 403);
            } else {
                sendManifest(ex);
            }
        });
        RegistryClient client = alice();
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.fetchManifest(ref(registry))).hasMessageContaining(": denied");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAST.stallWindow().multipliedBy(2)
                .plusMillis(500));
        assertThat(client.fetchManifest(ref(registry)).digest()).isEqualTo(dev.j8s.oci.reference.Digest.sha256(MANIFEST));
    }

    static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    static ImageReference ref(HttpServer s) {
        return ImageReference.parse("127.0.0.1:" + s.getAddress().getPort() + "/team/app:v1");
    }

    static Descriptor blob() {
        return Descriptor.of(MediaTypes.OCI_LAYER, BLOB_DIGEST, BLOB.length);
    }

    static RegistryClient alice() {
        return new RegistryClient((h, r) -> Optional.of(new Credentials.UsernamePassword("alice", "s3cret")), FAST);
    }

    @Test
    void redirectToAnotherHostCarriesNoAuthorization() throws Exception {
        HttpServer other = server(ex -> {
            ex.getRequestHeaders().getOrDefault("Authorization", List.of()).forEach(authSeenByOther::add);
            send(ex, 200, BLOB);
        });
        HttpServer registry = server(ex -> {
            if (ex.getRequestHeaders().getFirst("Authorization") == null) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"r\"");
                send(ex, 401, new byte[0]);
                return;
            }
            // "localhost" is another origin than "127.0.0.1" for the client.
            ex.getResponseHeaders().add("Location", "http://localhost:" + other.getAddress().getPort() + "/storage/blob");
            send(ex, 307, new byte[0]);
        });
        try (InputStream in = alice().openBlob(ref(registry), blob())) {
            assertThat(in.readAllBytes()).isEqualTo(BLOB);
        }
        assertThat(authSeenByOther).isEmpty();
    }

    @Test
    void redirectTargetThatChallengesGetsNoCredentials() throws Exception {
        HttpServer evil = server(ex -> {
            ex.getRequestHeaders().getOrDefault("Authorization", List.of()).forEach(authSeenByOther::add);
            ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"give-me\"");
            send(ex, 401, new byte[0]);
        });
        HttpServer registry = server(ex -> {
            ex.getResponseHeaders().add("Location", "http://localhost:" + evil.getAddress().getPort() + "/x");
            send(ex, 302, new byte[0]);
        });
        assertThatThrownBy(() -> alice().openBlob(ref(registry), blob()).readAllBytes())
                .hasMessageContaining("unauthorized by redirect target localhost; credentials are only sent to 127.0.0.1:");
        assertThat(authSeenByOther).isEmpty();
    }

    @Test
    void redirectLoopStopsAfterFiveHops() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        HttpServer registry = server(ex -> {
            hits.incrementAndGet();
            ex.getResponseHeaders().add("Location", "/v2/team/app/manifests/v" + hits.get());
            send(ex, 302, new byte[0]);
        });
        assertThatThrownBy(() -> alice().fetchManifest(ref(registry)))
                .hasMessageEndingWith(": stopped after 5 redirects");
        assertThat(hits.get()).isEqualTo(6);
    }

    @Test
    void bearerRealmOnALinkLocalOrDowngradedAddressIsRefused() throws Exception {
        for (String realm : List.of("http://169.254.169.254/latest/meta-data/", "https://10.0.0.5/token", "ftp://127.0.0.1/x")) {
            HttpServer registry = server(ex -> {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"reg\"");
                send(ex, 401, new byte[0]);
            });
            assertThatThrownBy(() -> alice().fetchManifest(ref(registry)))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("refusing token realm")
                    .hasMessageNotContaining("s3cret");
        }
    }

    @Test
    void tokenEndpointThatRedirectsIsRefused() throws Exception {
        HttpServer token = server(ex -> {
            ex.getResponseHeaders().add("Location", "https://example.invalid/");
            send(ex, 302, new byte[0]);
        });
        HttpServer registry = server(ex -> {
            ex.getResponseHeaders().add("WWW-Authenticate",
                    "Bearer realm=\"http://127.0.0.1:" + token.getAddress().getPort() + "/token\",service=\"reg\"");
            send(ex, 401, new byte[0]);
        });
        assertThatThrownBy(() -> alice().fetchManifest(ref(registry)))
                .hasMessageContaining("token service 127.0.0.1 redirected; refusing");
    }

    @Test
    void bearerTokenIsFetchedCachedAndSent() throws Exception {
        AtomicInteger tokenCalls = new AtomicInteger();
        List<String> tokenQueries = new CopyOnWriteArrayList<>();
        HttpServer token = server(ex -> {
            tokenCalls.incrementAndGet();
            tokenQueries.add(ex.getRequestURI().getRawQuery() + " " + ex.getRequestHeaders().getFirst("Authorization"));
            send(ex, 200, "{\"token\":\"tok-1\",\"expires_in\":300}".getBytes(StandardCharsets.UTF_8));
        });
        HttpServer registry = server(ex -> {
            if (!"Bearer tok-1".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://127.0.0.1:"
                        + token.getAddress().getPort() + "/token\",service=\"reg\",scope=\"repository:team/app:pull\"");
                send(ex, 401, new byte[0]);
                return;
            }
            send(ex, 200, BLOB);
        });
        RegistryClient client = alice();
        assertThat(client.openBlob(ref(registry), blob()).readAllBytes()).isEqualTo(BLOB);
        assertThat(client.openBlob(ref(registry), blob()).readAllBytes()).isEqualTo(BLOB);
        assertThat(tokenCalls.get()).isEqualTo(1);
        assertThat(tokenQueries.getFirst()).isEqualTo("service=reg&scope=repository%3Ateam%2Fapp%3Apull "
                + DistributionRegistry.basicHeader("alice", "s3cret"));
    }

    @Test
    void serverErrorThenSuccessIsRetried() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HttpServer registry = server(ex -> {
            if (calls.incrementAndGet() == 1) {
                send(ex, 500, "boom".getBytes(StandardCharsets.UTF_8));
            } else {
                send(ex, 200, BLOB);
            }
        });
        assertThat(alice().openBlob(ref(registry), blob()).readAllBytes()).isEqualTo(BLOB);
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void connectionCutMidBlobResumesWithRange() throws Exception {
        List<String> ranges = new CopyOnWriteArrayList<>();
        HttpServer registry = server(ex -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            ranges.add(String.valueOf(range));
            if (range == null) {
                ex.sendResponseHeaders(200, BLOB.length);
                OutputStream out = ex.getResponseBody();
                out.write(BLOB, 0, 4000);
                out.flush();
                ex.getHttpContext().getServer(); // then drop the connection
                throw new IOException("cut");
            }
            int from = Integer.parseInt(range.substring("bytes=".length(), range.length() - 1));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (BLOB.length - 1) + "/" + BLOB.length);
            ex.sendResponseHeaders(206, BLOB.length - from);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(BLOB, from, BLOB.length - from);
            }
        });
        assertThat(alice().openBlob(ref(registry), blob()).readAllBytes()).isEqualTo(BLOB);
        assertThat(ranges).hasSize(2).first().isEqualTo("null");
        assertThat(ranges.get(1)).startsWith("bytes=").endsWith("-");
    }

    @Test
    void wrongDigestAndWrongLengthAreRejected() throws Exception {
        byte[] flipped = BLOB.clone();
        flipped[5] ^= 1;
        HttpServer bad = server(ex -> send(ex, 200, flipped));
        assertThatThrownBy(() -> alice().openBlob(ref(bad), blob()).readAllBytes())
                .isInstanceOf(ContentException.class).hasMessageContaining("unexpected commit digest");
        HttpServer longer = server(ex -> send(ex, 200, (new String(BLOB, StandardCharsets.US_ASCII) + "x").getBytes(StandardCharsets.US_ASCII)));
        assertThatThrownBy(() -> alice().openBlob(ref(longer), blob()).readAllBytes())
                .isInstanceOf(ContentException.class).hasMessageContaining("Content-Length 10001 does not match descriptor size 10000");
    }

    @Test
    void tricklingServerIsAStall() throws Exception {
        HttpServer registry = server(ex -> {
            ex.sendResponseHeaders(200, BLOB.length);
            OutputStream out = ex.getResponseBody();
            for (int i = 0; i < BLOB.length; i++) {
                out.write(BLOB[i]);
                out.flush();
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long start = System.nanoTime();
        assertThatThrownBy(() -> alice().openBlob(ref(registry), blob()).readAllBytes())
                .hasMessageContaining("stalled: fewer than 1024 bytes in 400 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void oversizedManifestIsRejectedWithAndWithoutContentLength() throws Exception {
        byte[] huge = new byte[5 << 20];
        java.util.Arrays.fill(huge, (byte) ' ');
        HttpServer withLength = server(ex -> send(ex, 200, huge));
        assertThatThrownBy(() -> alice().fetchManifest(ref(withLength)))
                .hasMessageStartingWith("rejecting 5242880 byte manifest");
        HttpServer chunked = server(ex -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(huge);
            }
        });
        assertThatThrownBy(() -> alice().fetchManifest(ref(chunked)))
                .hasMessageStartingWith("rejecting manifest")
                .hasMessageEndingWith("larger than 4194304 bytes");
    }
}
