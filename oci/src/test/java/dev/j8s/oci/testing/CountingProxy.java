package dev.j8s.oci.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reverse proxy on 127.0.0.1 in front of a registry that counts GETs per path, can cut blob bodies larger
 * than {@code cutAbove} bytes half-way (headers promise the full length, then the connection is closed), and can
 * hold blob bodies larger than {@code holdAbove} bytes half-way until {@link #releaseHeld()} (a pull stays in
 * progress, mid-layer, for as long as a test needs). Thread-safe.
 */
public final class CountingProxy implements AutoCloseable {
    private static final Set<String> HOP = Set.of("connection", "content-length", "transfer-encoding", "host", "expect",
            "upgrade", "keep-alive", "date");
    private final HttpServer server;
    private final URI upstream;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    public final Map<String, AtomicInteger> gets = new ConcurrentHashMap<>();
    public volatile long cutAbove = Long.MAX_VALUE;
    public volatile long holdAbove = Long.MAX_VALUE;
    private final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    private final java.util.concurrent.Semaphore holding = new java.util.concurrent.Semaphore(0);

    public CountingProxy(URI upstream) throws IOException {
        this.upstream = upstream;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Waits until a blob body is held half-way ({@link #holdAbove}); false when none is within the timeout. */
    public boolean awaitHeld(java.time.Duration timeout) throws InterruptedException {
        return holding.tryAcquire(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Lets every held blob body (and every later one) go on. */
    public void releaseHeld() {
        release.countDown();
    }

    /** GETs of blobs with this digest. */
    public int blobGets(String digest) {
        return gets.entrySet().stream().filter(e -> e.getKey().endsWith("/blobs/" + digest))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        try (ex) {
            if (ex.getRequestMethod().equals("GET")) {
                gets.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(upstream.resolve(ex.getRequestURI().toString()))
                    .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofInputStream(ex::getRequestBody));
            ex.getRequestHeaders().forEach((k, vs) -> {
                if (!HOP.contains(k.toLowerCase())) {
                    vs.forEach(v -> b.header(k, v));
                }
            });
            HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            r.headers().map().forEach((k, vs) -> {
                if (!HOP.contains(k.toLowerCase())) {
                    ex.getResponseHeaders().put(k, List.copyOf(vs));
                }
            });
            long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            boolean head = ex.getRequestMethod().equals("HEAD");
            ex.sendResponseHeaders(r.statusCode(), head || length == 0 ? -1 : length < 0 ? 0 : length);
            try (InputStream in = r.body(); OutputStream out = ex.getResponseBody()) {
                if (path.contains("/blobs/") && length > holdAbove && !head && release.getCount() > 0) {
                    out.write(in.readNBytes((int) (length / 2)));
                    out.flush();
                    holding.release();
                    release.await();
                }
                if (path.contains("/blobs/") && length > cutAbove) {
                    out.write(in.readNBytes((int) (length / 2)));
                    out.flush();
                    throw new IOException("cut"); // the exchange is closed short: the client sees a broken body
                }
                in.transferTo(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // a cut or a client that went away
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
