package dev.j8s.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The blob client's HTTP/1.1 framing against a loopback server that answers with canned bytes. */
class Http1GetTest {
    final ServerSocket server;
    final CompletableFuture<String> request = new CompletableFuture<>();
    final CountDownLatch done = new CountDownLatch(1);

    Http1GetTest() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void stop() throws IOException {
        done.countDown();
        server.close();
    }

    /** Answers one connection with {@code response}, then keeps it open until the test ends unless {@code close}. */
    URI serve(byte[] response, boolean close) {
        Thread.ofVirtual().start(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    int c = in.read();
                    if (c < 0) {
                        break;
                    }
                    head.write(c);
                }
                request.complete(head.toString(StandardCharsets.ISO_8859_1));
                OutputStream out = s.getOutputStream();
                out.write(response);
                out.flush();
                if (!close) {
                    done.await(10, TimeUnit.SECONDS);
                }
            } catch (IOException | InterruptedException e) {
                request.completeExceptionally(e);
            }
        });
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v2/team/app/blobs/sha256:ab?x=1");
    }

    URI serve(String response, boolean close) {
        return serve(response.getBytes(StandardCharsets.ISO_8859_1), close);
    }

    static Http1Get client() throws Exception {
        return new Http1Get(SSLContext.getDefault(), Duration.ofSeconds(2));
    }

    static byte[] body(Reply r) throws IOException {
        try (InputStream in = r.body()) {
            return in.readAllBytes();
        }
    }

    @Test
    void aContentLengthBodyIsReadToItsLengthWhileTheConnectionStaysOpen() throws Exception {
        URI uri = serve("HTTP/1.1 200 OK\r\ncontent-length: 5\r\nDocker-Content-Digest: sha256:ab\r\n\r\nhello", false);
        Reply r = client().get(uri, Map.of("Range", "bytes=3-"), Duration.ofSeconds(5));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headerAsLong("Content-Length")).hasValue(5);
        assertThat(r.header("docker-content-digest")).hasValue("sha256:ab");
        assertThat(body(r)).asString(StandardCharsets.US_ASCII).isEqualTo("hello");
        assertThat(request.get(5, TimeUnit.SECONDS))
                .startsWith("GET /v2/team/app/blobs/sha256:ab?x=1 HTTP/1.1\r\n")
                .contains("\r\nHost: 127.0.0.1:" + server.getLocalPort() + "\r\n", "\r\nRange: bytes=3-\r\n");
    }

    @Test
    void aChunkedBodyIsJoinedAndItsTrailersSkipped() throws Exception {
        URI uri = serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n", false);
        assertThat(body(client().get(uri, Map.of(), Duration.ofSeconds(5)))).asString(StandardCharsets.US_ASCII)
                .isEqualTo("hello world");
    }

    @Test
    void aBodyWithoutLengthEndsWithTheConnection() throws Exception {
        URI uri = serve("HTTP/1.0 200 OK\r\n\r\nto the end", true);
        assertThat(body(client().get(uri, Map.of(), Duration.ofSeconds(5)))).asString(StandardCharsets.US_ASCII)
                .isEqualTo("to the end");
    }

    @Test
    void anInterimResponseIsSkipped() throws Exception {
        URI uri = serve("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 307 Temporary Redirect\r\nLocation: /x\r\n"
                + "Content-Length: 0\r\n\r\n", false);
        Reply r = client().get(uri, Map.of(), Duration.ofSeconds(5));
        assertThat(r.status()).isEqualTo(307);
        assertThat(r.header("location")).hasValue("/x");
        assertThat(body(r)).isEmpty();
    }

    @Test
    void aBodyCutShortOfItsLengthFailsItsReadInsteadOfEnding() throws Exception {
        URI uri = serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", true);
        Reply r = client().get(uri, Map.of(), Duration.ofSeconds(5));
        assertThatThrownBy(() -> body(r)).hasMessage("connection closed after 4 of 10 body bytes");
    }

    @Test
    void aChunkedBodyCutShortFails() throws Exception {
        URI uri = serve("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nhalf", true);
        Reply r = client().get(uri, Map.of(), Duration.ofSeconds(5));
        assertThatThrownBy(() -> body(r)).hasMessage("connection closed in a chunk");
    }

    @Test
    void garbageForAStatusLineIsRefused() throws Exception {
        URI garbage = serve("SSH-2.0-OpenSSH_9.2\r\n\r\n", false);
        assertThatThrownBy(() -> client().get(garbage, Map.of(), Duration.ofSeconds(5)))
                .isInstanceOf(ProtocolException.class).hasMessage("invalid status line: SSH-2.0-OpenSSH_9.2");
    }

    @Test
    void anOversizedHeadIsRefused() throws Exception {
        URI big = serve("HTTP/1.1 200 OK\r\n" + ("X-Pad: " + "p".repeat(1000) + "\r\n").repeat(70) + "\r\n", false);
        assertThatThrownBy(() -> client().get(big, Map.of(), Duration.ofSeconds(5)))
                .isInstanceOf(ProtocolException.class).hasMessage("response head larger than 65536 bytes");
    }

    @Test
    void aHeadThatNeverComesTimesOut() throws Exception {
        URI uri = serve("", false);
        long start = System.nanoTime();
        assertThatThrownBy(() -> client().get(uri, Map.of(), Duration.ofMillis(300)))
                .isInstanceOf(java.net.SocketTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void closingTheBodyFromAnotherThreadEndsABlockedRead() throws Exception {
        URI uri = serve("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nsome", false);
        Reply r = client().get(uri, Map.of(), Duration.ofSeconds(5));
        InputStream in = r.body();
        assertThat(in.readNBytes(4)).asString(StandardCharsets.US_ASCII).isEqualTo("some");
        CompletableFuture<Throwable> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                in.read(new byte[10]);
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        Thread.sleep(100); // let the reader block in the socket read (it fails either way)
        in.close();
        assertThat(blocked.get(5, TimeUnit.SECONDS)).isInstanceOf(IOException.class);
    }

    /**
     * Serves connections one after another: connection i answers its requests with {@code answers.get(i)} in turn,
     * then closes. Counts connections and requests.
     */
    URI serveConnections(List<List<String>> answers, AtomicInteger connections, List<String> requests) {
        Thread.ofVirtual().start(() -> {
            for (List<String> answersOfOne : answers) {
                try (Socket s = server.accept()) {
                    connections.incrementAndGet();
                    InputStream in = s.getInputStream();
                    for (String answer : answersOfOne) {
                        ByteArrayOutputStream head = new ByteArrayOutputStream();
                        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                            int c = in.read();
                            if (c < 0) {
                                return;
                            }
                            head.write(c);
                        }
                        requests.add(head.toString(StandardCharsets.ISO_8859_1).lines().findFirst().orElseThrow());
                        s.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                        s.getOutputStream().flush();
                    }
                } catch (IOException e) {
                    return;
                }
            }
        });
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/a");
    }

    static final String FIVE = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    static final String CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";

    @Test
    void aConnectionWhoseBodyWasReadToItsEndServesTheNextRequest() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        List<String> requests = new CopyOnWriteArrayList<>();
        URI uri = serveConnections(List.of(List.of(FIVE, CHUNKED, "HTTP/1.1 307 Moved\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n",
                FIVE)), connections, requests);
        Http1Get client = client();
        assertThat(body(client.get(uri, Map.of(), Duration.ofSeconds(5)))).asString(StandardCharsets.US_ASCII).isEqualTo("hello");
        assertThat(client.idleConnections("http://127.0.0.1:" + server.getLocalPort())).isOne();
        assertThat(body(client.get(uri, Map.of(), Duration.ofSeconds(5)))).asString(StandardCharsets.US_ASCII).isEqualTo("hello");
        Reply redirect = client.get(uri, Map.of(), Duration.ofSeconds(5));
        assertThat(redirect.status()).isEqualTo(307);
        redirect.body().close();
        assertThat(body(client.get(uri, Map.of(), Duration.ofSeconds(5)))).asString(StandardCharsets.US_ASCII).isEqualTo("hello");
        assertThat(requests).hasSize(4);
        assertThat(connections).hasValue(1);
    }

    @Test
    void aConnectionTheServerClosedWhileIdleIsReplacedBeforeAnyAnswer() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        List<String> requests = new CopyOnWriteArrayList<>();
        URI uri = serveConnections(List.of(List.of(FIVE), List.of(FIVE)), connections, requests);
        Http1Get client = client();
        assertThat(body(client.get(uri, Map.of(), Duration.ofSeconds(5)))).asString(StandardCharsets.US_ASCII).isEqualTo("hello");
        assertThat(body(client.get(uri, Map.of(), Duration.ofSeconds(5)))).asString(StandardCharsets.US_ASCII).isEqualTo("hello");
        assertThat(connections).hasValue(2);
        assertThat(requests).hasSize(2);
    }

    @Test
    void aBodyLeftUnreadOrAConnectionCloseAnswerIsNotKept() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        List<String> requests = new CopyOnWriteArrayList<>();
        URI uri = serveConnections(List.of(List.of(FIVE), List.of("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"),
                List.of(FIVE)), connections, requests);
        Http1Get client = client();
        String origin = "http://127.0.0.1:" + server.getLocalPort();
        Reply partly = client.get(uri, Map.of(), Duration.ofSeconds(5));
        assertThat(partly.body().readNBytes(2)).hasSize(2);
        partly.body().close();
        assertThat(client.idleConnections(origin)).isZero();
        assertThat(body(client.get(uri, Map.of(), Duration.ofSeconds(5)))).asString(StandardCharsets.US_ASCII).isEqualTo("hello");
        assertThat(client.idleConnections(origin)).isZero();
        assertThat(body(client.get(uri, Map.of(), Duration.ofSeconds(5)))).asString(StandardCharsets.US_ASCII).isEqualTo("hello");
        assertThat(connections).hasValue(3);
    }

    @Test
    void headerValuesWithLineBreaksAreNotSent() {
        URI uri = URI.create("http://127.0.0.1:1/x");
        assertThatThrownBy(() -> Http1Get.request(uri, "127.0.0.1", 1, false, Map.of("Authorization", "a\r\nX-Evil: 1")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
