package dev.j8s.apiserver.kubeletclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.rest.ExecProcess;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client half of the kubelet's exec and attach API against a test kubelet endpoint that speaks its wire format:
 * HTTPS requiring a client certificate, a WebSocket upgrade with the {@code v5.channel.k8s.io} subprotocol, channel
 * frames (0 stdin, 1 stdout, 2 stderr, 3 the Status, 255 close) and the exit code as a {@code NonZeroExitCode}
 * Status.
 */
class RemoteKubeletTest {

    @TempDir
    Path dir;

    private Server kubelet;
    private int port;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> protocols = new CopyOnWriteArrayList<>();
    private final List<String> clients = new CopyOnWriteArrayList<>();
    private KeyStore clientKeys;

    private KeyStore keyStore(String file, String dname) throws Exception {
        Path path = dir.resolve(file);
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "key", "-keyalg", "EC", "-groupname", "secp256r1", "-storetype", "PKCS12",
                "-keystore", path.toString(), "-storepass", "changeit", "-dname", dname,
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2").redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS) && keytool.exitValue() == 0).as(output).isTrue();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(path.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        return store;
    }

    /**
     * A kubelet whose exec echoes stdin to stdout, writes "warning" on stderr, and once stdin is closed ends with
     * exit code 3; its attach writes "attached" and ends with Success.
     */
    @BeforeEach
    void startKubelet() throws Exception {
        keyStore("kubelet.p12", "CN=agent");
        clientKeys = keyStore("client.p12", "CN=kube-apiserver-kubelet-client");
        // the kubelet trusts the API server's client certificate (here self-signed: it is its own CA)
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("apiserver", clientKeys.getCertificate("key"));
        kubelet = new Server();
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(dir.resolve("kubelet.p12").toString());
        ssl.setKeyStoreType("PKCS12");
        ssl.setKeyStorePassword("changeit");
        ssl.setNeedClientAuth(true);
        ssl.setTrustStore(trusted);
        ssl.setEndpointIdentificationAlgorithm(null);
        HttpConfiguration http = new HttpConfiguration();
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        http.addCustomizer(secure);
        ServerConnector connector = new ServerConnector(kubelet, new SslConnectionFactory(ssl, "http/1.1"),
                new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        kubelet.addConnector(connector);
        kubelet.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                requests.add(request.getHttpURI().getPathQuery());
                var tls = (org.eclipse.jetty.io.EndPoint.SslSessionData) request.getAttribute(
                        org.eclipse.jetty.io.EndPoint.SslSessionData.ATTRIBUTE);
                var certs = tls == null ? null : tls.peerCertificates();
                clients.add(certs == null || certs.length == 0 ? "none" : certs[0].getSubjectX500Principal().getName());
                boolean attach = request.getHttpURI().getPath().startsWith("/attach/");
                boolean portForward = request.getHttpURI().getPath().startsWith("/portForward/");
                var websockets = ServerWebSocketContainer.get(request.getContext());
                return websockets.upgrade((upgrade, upgradeResponse, cb) -> {
                    protocols.add(String.join(",", upgrade.getSubProtocols()));
                    if (portForward) {
                        upgradeResponse.setAcceptedSubProtocol("v4.channel.k8s.io");
                        return new UppercasePort();
                    }
                    upgradeResponse.setAcceptedSubProtocol("v5.channel.k8s.io");
                    return attach ? new Attach() : new EchoExec();
                }, request, response, callback);
            }
        });
        ServerWebSocketContainer.ensure(kubelet);
        kubelet.start();
        port = connector.getLocalPort();
    }

    @AfterEach
    void stopKubelet() throws Exception {
        kubelet.stop();
    }

    private static void send(Session session, int channel, String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        ByteBuffer frame = ByteBuffer.allocate(data.length + 1).put((byte) channel).put(data).flip();
        session.sendBinary(frame, org.eclipse.jetty.websocket.api.Callback.NOOP);
    }

    /** exec: stdin echoed, stderr once, exit code 3 when stdin closes. */
    public static final class EchoExec implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
            send(session, 2, "warning");
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
            int channel = payload.get() & 0xff;
            byte[] data = new byte[payload.remaining()];
            payload.get(data);
            callback.succeed();
            if (channel == 0) {
                send(session, 1, new String(data, StandardCharsets.UTF_8));
            } else if (channel == 255 && data.length == 1 && data[0] == 0) {
                send(session, 3, "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with"
                        + " non-zero exit code: error executing command [cat], exit code 3\",\"reason\":"
                        + "\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}");
                session.close(1000, "", org.eclipse.jetty.websocket.api.Callback.NOOP);
            }
        }
    }

    /** attach: output once, then Success. */
    public static final class Attach implements Session.Listener.AutoDemanding {
        @Override
        public void onWebSocketOpen(Session session) {
            send(session, 1, "attached\n");
            send(session, 3, "{\"metadata\":{},\"status\":\"Success\"}");
            session.close(1000, "", org.eclipse.jetty.websocket.api.Callback.NOOP);
        }
    }

    /** portForward: the port prefix on both channels, then data echoed in upper case. */
    public static final class UppercasePort implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
            for (int channel : new int[] {0, 1}) {
                session.sendBinary(ByteBuffer.wrap(new byte[] {(byte) channel, (byte) (8080 & 0xff), (byte) (8080 >> 8)}),
                        org.eclipse.jetty.websocket.api.Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
            int channel = payload.get() & 0xff;
            byte[] data = new byte[payload.remaining()];
            payload.get(data);
            callback.succeed();
            if (channel == 0) {
                send(session, 0, new String(data, StandardCharsets.UTF_8).toUpperCase(java.util.Locale.ROOT));
            }
        }
    }

    private RemoteKubelet client() throws Exception {
        return new RemoteKubelet(KubeletTls.context(clientKeys, "changeit".toCharArray(), Optional.empty()));
    }

    private KubeletEndpoint endpoint() {
        return new KubeletEndpoint("agent", "127.0.0.1", port);
    }

    @Test
    void execStreamsBothWaysOverTheChannelProtocolAndEndsWithTheExitCodeOfTheStatus() throws Exception {
        ExecProcess process = client().exec(endpoint(), RemoteKubelet.Stream.EXEC, "default", "web", "main",
                List.of("cat", "-n"), true, false, 0, 0);
        try (process) {
            OutputStream stdin = process.stdin();
            stdin.write("hello\n".getBytes(StandardCharsets.UTF_8));
            byte[] first = new byte[6];
            assertThat(process.stdout().readNBytes(first, 0, 6)).isEqualTo(6);
            assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo("hello\n");
            stdin.close();
            assertThat(new String(process.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
            assertThat(new String(process.stderr().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("warning");
            assertThat(process.awaitExit(Duration.ofSeconds(10))).isEqualTo(OptionalInt.of(3));
        }
        assertThat(requests).containsExactly(
                "/exec/default/web/main?command=cat&command=-n&input=1&output=1&error=1&tty=0");
        assertThat(protocols).containsExactly("v5.channel.k8s.io,v4.channel.k8s.io");
        assertThat(clients).containsExactly("CN=kube-apiserver-kubelet-client");
    }

    @Test
    void attachJoinsThroughTheAttachEndpointAndSuccessIsExitCodeZero() throws Exception {
        ExecProcess process = client().exec(endpoint(), RemoteKubelet.Stream.ATTACH, "default", "web", "main",
                List.of(), false, true, 0, 0);
        try (process) {
            assertThat(new String(process.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("attached\n");
            assertThat(process.awaitExit(Duration.ofSeconds(10))).isEqualTo(OptionalInt.of(0));
        }
        assertThat(requests).containsExactly("/attach/default/web/main?input=0&output=1&error=0&tty=1");
    }

    @Test
    void portForwardOpensOneSocketPerConnectionAndCarriesTheDataChannelWithoutThePortPrefix() throws Exception {
        var forwarder = client().portForward(endpoint(), "default", "web");
        try (var connection = forwarder.connect(8080)) {
            connection.output().write("ping".getBytes(StandardCharsets.UTF_8));
            byte[] answer = new byte[4];
            assertThat(connection.input().readNBytes(answer, 0, 4)).isEqualTo(4);
            assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("PING");
        }
        assertThat(requests).containsExactly("/portForward/default/web?port=8080");
        assertThat(protocols).containsExactly("v4.channel.k8s.io");
    }

    @Test
    void anUnreachableKubeletIsUpstreamsDialError() throws Exception {
        RemoteKubelet client = client();
        kubelet.stop();
        assertThatThrownBy(() -> client.exec(endpoint(), RemoteKubelet.Stream.EXEC, "default", "web", "main",
                List.of("true"), false, false, 0, 0))
                .isInstanceOf(ApiError.Unknown.class)
                .hasMessage("error dialing backend: dial tcp 127.0.0.1:" + port + ": connect: connection refused");
        assertThatThrownBy(() -> client.portForward(endpoint(), "default", "web"))
                .hasMessage("error dialing backend: dial tcp 127.0.0.1:" + port + ": connect: connection refused");
        assertThatThrownBy(() -> client.requireReachable(endpoint()))
                .hasMessage("error dialing backend: dial tcp 127.0.0.1:" + port + ": connect: connection refused");
    }
}
