package dev.j8s.kubelet.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPGetActionBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link HttpProbe} and {@link HttpGetClient} against a real HTTP server on the loopback. */
class HttpProbeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private HttpServer server;
    private int port;
    private final Map<String, com.sun.net.httpserver.Headers> seen = new ConcurrentHashMap<>();
    private final LoopbackConnector connector = new LoopbackConnector();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        port = server.getAddress().getPort();
        server.createContext("/", exchange -> {
            seen.put(exchange.getRequestURI().toString(), exchange.getRequestHeaders());
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/healthz" -> respond(exchange, 200, "ok");
                case "/broken" -> respond(exchange, 500, "secret stack trace");
                case "/moved" -> {
                    exchange.getResponseHeaders().add("Location", "/healthz");
                    respond(exchange, 302, "");
                }
                case "/elsewhere" -> {
                    exchange.getResponseHeaders().add("Location", "http://example.invalid/x");
                    respond(exchange, 301, "gone away");
                }
                case "/loop" -> {
                    exchange.getResponseHeaders().add("Location", "/loop");
                    respond(exchange, 302, "");
                }
                case "/slow" -> {
                    try {
                        Thread.sleep(3000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    respond(exchange, 200, "late");
                }
                case "/big" -> respond(exchange, 200, "x".repeat(50_000));
                default -> respond(exchange, 404, "no");
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void respond(com.sun.net.httpserver.HttpExchange exchange, int code, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private HttpGetRequest request(String path) {
        HTTPGetAction action = new HTTPGetActionBuilder().withPath(path).withPort(new IntOrString(port))
                .withScheme("HTTP").build();
        return HttpGetRequest.of(action, new Container(), "10.244.0.9", "probe");
    }

    @Test
    void aTwoHundredSucceedsWithTheBodyAsOutputAndTheRequestCarriesUpstreamsHeaders() throws Exception {
        ProbeResult result = HttpProbe.probe(request("/healthz"), connector, TIMEOUT);

        assertThat(result).isEqualTo(ProbeResult.success("ok"));
        var headers = seen.get("/healthz");
        assertThat(headers.getFirst("User-Agent")).isEqualTo("kube-probe/1.32");
        assertThat(headers.getFirst("Accept")).isEqualTo("*/*");
        assertThat(headers.getFirst("Host")).isEqualTo("10.244.0.9:" + port);
        assertThat(headers.getFirst("Connection")).isEqualTo("close");
        assertThat(connector.asked()).containsExactly("10.244.0.9:" + port);
    }

    @Test
    void aServerErrorFailsWithTheStatusCodeAndNeverTheBody() throws Exception {
        assertThat(HttpProbe.probe(request("/broken"), connector, TIMEOUT))
                .isEqualTo(ProbeResult.failure("HTTP probe failed with statuscode: 500"));
    }

    @Test
    void aRedirectOnTheSameHostIsFollowed() throws Exception {
        assertThat(HttpProbe.probe(request("/moved"), connector, TIMEOUT)).isEqualTo(ProbeResult.success("ok"));
        assertThat(seen).containsKeys("/moved", "/healthz");
    }

    @Test
    void aRedirectToAnotherHostIsNotFollowedAndSucceedsWithAWarning() throws Exception {
        assertThat(HttpProbe.probe(request("/elsewhere"), connector, TIMEOUT))
                .isEqualTo(ProbeResult.warning("Probe terminated redirects, Response body: gone away"));
        assertThat(connector.asked()).hasSize(1);
    }

    @Test
    void tenRedirectsAreTheLimit() throws Exception {
        ProbeResult result = HttpProbe.probe(request("/loop"), connector, TIMEOUT);
        assertThat(result.kind()).isEqualTo(ProbeResult.Kind.FAILURE);
        assertThat(result.output()).isEqualTo("Get \"http://10.244.0.9:" + port + "/loop\": stopped after 10 redirects");
        assertThat(connector.asked()).hasSize(10);
    }

    @Test
    void aRefusedConnectionFailsWithGosDialError() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        HTTPGetAction action = new HTTPGetActionBuilder().withPath("/").withPort(new IntOrString(closed)).build();
        ProbeResult result = HttpProbe.probe(HttpGetRequest.of(action, new Container(), "10.244.0.9", "probe"),
                connector, TIMEOUT);
        assertThat(result).isEqualTo(ProbeResult.failure("Get \"http://10.244.0.9:" + closed
                + "/\": dial tcp 10.244.0.9:" + closed + ": connect: connection refused"));
    }

    @Test
    void anAnswerLaterThanTheTimeoutFailsWithTheClientTimeout() throws Exception {
        long start = System.nanoTime();
        ProbeResult result = HttpProbe.probe(request("/slow"), connector, Duration.ofMillis(500));
        assertThat(result).isEqualTo(ProbeResult.failure("Get \"http://10.244.0.9:" + port
                + "/slow\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void atMostTenKibibytesOfBodyAreRead() throws Exception {
        assertThat(HttpProbe.probe(request("/big"), connector, TIMEOUT).output()).hasSize(HttpGetClient.MAX_BODY);
    }

    @Test
    void specHeadersAreSentCanonicalizedAndAnEmptyAcceptRemovesIt() throws Exception {
        HTTPGetAction action = new HTTPGetActionBuilder().withPath("/healthz?full=1").withPort(new IntOrString(port))
                .addNewHttpHeader("x-custom", "a").addNewHttpHeader("X-Custom", "b").addNewHttpHeader("Accept", "")
                .addNewHttpHeader("host", "svc.example").addNewHttpHeader("user-agent", "mine").build();
        HttpProbe.probe(HttpGetRequest.of(action, new Container(), "10.244.0.9", "probe"), connector, TIMEOUT);

        var headers = seen.get("/healthz?full=1");
        assertThat(headers.get("X-custom")).containsExactly("a", "b");
        assertThat(headers.containsKey("Accept")).isFalse();
        assertThat(headers.getFirst("Host")).isEqualTo("svc.example");
        assertThat(headers.getFirst("User-Agent")).isEqualTo("mine");
    }

    @Test
    void anHttpsRequestAnsweredInPlainHttpFailsAsGoSaysIt() throws Exception {
        ServerSocket plain = new ServerSocket(0);
        int port = plain.getLocalPort();
        Thread.ofVirtual().start(() -> {
            try (plain; var s = plain.accept()) {
                s.getOutputStream().write("HTTP/1.0 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getInputStream().readAllBytes();
            } catch (IOException e) {
                // the client has its answer
            }
        });
        HTTPGetAction action = new HTTPGetActionBuilder().withPath("/healthz").withPort(new IntOrString(port))
                .withScheme("HTTPS").build();
        try {
            HttpGetClient.get(HttpGetRequest.of(action, new Container(), "10.244.0.9", "lifecycle"), connector,
                    TIMEOUT);
            org.assertj.core.api.Assertions.fail("a plain HTTP server cannot answer TLS");
        } catch (HttpGetClient.Failure f) {
            assertThat(f.httpToHttps()).isTrue();
            assertThat(f.getMessage()).isEqualTo("Get \"https://10.244.0.9:" + port
                    + "/healthz\": http: server gave HTTP response to HTTPS client");
        }
    }

    @Test
    void anHttpsServerWithASelfSignedCertificateIsProbedWithoutVerification(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        java.nio.file.Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC", "-dname", "CN=pod", "-validity", "1",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        keytool.getInputStream().readAllBytes();
        assertThat(keytool.waitFor()).isZero();
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        var kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, "changeit".toCharArray());
        var tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        var https = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
        https.createContext("/", exchange -> respond(exchange, 200, "secure ok"));
        https.start();
        try {
            HTTPGetAction action = new HTTPGetActionBuilder().withPath("/").withScheme("HTTPS")
                    .withPort(new IntOrString(https.getAddress().getPort())).build();
            assertThat(HttpProbe.probe(HttpGetRequest.of(action, new Container(), "10.244.0.9", "probe"), connector,
                    TIMEOUT)).isEqualTo(ProbeResult.success("secure ok"));
        } finally {
            https.stop(0);
        }
    }

    @Test
    void portsResolveByNumberNameOrNumericString() {
        Container c = new ContainerBuilder().addNewPort().withName("web").withContainerPort(8080).endPort().build();
        assertThat(ContainerPorts.resolve(new IntOrString(81), c)).isEqualTo(81);
        assertThat(ContainerPorts.resolve(new IntOrString("web"), c)).isEqualTo(8080);
        assertThat(ContainerPorts.resolve(new IntOrString("9090"), c)).isEqualTo(9090);
        for (var bad : List.of(Map.entry(new IntOrString("metrics"), "strconv.Atoi: parsing \"metrics\": invalid syntax"),
                Map.entry(new IntOrString(0), "invalid port number: 0"),
                Map.entry(new IntOrString(70000), "invalid port number: 70000"))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContainerPorts.resolve(bad.getKey(), c))
                    .isInstanceOf(ProbeException.class).hasMessage(bad.getValue());
        }
    }
}
