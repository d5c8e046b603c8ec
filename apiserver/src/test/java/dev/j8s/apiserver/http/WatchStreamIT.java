package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.testing.TlsApiServer;
import dev.j8s.apiserver.testing.TlsApiServerExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Watches read the way line-based clients read them: a raw HTTP/1.1 socket, a chunk reader that hands a chunk on
 * only once its closing CRLF is in (as urllib3's {@code read_chunked} under the Python client does), lines split on
 * newlines. One write, then silence (no later write, no bookmark): the event must arrive anyway.
 */
class WatchStreamIT {

    private static final String TOKEN = "watch-token-0123456789";
    /**
     * How long the event may take; the watch itself lasts 15 s, so a line that only its end would deliver misses
     * this. The server notices a client that left an HTTP watch only at the watch's end, so the class ends ~15 s
     * after its last watch started.
     */
    private static final Duration EVENT_TIMEOUT = Duration.ofSeconds(8);

    @RegisterExtension
    static final TlsApiServerExtension SERVER = new TlsApiServerExtension(TOKEN);


    /** What a client asks for and how the one event it must receive looks. */
    record Representation(String name, String accept) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Representation> representations() {
        return Stream.of(
                new Representation("JSON", "application/json"),
                new Representation("Table", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"),
                // What client-go's protobuf clients send; j8s answers such a watch in JSON.
                new Representation("protobuf preferred", "application/vnd.kubernetes.protobuf;stream=watch,application/json"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("representations")
    void theOnlyEventOfAWatchReachesANewlineSplittingReaderWithoutALaterWrite(Representation representation)
            throws Exception {
        String name = "once-" + representation.name().toLowerCase(Locale.ROOT).replace(' ', '-');
        String rv = Json.MAPPER.readTree(call("GET", "/api/v1/namespaces/default/configmaps", null).body())
                .at("/metadata/resourceVersion").asText();

        try (RawWatch watch = RawWatch.open(SERVER.server().port(), "/api/v1/namespaces/default/configmaps?watch=True"
                + "&resourceVersion=" + rv + "&timeoutSeconds=15", representation.accept())) {
            assertThat(watch.headers()).containsEntry("transfer-encoding", "chunked");
            long written = System.nanoTime();
            HttpResponse<String> created = call("POST", "/api/v1/namespaces/default/configmaps",
                    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"k\":\"v\"}}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

            RawWatch.Line line = watch.lines().poll(EVENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(line).as("the %s event within %s (nothing was written after it)", representation, EVENT_TIMEOUT)
                    .isNotNull();
            JsonNode event = Json.MAPPER.readTree(line.text());
            assertThat(event.get("type").asText()).isEqualTo("ADDED");
            if (representation.name().equals("Table")) {
                assertThat(event.at("/object/kind").asText()).isEqualTo("Table");
                assertThat(event.at("/object/rows/0/cells/0").asText()).isEqualTo(name);
            } else {
                assertThat(event.at("/object/kind").asText()).isEqualTo("ConfigMap");
                assertThat(event.at("/object/metadata/name").asText()).isEqualTo(name);
            }
            System.out.printf(Locale.ROOT, "watch event latency, %s, write to complete line at a strict chunk reader: "
                    + "%.1f ms%n", representation, (line.nanos() - written) / 1e6);
        }
    }

    @Test
    void aWebSocketWatchSendsEachEventAsOneTextMessage() throws Exception {
        String rv = Json.MAPPER.readTree(call("GET", "/api/v1/namespaces/default/configmaps", null).body())
                .at("/metadata/resourceVersion").asText();
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        StringBuilder partial = new StringBuilder();
        // What fabric8's watches do first: a WebSocket on the watch URL, no sub-protocol.
        java.net.http.WebSocket socket = SERVER.api().client().newWebSocketBuilder().header("Authorization", "Bearer " + TOKEN)
                .buildAsync(URI.create("wss://127.0.0.1:" + SERVER.server().port() + "/api/v1/namespaces/default/configmaps"
                        + "?watch=true&resourceVersion=" + rv + "&timeoutSeconds=30"), new java.net.http.WebSocket.Listener() {
                            @Override
                            public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws,
                                    CharSequence data, boolean last) {
                                partial.append(data);
                                if (last) {
                                    messages.add(partial.toString());
                                    partial.setLength(0);
                                }
                                ws.request(1);
                                return null;
                            }
                        })
                .get(10, TimeUnit.SECONDS);
        try {
            HttpResponse<String> created = call("POST", "/api/v1/namespaces/default/configmaps",
                    "{\"metadata\":{\"name\":\"over-websocket\"}}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

            String message = messages.poll(EVENT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

            assertThat(message).as("the event within %s", EVENT_TIMEOUT).isNotNull().endsWith("}\n");
            JsonNode event = Json.MAPPER.readTree(message);
            assertThat(event.get("type").asText()).isEqualTo("ADDED");
            assertThat(event.at("/object/metadata/name").asText()).isEqualTo("over-websocket");
        } finally {
            socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void booleanQueryParametersAreReadAsUpstreamReadsThem() throws Exception {
        for (String notAWatch : new String[] {"False", "false", "0"}) {
            HttpResponse<String> list = call("GET", "/api/v1/namespaces/default/configmaps?watch=" + notAWatch, null);
            assertThat(Json.MAPPER.readTree(list.body()).get("kind").asText()).as("watch=%s", notAWatch)
                    .isEqualTo("ConfigMapList");
        }
        try (RawWatch watch = RawWatch.open(SERVER.server().port(), "/api/v1/namespaces/default/configmaps?watch=True"
                + "&timeoutSeconds=1", "application/json")) {
            assertThat(watch.headers()).containsEntry("transfer-encoding", "chunked");
        }
    }

    private static HttpResponse<String> call(String method, String path, String json) throws Exception {
        return SERVER.api().call(method, path, json == null ? null : "application/json", json);
    }

    /**
     * One watch over a raw TLS socket. A reader thread decodes the chunked body strictly (size line, data, closing
     * CRLF, and only then the data is used) and queues complete lines with the time they became complete.
     */
    static final class RawWatch implements AutoCloseable {

        record Line(String text, long nanos) {}

        private final SSLSocket socket;
        private final Map<String, String> headers;
        private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
        private final Thread reader;

        private RawWatch(SSLSocket socket, Map<String, String> headers, InputStream body) {
            this.socket = socket;
            this.headers = headers;
            this.reader = Thread.ofVirtual().name("raw-watch").start(() -> readLines(body));
        }

        static RawWatch open(int port, String path, String accept) throws IOException {
            SSLSocket socket = (SSLSocket) TlsApiServer.trustingContext().getSocketFactory().createSocket("127.0.0.1", port);
            socket.setSSLParameters(TlsApiServer.clientParameters());
            socket.setSoTimeout((int) Duration.ofMinutes(3).toMillis());
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                    + "Authorization: Bearer " + TOKEN + "\r\nAccept: " + accept + "\r\nUser-Agent: raw-watch\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            String status = readLine(in);
            assertThat(status).startsWith("HTTP/1.1 200");
            Map<String, String> headers = new LinkedHashMap<>();
            for (String header = readLine(in); !header.isEmpty(); header = readLine(in)) {
                int colon = header.indexOf(':');
                headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
            }
            return new RawWatch(socket, headers, in);
        }

        Map<String, String> headers() {
            return headers;
        }

        BlockingQueue<Line> lines() {
            return lines;
        }

        private void readLines(InputStream in) {
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            try {
                while (true) {
                    String sizeLine = readLine(in);
                    int size = Integer.parseInt(sizeLine.split(";", 2)[0].trim(), 16);
                    if (size == 0) {
                        return;
                    }
                    byte[] data = in.readNBytes(size);
                    byte[] crlf = in.readNBytes(2);
                    if (data.length != size || crlf.length != 2 || crlf[0] != '\r' || crlf[1] != '\n') {
                        return; // truncated or malformed: no more lines
                    }
                    long now = System.nanoTime();
                    for (byte b : data) {
                        if (b == '\n') {
                            lines.add(new Line(pending.toString(StandardCharsets.UTF_8), now));
                            pending.reset();
                        } else {
                            pending.write(b);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the socket was closed: the test is over
            }
        }

        private static String readLine(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("connection closed after \"" + line + "\"");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException, InterruptedException {
            socket.close();
            reader.join(Duration.ofSeconds(10));
        }
    }
}
