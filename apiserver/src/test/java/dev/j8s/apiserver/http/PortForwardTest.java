package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.apiserver.rest.KubeletClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pods/portforward} through a real Jetty to a "pod" that is a local HTTP server: the real kubectl 1.32 (the
 * WebSocket tunnel) and 1.27 (SPDY) forward sequential and concurrent requests, a closed port gives upstream's error,
 * and a raw SPDY client sees streams with bad headers reset and a silent client held back instead of buffered.
 */
class PortForwardTest {

    @TempDir
    Path home;

    private ServerSocket backend;
    private MiniApi api;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final AtomicLong backendWrote = new AtomicLong();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    /** Dials the backend for any port but 9999, where nothing listens. */
    private final KubeletClient kubelet = new MiniApi.Kubelet() {
        @Override
        public PortForwarder portForward(String namespace, String pod, String uid) {
            return port -> {
                if (port == 7070) {
                    return goneUnderAWrite();
                }
                if (port == 9999) {
                    throw new IOException("error forwarding port 9999 to pod sandbox, uid : failed to connect to "
                            + "localhost:9999 inside namespace \"sandbox\", IPv4: dial tcp4 127.0.0.1:9999: connect: "
                            + "connection refused IPv6 dial tcp6 [::1]:9999: connect: connection refused ");
                }
                Socket s = new Socket(InetAddress.getLoopbackAddress(), backend.getLocalPort());
                return new PortConnection() {
                    public InputStream input() {
                        try {
                            return s.getInputStream();
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }

                    public OutputStream output() {
                        try {
                            return s.getOutputStream();
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }

                    public void shutdownOutput() throws IOException {
                        s.shutdownOutput();
                    }

                    public void close() {
                        try {
                            s.close();
                        } catch (IOException e) {
                            // closed
                        }
                    }
                };
            };
        }
    };

    /** What reached port 7070's connection. */
    private final List<String> wroteTo7070 = new CopyOnWriteArrayList<>();

    /**
     * Port 7070's connection: the pod's side closes right after the first write, so every later {@code output()}
     * throws as a closed socket's {@code getOutputStream} does, and its input ends only when it is closed.
     */
    private KubeletClient.PortConnection goneUnderAWrite() {
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger outputs = new java.util.concurrent.atomic.AtomicInteger();
        return new KubeletClient.PortConnection() {
            public InputStream input() {
                return new InputStream() {
                    @Override
                    public int read() throws IOException {
                        try {
                            closed.await();
                        } catch (InterruptedException e) {
                            throw new java.io.InterruptedIOException();
                        }
                        return -1;
                    }
                };
            }

            public OutputStream output() {
                if (outputs.incrementAndGet() > 1) {
                    throw new IllegalStateException("Socket is closed");
                }
                return new OutputStream() {
                    @Override
                    public void write(int b) {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        wroteTo7070.add(new String(b, off, len, StandardCharsets.US_ASCII));
                    }
                };
            }

            public void shutdownOutput() {
            }

            public void close() {
                closed.countDown();
            }
        };
    }

    @BeforeEach
    void start() throws Exception {
        backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.submit(this::serveBackend);
        api = MiniApi.start(kubelet);
    }

    @AfterEach
    void stop() throws Exception {
        api.close();
        backend.close();
        for (Socket s : accepted) {
            s.close();
        }
        threads.shutdownNow();
    }

    /**
     * A tiny HTTP/1.0 server: {@code GET /n} answers {@code hello n}; {@code GET /flood} sends zeros until the
     * connection breaks; {@code PUT} reads nothing at all.
     */
    private Void serveBackend() throws IOException {
        while (!backend.isClosed()) {
            Socket s = backend.accept();
            accepted.add(s);
            threads.submit(() -> {
                try (s) {
                    String line = readLine(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    if (line.startsWith("GET /flood")) {
                        byte[] zeros = new byte[64 * 1024];
                        while (true) {
                            out.write(zeros);
                            backendWrote.addAndGet(zeros.length);
                        }
                    }
                    if (line.startsWith("PUT")) {
                        Thread.sleep(Duration.ofMinutes(5));
                    }
                    while (!readLine(s.getInputStream()).isEmpty()) {
                        // headers
                    }
                    String body = "hello " + line.split(" ")[1].substring(1);
                    out.write(("HTTP/1.0 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                            .getBytes(StandardCharsets.US_ASCII));
                }
                return null;
            });
        }
        return null;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    @Test
    void kubectl132ForwardsSequentialAndConcurrentRequestsThroughTheWebSocketTunnel() throws Exception {
        forwardsSequentialAndConcurrentRequests(MiniApi.KUBECTL_132);
    }

    @Test
    void kubectl127ForwardsSequentialAndConcurrentRequestsOverSpdy() throws Exception {
        forwardsSequentialAndConcurrentRequests(MiniApi.KUBECTL_127);
    }

    private void forwardsSequentialAndConcurrentRequests(Path kubectl) throws Exception {
        try (Forward forward = Forward.start(api, home, kubectl, ":8080")) {
            for (int i = 0; i < 30; i++) {
                assertThat(get(forward.localPort(), "/" + i)).isEqualTo("hello " + i);
            }
            List<Callable<String>> requests = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                int n = 100 + i;
                requests.add(() -> get(forward.localPort(), "/" + n));
            }
            List<String> answers = new ArrayList<>();
            for (Future<String> f : threads.invokeAll(requests, 30, TimeUnit.SECONDS)) {
                answers.add(f.get());
            }
            assertThat(answers).containsExactly("hello 100", "hello 101", "hello 102", "hello 103", "hello 104",
                    "hello 105", "hello 106", "hello 107", "hello 108", "hello 109");
            assertThat(forward.output()).contains("Forwarding from 127.0.0.1:" + forward.localPort() + " -> 8080")
                    .contains("Handling connection for " + forward.localPort());
        }
    }

    @Test
    void aClosedPortGivesUpstreamsErrorAndKubectl132EndsTheSession() throws Exception {
        closedPort(MiniApi.KUBECTL_132);
    }

    @Test
    void aClosedPortGivesUpstreamsErrorAndKubectl127EndsTheSession() throws Exception {
        closedPort(MiniApi.KUBECTL_127);
    }

    private void closedPort(Path kubectl) throws Exception {
        try (Forward forward = Forward.start(api, home, kubectl, ":9999")) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), forward.localPort())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
            assertThat(forward.process.waitFor(20, TimeUnit.SECONDS)).as("kubectl ends").isTrue();
            assertThat(forward.process.exitValue()).isEqualTo(1);
            assertThat(forward.output())
                    .contains("an error occurred forwarding " + forward.localPort() + " -> 9999: error forwarding port "
                            + "9999 to pod sandbox, uid : failed to connect to localhost:9999")
                    .contains("connection refused")
                    .contains("error: lost connection to pod");
        }
    }

    @Test
    void streamsWithoutValidHeadersAreResetAndTheSessionGoesOn() throws Exception {
        try (RawSpdy spdy = RawSpdy.connect(api.port())) {
            spdy.open(1, Map.of("streamtype", List.of("data")));
            spdy.open(3, Map.of("port", List.of("x"), "streamtype", List.of("data")));
            spdy.open(5, Map.of("port", List.of("0"), "streamtype", List.of("data")));
            spdy.open(7, Map.of("port", List.of("80"), "streamtype", List.of("video")));
            spdy.open(9, Map.of("port", List.of("80"), "streamtype", List.of("error"), "requestid", List.of("0")));
            spdy.send(new SpdyFrames.Ping(7));

            assertThat(spdy.next()).isEqualTo(new SpdyFrames.RstStream(1, SpdyFrames.RST_CANCEL));
            assertThat(spdy.next()).isEqualTo(new SpdyFrames.RstStream(3, SpdyFrames.RST_CANCEL));
            assertThat(spdy.next()).isEqualTo(new SpdyFrames.RstStream(5, SpdyFrames.RST_CANCEL));
            assertThat(spdy.next()).isEqualTo(new SpdyFrames.RstStream(7, SpdyFrames.RST_CANCEL));
            assertThat(spdy.next()).isEqualTo(new SpdyFrames.SynReply(9, 0, Map.of()));
            assertThat(spdy.next()).isEqualTo(new SpdyFrames.Ping(7));
        }
        assertThat(PortForwardStreams.invalidHeaders(Map.of("port", List.of("70000"), "streamtype", List.of("data"))))
                .isEqualTo("unable to parse \"70000\" as a port: strconv.ParseUint: parsing \"70000\": value out of range");
        assertThat(PortForwardStreams.invalidHeaders(Map.of("port", List.of("80"))))
                .isEqualTo("\"streamType\" header is required");
    }

    @Test
    void aClientThatDoesNotReadHoldsThePodBackInsteadOfFillingTheServer() throws Exception {
        try (RawSpdy spdy = RawSpdy.connect(api.port())) {
            spdy.open(1, Map.of("port", List.of("80"), "streamtype", List.of("error"), "requestid", List.of("0")));
            spdy.open(3, Map.of("port", List.of("80"), "streamtype", List.of("data"), "requestid", List.of("0")));
            spdy.send(new SpdyFrames.Data(3, 0, "GET /flood HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            // the client reads nothing: the backend is held back by what the sockets hold, not by our memory
            long last = -1;
            while (backendWrote.get() != last) {
                last = backendWrote.get();
                Thread.sleep(500);
            }
            assertThat(backendWrote.get()).as("bytes the pod got rid of").isLessThan(24L << 20);
            long before = backendWrote.get();
            long read = spdy.drain(8L << 20);
            Thread.sleep(200);
            assertThat(backendWrote.get()).as("the pod goes on once the client reads").isGreaterThan(before);
            assertThat(read).isGreaterThanOrEqualTo(8L << 20);
        }
    }

    @Test
    void aPodThatDoesNotReadHoldsTheClientBackInsteadOfFillingTheServer() throws Exception {
        try (RawSpdy spdy = RawSpdy.connect(api.port())) {
            spdy.open(1, Map.of("port", List.of("80"), "streamtype", List.of("error"), "requestid", List.of("0")));
            spdy.open(3, Map.of("port", List.of("80"), "streamtype", List.of("data"), "requestid", List.of("0")));
            spdy.send(new SpdyFrames.Data(3, 0, "PUT / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            AtomicLong pushed = new AtomicLong();
            Future<?> pusher = threads.submit(() -> {
                byte[] chunk = new byte[32 * 1024];
                while (true) {
                    spdy.send(new SpdyFrames.Data(3, 0, chunk));
                    pushed.addAndGet(chunk.length);
                }
            });
            long last = -1;
            while (pushed.get() != last) {
                last = pushed.get();
                Thread.sleep(500);
            }
            assertThat(pushed.get()).as("bytes the client got rid of").isLessThan(24L << 20);
            assertThat(pusher.isDone()).as("the client is held back, not cut off").isFalse();
            pusher.cancel(true);
        }
    }

    @Test
    void theChannelProtocolForwardsEachPortOnItsOwnChannelsAfterThePortPrefix() throws Exception {
        try (Channels ws = Channels.open(api.port(), "ports=8080,8081&ports=9999", "v4.channel.k8s.io")) {
            // the first message on each channel is its port, two bytes little-endian: 8080 is 0x1f90
            Map<Integer, byte[]> prefixes = new java.util.HashMap<>();
            for (int i = 0; i < 6; i++) {
                byte[] m = ws.next();
                prefixes.putIfAbsent(m[0] & 0xff, java.util.Arrays.copyOfRange(m, 1, m.length));
            }
            assertThat(prefixes.get(0)).containsExactly(0x90, 0x1f);
            assertThat(prefixes.get(1)).containsExactly(0x90, 0x1f);
            assertThat(prefixes.get(2)).containsExactly(0x91, 0x1f);
            assertThat(prefixes.get(3)).containsExactly(0x91, 0x1f);
            assertThat(prefixes.get(4)).containsExactly(0x0f, 0x27);
            assertThat(prefixes.get(5)).containsExactly(0x0f, 0x27);
            ws.send(0, "GET /7 HTTP/1.0\r\n\r\n");
            ws.send(2, "GET /8 HTTP/1.0\r\n\r\n");
            Map<Integer, StringBuilder> received = ws.untilClosed();
            assertThat(received.get(0).toString()).endsWith("\r\n\r\nhello 7");
            assertThat(received.get(2).toString()).endsWith("\r\n\r\nhello 8");
            assertThat(received.get(5).toString()).startsWith("error forwarding port 9999 to pod sandbox, uid : ")
                    .contains("connection refused");
            assertThat(received).doesNotContainKeys(1, 3);
        }
    }

    @Test
    void aFrameForAConnectionThePodClosedIsDroppedAndTheSessionReadsOn() throws Exception {
        try (Channels ws = Channels.open(api.port(), "ports=7070,8080", "v4.channel.k8s.io")) {
            for (int i = 0; i < 4; i++) {
                ws.next(); // the ports' prefixes
            }
            ws.send(0, "first");
            ws.send(0, "second"); // its connection is gone: this frame is dropped
            ws.send(2, "GET /9 HTTP/1.0\r\n\r\n");
            StringBuilder answer = new StringBuilder();
            while (!answer.toString().endsWith("hello 9")) {
                byte[] m = ws.next(); // fails after 10 s without a message: the session stalled
                if (m[0] == 2) {
                    answer.append(new String(m, 1, m.length - 1, StandardCharsets.ISO_8859_1));
                }
            }
            assertThat(wroteTo7070).containsExactly("first");
        }
    }

    @Test
    void theBase64ChannelProtocolCarriesTheSameStreamsAsText() throws Exception {
        try (Channels ws = Channels.open(api.port(), "ports=8080", "v4.base64.channel.k8s.io")) {
            assertThat(ws.next()).containsExactly(0, 0x90, 0x1f);
            assertThat(ws.next()).containsExactly(1, 0x90, 0x1f);
            ws.send(0, "GET /5 HTTP/1.0\r\n\r\n");
            assertThat(ws.untilClosed().get(0).toString()).endsWith("\r\n\r\nhello 5");
            assertThat(ws.text).as("every message was a text frame").isTrue();
        }
    }

    @Test
    void theChannelProtocolWithoutPortsIsRefusedBeforeTheUpgrade() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), api.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /api/v1/namespaces/default/pods/shell/portforward HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(response).startsWith("HTTP/1.1 400 ").contains("\"reason\":\"BadRequest\"")
                    .contains("query parameter \\\"port\\\" is required");
        }
    }

    @Test
    void channelProtocolPortsAreParsedAsUpstreamsKubeletParsesThem() {
        assertThat(PortForwardChannels.ports(List.of("80,8080", "9090"))).containsExactly(80, 8080, 9090);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> PortForwardChannels.ports(List.of("80,x"))))
                .hasMessage("unable to parse \"80,x\" as a port: strconv.ParseUint: parsing \"x\": invalid syntax");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> PortForwardChannels.ports(List.of("0"))))
                .hasMessage("port \"0\" must be > 0");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> PortForwardChannels.ports(List.of(""))))
                .hasMessage("query parameter \"port\" cannot be empty");
    }

    /**
     * A client of the WebSocket channel protocol (binary, or base64 text when asked): messages as
     * {@code channel byte + payload}.
     */
    static final class Channels implements java.net.http.WebSocket.Listener, AutoCloseable {
        private final java.util.concurrent.BlockingQueue<byte[]> messages =
                new java.util.concurrent.LinkedBlockingQueue<>();
        private final java.util.concurrent.CompletableFuture<Void> closed = new java.util.concurrent.CompletableFuture<>();
        private final java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();
        private final StringBuilder partialText = new StringBuilder();
        private final boolean base64;
        private java.net.http.WebSocket socket;
        volatile boolean text = true;

        private Channels(boolean base64) {
            this.base64 = base64;
        }

        static Channels open(int port, String query, String protocol) throws Exception {
            Channels c = new Channels(protocol.contains("base64"));
            c.socket = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder().subprotocols(protocol)
                    .buildAsync(java.net.URI.create("ws://127.0.0.1:" + port
                            + "/api/v1/namespaces/default/pods/shell/portforward?" + query), c)
                    .get(10, TimeUnit.SECONDS);
            assertThat(c.socket.getSubprotocol()).isEqualTo(protocol);
            return c;
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onBinary(java.net.http.WebSocket ws, ByteBuffer data,
                                                                boolean last) {
            text = false;
            byte[] b = new byte[data.remaining()];
            data.get(b);
            partial.writeBytes(b);
            if (last) {
                messages.add(partial.toByteArray());
                partial.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data,
                                                              boolean last) {
            partialText.append(data);
            if (last) {
                byte[] payload = java.util.Base64.getDecoder().decode(partialText.substring(1));
                byte[] m = new byte[payload.length + 1];
                m[0] = (byte) (partialText.charAt(0) - '0');
                System.arraycopy(payload, 0, m, 1, payload.length);
                messages.add(m);
                partialText.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket ws, int status, String reason) {
            closed.complete(null);
            return null;
        }

        @Override
        public void onError(java.net.http.WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        byte[] next() throws InterruptedException {
            byte[] m = messages.poll(10, TimeUnit.SECONDS);
            assertThat(m).as("a message within 10 s").isNotNull();
            return m;
        }

        void send(int channel, String data) throws Exception {
            byte[] payload = data.getBytes(StandardCharsets.US_ASCII);
            if (base64) {
                socket.sendText((char) ('0' + channel) + java.util.Base64.getEncoder().encodeToString(payload), true)
                        .get(10, TimeUnit.SECONDS);
            } else {
                ByteBuffer m = ByteBuffer.allocate(payload.length + 1).put((byte) channel).put(payload).flip();
                socket.sendBinary(m, true).get(10, TimeUnit.SECONDS);
            }
        }

        /** What each channel carried after its prefix, once the kubelet closed the socket. */
        Map<Integer, StringBuilder> untilClosed() throws Exception {
            closed.get(20, TimeUnit.SECONDS);
            Map<Integer, StringBuilder> received = new java.util.TreeMap<>();
            for (byte[] m : messages) {
                received.computeIfAbsent(m[0] & 0xff, k -> new StringBuilder())
                        .append(new String(m, 1, m.length - 1, StandardCharsets.ISO_8859_1));
            }
            return received;
        }

        @Override
        public void close() {
            socket.abort();
        }
    }

    /** An HTTP/1.0 GET of {@code path} on the forwarded local port; the body. */
    private static String get(int port, String path) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return response.substring(response.indexOf("\r\n\r\n") + 4);
        }
    }

    /** One {@code kubectl port-forward pod/shell :REMOTE} on a random local port. */
    record Forward(Process process, Path outputFile, int localPort) implements AutoCloseable {

        static Forward start(MiniApi api, Path home, Path kubectl, String ports) throws Exception {
            Path output = Files.createTempFile(home, "forward", ".out");
            ProcessBuilder builder = new ProcessBuilder(api.kubectl(kubectl, "port-forward", "pod/shell", ports))
                    .redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().keySet().removeIf(k -> k.startsWith("KUBE"));
            builder.environment().put("HOME", home.toString());
            Process process = builder.start();
            Pattern forwarding = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) ->");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                Matcher m = forwarding.matcher(Files.readString(output));
                if (m.find()) {
                    return new Forward(process, output, Integer.parseInt(m.group(1)));
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(50);
            }
            process.destroyForcibly();
            throw new AssertionError("kubectl port-forward did not start: " + Files.readString(output));
        }

        String output() throws IOException {
            return Files.readString(outputFile);
        }

        @Override
        public void close() throws Exception {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A raw SPDY/3.1 port-forward client speaking our own framing over a plain socket. */
    static final class RawSpdy implements AutoCloseable {
        private final Socket socket;
        private final SpdyFrames.Writer writer = new SpdyFrames.Writer();
        private final SpdyFrames.Parser parser = new SpdyFrames.Parser();
        private ByteBuffer buffer = ByteBuffer.allocate(1 << 20).flip();

        private RawSpdy(Socket socket) {
            this.socket = socket;
        }

        static RawSpdy connect(int port) throws IOException {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(10_000);
            socket.setReceiveBufferSize(64 * 1024);
            String request = "POST /api/v1/namespaces/default/pods/shell/portforward HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n"
                    + "Content-Length: 0\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            String head = "";
            InputStream in = socket.getInputStream();
            while (!head.endsWith("\r\n\r\n")) {
                int b = in.read();
                assertThat(b).isNotNegative();
                head += (char) b;
            }
            assertThat(head).startsWith("HTTP/1.1 101 ").contains("X-Stream-Protocol-Version: portforward.k8s.io");
            return new RawSpdy(socket);
        }

        void open(int id, Map<String, List<String>> headers) throws IOException {
            send(new SpdyFrames.SynStream(id, 0, 0, 0, headers));
        }

        synchronized void send(SpdyFrames.Frame frame) throws IOException {
            ByteBuffer b = writer.write(frame);
            socket.getOutputStream().write(b.array(), b.arrayOffset() + b.position(), b.remaining());
        }

        /** The next frame from the server. */
        SpdyFrames.Frame next() throws IOException {
            while (true) {
                Optional<SpdyFrames.Frame> f = parser.next(buffer);
                if (f.isPresent()) {
                    return f.get();
                }
                fill();
            }
        }

        /** Reads frames until {@code bytes} of data arrived; how many did. */
        long drain(long bytes) throws IOException {
            long read = 0;
            while (read < bytes) {
                if (next() instanceof SpdyFrames.Data d) {
                    read += d.data().length;
                }
            }
            return read;
        }

        private void fill() throws IOException {
            byte[] chunk = new byte[64 * 1024];
            int n = socket.getInputStream().read(chunk);
            assertThat(n).as("connection still open").isPositive();
            if (buffer.capacity() - buffer.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(buffer.capacity() * 2);
                bigger.put(buffer).flip();
                buffer = bigger;
            }
            buffer.compact().put(chunk, 0, n).flip();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            writer.close();
            parser.close();
        }
    }
}
