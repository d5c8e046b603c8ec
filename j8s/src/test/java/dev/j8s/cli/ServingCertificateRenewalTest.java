package dev.j8s.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.kubelet.server.KubeletServer;
import dev.j8s.pki.CertificateFileStore;
import dev.j8s.pki.CertificateRenewal;
import dev.j8s.pki.CertificateRenewalTest;
import dev.j8s.pki.KubeletServingCertificates;
import dev.j8s.pki.TrustingTls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingCertificateRenewalTest {

    private static final KubeletServingCertificates.NodeNames NAMES = CertificateRenewalTest.names("localhost",
            "127.0.0.1");

    @Test
    void theKubeletApiServesTheRenewedCertificateToNewConnectionsWhileOpenOnesGoOnWithTheirs(@TempDir Path dataDir)
            throws Exception {
        Instant notBefore = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        CertificateFileStore.Pair first = CertificateRenewalTest.servingPair(NAMES, notBefore, Duration.ofSeconds(10));
        new CertificateFileStore(AgentCredentials.certDir(dataDir), "kubelet-server").update(first, notBefore);
        List<Instant> asked = new CopyOnWriteArrayList<>();
        CertificateRenewal.Request signer = names -> {
            asked.add(Instant.now());
            return CertificateRenewalTest.servingPair(names, Instant.now().truncatedTo(ChronoUnit.SECONDS),
                    Duration.ofDays(365));
        };

        try (KubeletServer api = KubeletApi.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                "node-a", AgentCredentials.initialServing(dataDir, "localhost", java.util.Set.of("localhost"), true),
                List.of(first.chain().get(1)), null, null);
             SSLSocket open = connect(api.port())) {
            assertThat(open.getSession().getPeerCertificates()[0]).isEqualTo(first.leaf());
            Thread loop = Thread.ofVirtual().start(() -> {
                try {
                    AgentCredentials.servingRenewal(dataDir, () -> Optional.of(NAMES), signer, api).run();
                } catch (InterruptedException e) {
                    // stopped
                }
            });
            try {
                X509Certificate renewed = awaitNewCertificate(api.port(), first.leaf());
                Instant served = Instant.now();

                assertThat(asked).hasSize(1);
                // due at 70-90 % of 10 s: not before, and served before the first one expires
                assertThat(Duration.between(notBefore, asked.getFirst())).isGreaterThanOrEqualTo(Duration.ofSeconds(7));
                assertThat(renewed.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(300)));
                assertThat(served).as("served before the first one expired")
                        .isBefore(first.leaf().getNotAfter().toInstant());
                // the connection opened before goes on with the certificate it was made with
                open.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                open.getOutputStream().flush();
                String status = new BufferedReader(new InputStreamReader(open.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
                assertThat(status).isEqualTo("HTTP/1.1 401 Unauthorized");
                assertThat(open.getSession().getPeerCertificates()[0]).isEqualTo(first.leaf());
            } finally {
                loop.interrupt();
                loop.join(5_000);
            }
        }
    }

    /** The certificate new connections are served once it is not {@code old}, polling for up to 20 s. */
    private static X509Certificate awaitNewCertificate(int port, X509Certificate old) throws Exception {
        Instant deadline = Instant.now().plusSeconds(20);
        while (true) {
            try (SSLSocket socket = connect(port)) {
                X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
                if (!served.equals(old) || Instant.now().isAfter(deadline)) {
                    assertThat(served).as("a renewed certificate within 20 s").isNotEqualTo(old);
                    return served;
                }
            }
            Thread.sleep(100);
        }
    }

    private static SSLSocket connect(int port) throws Exception {
        SSLContext tls = TrustingTls.context(null);
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
        socket.startHandshake();
        return socket;
    }
}
