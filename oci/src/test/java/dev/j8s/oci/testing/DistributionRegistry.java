package dev.j8s.oci.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/** A real distribution registry ({@code /usr/bin/docker-registry}) on 127.0.0.1, for the oci integration tests and (through the test-jar) the e2e tests; not thread-safe. */
public final class DistributionRegistry implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/docker-registry");

    public final Process process;
    public final int port;
    public final Path dir;
    private final String pushAuth;
    private final HttpClient http = HttpClient.newHttpClient();

    private DistributionRegistry(Process process, int port, Path dir, String pushAuth) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.pushAuth = pushAuth;
    }

    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** Starts a registry; {@code authYaml} is the indented {@code auth:} section or empty. */
    public static DistributionRegistry start(Path dir, String authYaml, String pushAuthHeader) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
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
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                %s
                """.formatted(dir.resolve("storage"), port, authYaml));
        Process p = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        DistributionRegistry r = new DistributionRegistry(p, port, dir, pushAuthHeader);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                HttpResponse<Void> resp = r.http.send(HttpRequest.newBuilder(r.uri("/v2/")).build(), HttpResponse.BodyHandlers.discarding());
                if (resp.statusCode() == 200 || resp.statusCode() == 401) {
                    return r;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                r.close();
                throw new IllegalStateException("registry did not start: " + Files.readString(dir.resolve("registry.log")));
            }
            Thread.sleep(50);
        }
    }

    public static String basicHeader(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public String host() {
        return "127.0.0.1:" + port;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpRequest.Builder req(URI u) {
        HttpRequest.Builder b = HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(30));
        if (!pushAuth.isEmpty()) {
            b.header("Authorization", pushAuth);
        }
        return b;
    }

    /** Monolithic blob upload. */
    public void pushBlob(String repo, String digest, byte[] data) throws Exception {
        pushBlob(repo, digest, HttpRequest.BodyPublishers.ofByteArray(data));
    }

    /** Monolithic blob upload of a file's content (a blob too large to hold in memory). */
    public void pushBlob(String repo, String digest, Path file) throws Exception {
        pushBlob(repo, digest, HttpRequest.BodyPublishers.ofFile(file));
    }

    private void pushBlob(String repo, String digest, HttpRequest.BodyPublisher body) throws Exception {
        HttpResponse<String> start = http.send(req(uri("/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (start.statusCode() != 202) {
            throw new IllegalStateException("upload start " + start.statusCode() + " " + start.body());
        }
        URI loc = uri("/").resolve(start.headers().firstValue("Location").orElseThrow());
        String sep = loc.getRawQuery() == null ? "?" : "&";
        HttpResponse<String> put = http.send(req(URI.create(loc + sep + "digest=" + digest))
                .header("Content-Type", "application/octet-stream")
                .PUT(body).build(), HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() != 201) {
            throw new IllegalStateException("upload " + put.statusCode() + " " + put.body());
        }
    }

    public void pushManifest(String repo, String reference, String mediaType, byte[] body) throws Exception {
        HttpResponse<String> put = http.send(req(uri("/v2/" + repo + "/manifests/" + reference))
                .header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (put.statusCode() != 201) {
            throw new IllegalStateException("manifest put " + put.statusCode() + " " + put.body());
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
    }
}
