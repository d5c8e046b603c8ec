package dev.j8s.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.FabricClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientCertificateRotationTest {

    private static final Instant NOW = Instant.now();

    /**
     * An HTTPS server on loopback that asks for a client certificate, records the one each connection presents and
     * answers {@code {}} with {@code Connection: close}, so every request is a new handshake.
     */
    private record RecordingServer(SSLServerSocket socket, List<X509Certificate> clients, boolean keepAlive)
            implements AutoCloseable {
        static RecordingServer start(CertificateFileStore.Pair serving, boolean keepAlive) throws Exception {
            char[] password = "pw".toCharArray();
            KeyStore keys = serving.keyStore(password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            SSLContext tls = TrustingTls.context(kmf.getKeyManagers());
            SSLServerSocket socket = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 10,
                    InetAddress.getLoopbackAddress());
            socket.setNeedClientAuth(true);
            RecordingServer server = new RecordingServer(socket, new CopyOnWriteArrayList<>(), keepAlive);
            Thread.ofVirtual().start(server::serve);
            return server;
        }

        private void serve() {
            while (!socket.isClosed()) {
                try {
                    SSLSocket connection = (SSLSocket) socket.accept();
                    Thread.ofVirtual().start(() -> answer(connection));
                } catch (Exception e) {
                    // closed
                }
            }
        }

        /** Records the connection's client certificate and answers its requests (one unless kept alive). */
        private void answer(SSLSocket connection) {
            try (connection) {
                connection.startHandshake();
                clients.add((X509Certificate) connection.getSession().getPeerCertificates()[0]);
                InputStream in = connection.getInputStream();
                OutputStream out = connection.getOutputStream();
                do {
                    StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        int b = in.read();
                        if (b < 0) {
                            return;
                        }
                        head.append((char) b);
                    }
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                            + (keepAlive ? "" : "Connection: close\r\n") + "\r\n{}")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } while (keepAlive);
            } catch (Exception e) {
                // the client went away
            }
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }

    private static void get(KubernetesClient client) throws Exception {
        var request = client.getHttpClient().newHttpRequestBuilder()
                .uri(client.getMasterUrl().toString().replaceAll("/+$", "") + "/version").build();
        assertThat(client.getHttpClient().sendAsync(request, String.class).get().code()).isEqualTo(200);
    }

    @Test
    void aRotatedCertificateIsPresentedByTheNextConnectionOfAClientMadeBeforeTheRotation(@TempDir Path dir)
            throws Exception {
        CertificateFileStore.Pair serving = SelfSignedServing.pair("localhost", List.of("127.0.0.1", "localhost"),
                NOW);
        CertificateFileStore store = new CertificateFileStore(dir.resolve("pki"), "kubelet-client");
        CertificateFileStore.Pair first = store.update(CertificateFileStoreTest.clientPair("node-a", NOW), NOW);
        try (RecordingServer server = RecordingServer.start(serving, false)) {
            Path kubeconfig = kubeconfig(dir, server, serving, store);
            assertThat(KubeletClientRotation.rotates(kubeconfig, dir.resolve("pki"))).isTrue();

            try (KubernetesClient client = FabricClients.connect(kubeconfig)) {
                get(client);
                CertificateFileStore.Pair second = store.update(CertificateFileStoreTest.clientPair("node-a", NOW),
                        NOW.plusSeconds(1));
                get(client);

                assertThat(server.clients()).containsExactly(first.leaf(), second.leaf());
            }
        }
    }

    @Test
    void aRotationClosesTheConnectionsMadeWithTheOldCertificateSoTheNextRequestPresentsTheNewOne(@TempDir Path dir)
            throws Exception {
        CertificateFileStore.Pair serving = SelfSignedServing.pair("localhost", List.of("127.0.0.1", "localhost"),
                NOW);
        CertificateFileStore store = new CertificateFileStore(dir.resolve("pki"), "kubelet-client");
        CertificateFileStore.Pair first = store.update(CertificateFileStoreTest.clientPair("node-a", NOW), NOW);
        try (RecordingServer server = RecordingServer.start(serving, true)) {
            Path kubeconfig = kubeconfig(dir, server, serving, store);
            try (KubernetesClient client = FabricClients.connect(kubeconfig)) {
                get(client);
                get(client);
                assertThat(server.clients()).as("one kept-alive connection").containsExactly(first.leaf());

                CertificateFileStore.Pair second = store.update(CertificateFileStoreTest.clientPair("node-a", NOW),
                        NOW.plusSeconds(1));
                FabricClients.reloadClientCertificates();
                getEventually(client);

                assertThat(server.clients()).containsExactly(first.leaf(), second.leaf());
            }
        }
    }

    /** A GET that may fail once, on the connection the rotation closed under it. */
    private static void getEventually(KubernetesClient client) throws Exception {
        try {
            get(client);
        } catch (Exception | AssertionError e) {
            get(client);
        }
    }

    private static Path kubeconfig(Path dir, RecordingServer server, CertificateFileStore.Pair serving,
                                   CertificateFileStore store) throws Exception {
        Path bootstrap = Files.writeString(dir.resolve("bootstrap.kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:%d", certificate-authority-data: %s}}]
                users: [{name: u, user: {token: abcdef.0123456789abcdef}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                current-context: x
                """.formatted(server.socket().getLocalPort(), Base64.getEncoder().encodeToString(
                Pem.certificate(serving.chain().get(1)).getBytes(StandardCharsets.US_ASCII))));
        Path kubeconfig = dir.resolve("kubelet.kubeconfig");
        KubeletClientBootstrap.writeKubeconfig(bootstrap, kubeconfig, store.currentPath());
        return kubeconfig;
    }

    @Test
    void onlyACertificateFromTheStoreIsRotated(@TempDir Path dir) throws Exception {
        CertificateFileStore store = new CertificateFileStore(dir.resolve("pki"), "kubelet-client");
        CertificateFileStore.Pair pair = CertificateFileStoreTest.clientPair("node-a", NOW);
        Path kubeconfig = Files.writeString(dir.resolve("node.kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
                users: [{name: u, user: {client-certificate-data: %s, client-key-data: %s}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                current-context: x
                """.formatted(Base64.getEncoder().encodeToString(Pem.certificate(pair.leaf()).getBytes()),
                Base64.getEncoder().encodeToString(Pem.privateKey(pair.key()).getBytes())));

        assertThat(KubeletClientRotation.rotates(kubeconfig, dir.resolve("pki"))).isFalse();
        store.update(CertificateFileStoreTest.clientPair("node-a", NOW), NOW);
        assertThat(KubeletClientRotation.rotates(kubeconfig, dir.resolve("pki"))).isFalse();
    }
}
