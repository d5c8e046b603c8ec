package dev.j8s.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.apiserver.http.ServingLimits;
import dev.j8s.apiserver.testing.TlsApiServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API server's limits over real HTTPS on loopback, with short timeouts: the request deadline answers 504 as
 * upstream (also for a POST whose query mentions watch), a watch outlives it, the in-flight limit answers 429,
 * connections that do not authenticate are closed at the read-header timeout and held only up to their limits.
 */
class ServingLimitsIT {

    private static final String TOKEN = "limits-token-0123456789";
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    static final Duration HEADER_TIMEOUT = Duration.ofSeconds(2);
    static final ServingLimits LIMITS = ServingLimits.DEFAULT.withRequestTimeout(REQUEST_TIMEOUT).withInFlight(400, 1)
            .withUnauthenticated(HEADER_TIMEOUT, 6, 3);

    @TempDir
    static Path dir;

    private static ApiServer server;
    private static SSLContext tls;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        server = TlsApiServer.start(dir, TOKEN, LIMITS);
        tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) { }
            public void checkServerTrusted(X509Certificate[] chain, String authType) { }
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @AfterEach
    void closeSockets() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }

    @Test
    void aRequestThatOutlivesTheTimeoutIsAnswered504WithUpstreamsStatus() throws Exception {
        SSLSocket s = connect("127.0.0.1");
        long start = System.nanoTime();
        send(s, post("/api/v1/namespaces/default/configmaps", 100) + "{\"kind\":");

        Response r = read(s, Duration.ofSeconds(10));

        assertThat(r.status()).isEqualTo(504);
        assertThat(r.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(r.body()).isEqualTo("{\"metadata\":{},\"status\":\"Failure\",\"message\":\"Timeout: request did not "
                + "complete within the allotted timeout\",\"reason\":\"Timeout\",\"details\":{},\"code\":504}\n");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(REQUEST_TIMEOUT, REQUEST_TIMEOUT.plusSeconds(3));
    }

    @Test
    void watchInAnotherQueryParameterOfAPostDoesNotEscapeTheDeadline() throws Exception {
        SSLSocket s = connect("127.0.0.1");
        send(s, post("/api/v1/namespaces/default/configmaps?x=watch=1&watch=true", 100) + "{\"kind\":");

        Response r = read(s, Duration.ofSeconds(10));

        assertThat(r.status()).isEqualTo(504);
        assertThat(r.body()).contains("\"reason\":\"Timeout\"");
    }

    @Test
    void aWatchOutlivesTheRequestTimeout() throws Exception {
        SSLSocket s = connect("127.0.0.1");
        long start = System.nanoTime();
        send(s, "GET /api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=4 HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer " + TOKEN + "\r\nConnection: close\r\n\r\n");

        Response r = read(s, Duration.ofSeconds(15));

        assertThat(r.status()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofSeconds(4));
    }

    @Test
    void overTheMutatingInFlightLimitARequestGets429AsUpstreamWritesIt() throws Exception {
        SSLSocket holder = connect("127.0.0.1");
        send(holder, post("/api/v1/namespaces/default/configmaps", 100) + "{"); // holds the one mutating slot
        Thread.sleep(200);

        SSLSocket other = connect("127.0.0.1");
        send(other, post("/api/v1/namespaces/default/configmaps", 2) + "{}");
        Response r = read(other, Duration.ofSeconds(10));

        assertThat(r.status()).isEqualTo(429);
        assertThat(r.header("Retry-After")).isEqualTo("1");
        assertThat(r.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(r.body()).isEqualTo("Too many requests, please try again later.\n");
        assertThat(read(holder, Duration.ofSeconds(10)).status()).isEqualTo(504);
    }

    @Test
    void aConnectionWithoutAnAuthenticatedRequestIsClosedAtTheReadHeaderTimeoutAndAnAuthenticatedOneIsNot()
            throws Exception {
        SSLSocket trickler = connect("127.0.0.1");
        SSLSocket client = connect("127.0.0.1");
        send(client, get("/version"));
        assertThat(read(client, Duration.ofSeconds(5)).status()).isEqualTo(200);
        long start = System.nanoTime();
        send(trickler, "GET /version HTTP/1.1\r\n");

        assertThat(closedWithin(trickler, Duration.ofSeconds(10), "Host: x\r\n".getBytes(StandardCharsets.US_ASCII)))
                .as("closed by the server").isTrue();

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HEADER_TIMEOUT.plusSeconds(2));
        send(client, get("/version"));
        assertThat(read(client, Duration.ofSeconds(5)).status()).as("the authenticated connection is kept").isEqualTo(200);
    }

    @Test
    void overTheLimitsOfConnectionsThatDidNotAuthenticateTheOldestIsClosedAndAuthenticatedClientsGoOn() throws Exception {
        // "oldest" is the order in which the server saw them: each is opened once the one before is counted,
        // and only once the connections of earlier tests are gone
        awaitUnauthenticated(0);
        List<Socket> a = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            a.add(plain("127.0.0.2"));
            awaitUnauthenticated(Math.min(i + 1, 3));
        }
        assertThat(closedWithin(a.get(0), Duration.ofSeconds(5), new byte[] {0x16})).as("oldest of 127.0.0.2").isTrue();
        List<Socket> b = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            b.add(plain("127.0.0." + (3 + i)));
            awaitUnauthenticated(4 + i);
        }
        // 3 of 127.0.0.2 and 3 others make 6; the next one closes the oldest of all
        Socket last = plain("127.0.0.9");
        assertThat(closedWithin(a.get(1), Duration.ofSeconds(5), new byte[] {0x16})).as("oldest overall").isTrue();
        assertThat(isOpen(last)).isTrue();

        SSLSocket client = connect("127.0.0.1");
        send(client, get("/version"));
        assertThat(read(client, Duration.ofSeconds(5)).status()).isEqualTo(200);
        assertThat(isOpen(b.get(0))).as("a client's authentication makes room for nobody's older connection").isTrue();
    }

    // ------------------------------------------------------------------ a raw HTTP/1.1 client

    private static String post(String path, int contentLength) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n";
    }

    private SSLSocket connect(String from) throws IOException {
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain(from), "127.0.0.1", server.port(), true);
        s.startHandshake();
        sockets.add(s);
        return s;
    }

    /** A TCP connection from {@code from} (any 127.0.0.0/8 address is this machine's). */
    private Socket plain(String from) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        sockets.add(s);
        return s;
    }

    /** Waits until the server holds exactly {@code n} connections that have not authenticated. */
    private static void awaitUnauthenticated(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.unauthenticatedConnections() != n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the server holds " + server.unauthenticatedConnections()
                        + " connections that have not authenticated, not " + n);
            }
            Thread.sleep(10);
        }
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Whether the server closed {@code s} within {@code timeout}; {@code trickle} is sent every 100 ms meanwhile. */
    private static boolean closedWithin(Socket s, Duration timeout, byte[] trickle) throws IOException {
        s.setSoTimeout(100);
        long deadline = System.nanoTime() + timeout.toNanos();
        InputStream in = s.getInputStream();
        while (System.nanoTime() < deadline) {
            try {
                if (in.read() < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                try {
                    s.getOutputStream().write(trickle[0]);
                    s.getOutputStream().flush();
                } catch (IOException closed) {
                    return true;
                }
            } catch (IOException e) {
                return true; // reset
            }
        }
        return false;
    }

    private static boolean isOpen(Socket s) throws IOException {
        s.setSoTimeout(100);
        try {
            return s.getInputStream().read() >= 0;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    record Response(int status, String headers, String body) {
        String header(String name) {
            Matcher m = Pattern.compile("(?im)^" + Pattern.quote(name) + ": *([^\r\n]*)").matcher(headers);
            return m.find() ? m.group(1) : "";
        }
    }

    /** One response (Content-Length or chunked body, or up to the close), read within {@code timeout}. */
    private static Response read(Socket s, Duration timeout) throws IOException {
        s.setSoTimeout((int) timeout.toMillis());
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the headers ended: " + head);
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.US_ASCII);
        Response r = new Response(Integer.parseInt(headers.substring(9, 12)), headers, "");
        String length = r.header("Content-Length");
        byte[] body;
        if (!length.isEmpty()) {
            body = in.readNBytes(Integer.parseInt(length));
        } else if (r.header("Transfer-Encoding").equalsIgnoreCase("chunked")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                String size = line(in);
                int n = Integer.parseInt(size.strip(), 16);
                if (n == 0) {
                    line(in);
                    break;
                }
                out.write(in.readNBytes(n));
                line(in);
            }
            body = out.toByteArray();
        } else {
            body = in.readAllBytes();
        }
        return new Response(r.status(), headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            out.write(b);
        }
        return out.toString(StandardCharsets.US_ASCII);
    }
}
