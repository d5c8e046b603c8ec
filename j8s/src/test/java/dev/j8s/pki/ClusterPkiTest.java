package dev.j8s.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterPkiTest {

    private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final ServingNames NAMES = ServingNames.of(List.of("localhost", "127.0.0.1", "::1", "Node-1"));

    @TempDir
    Path dir;

    @Test
    void servingCertificateChainsToTheCaUnderPkixRules() throws Exception {
        ClusterPki pki = ClusterPki.ensure(dir, NAMES, CLOCK);

        var path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(pki.servingCertificate()));
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(pki.caCertificate(), null)));
        params.setRevocationEnabled(false);
        params.setDate(java.util.Date.from(NOW));
        CertPathValidator.getInstance("PKIX").validate(path, params);

        assertThat(pki.caCertificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(pki.servingCertificate().getBasicConstraints()).isEqualTo(-1);
        assertThat(pki.servingCertificate().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(pki.caCertificate().getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(3650)));
        assertThat(pki.servingCertificate().getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofHours(1)));
    }

    @Test
    void servingCertificateNamesEveryAskedHostAsDnsOrIpAlternativeName() throws Exception {
        X509Certificate serving = ClusterPki.ensure(dir, NAMES, CLOCK).servingCertificate();

        assertThat(serving.getSubjectAlternativeNames())
                .containsExactlyInAnyOrder(List.of(2, "localhost"), List.of(2, "node-1"),
                        List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"));
    }

    @Test
    void keysTokenAndKeyStoreAreOwnerOnlyAndCertificatesArePublic() throws Exception {
        ClusterPki.ensure(dir, NAMES, CLOCK);

        for (String secret : List.of("ca.key", "server.key", "admin.token", "server.p12", "sa.key")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(secret))))
                    .as(secret).isEqualTo("rw-------");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(Files.readString(dir.resolve("ca.crt"))).startsWith("-----BEGIN CERTIFICATE-----\n");
        assertThat(Files.readString(dir.resolve("ca.key"))).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(Files.readString(dir.resolve("admin.token")).strip()).matches("[A-Za-z0-9_-]{43}");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "ca.crt", "ca.key", "server.crt", "server.key", "server.p12", "admin.token", "sa.key", "sa.pub");
        }
        assertThat(Files.readString(dir.resolve("sa.pub"))).startsWith("-----BEGIN PUBLIC KEY-----\n");
    }

    @Test
    void theServiceAccountKeyIsRsaAndKeptAcrossStarts() {
        ClusterPki first = ClusterPki.ensure(dir, NAMES, CLOCK);
        ClusterPki second = ClusterPki.ensure(dir, NAMES, CLOCK);
        assertThat(first.serviceAccountKey().getPublic().getAlgorithm()).isEqualTo("RSA");
        assertThat(second.serviceAccountKey().getPublic()).isEqualTo(first.serviceAccountKey().getPublic());
        assertThat(second.serviceAccountKey().getPrivate()).isEqualTo(first.serviceAccountKey().getPrivate());
        assertThat(first.toString()).doesNotContain(java.util.Base64.getEncoder()
                .encodeToString(first.serviceAccountKey().getPrivate().getEncoded()).substring(0, 32));
    }

    @Test
    void aClientCertificateOfTheClusterCaNamesTheUserAndGroupsForTheApiServer() throws Exception {
        ClusterPki pki = ClusterPki.ensure(dir, NAMES, CLOCK);
        ClusterPki.ClientCredentials credentials = ClusterPki.issueClient(dir, "dave", List.of("dev", "ops"), CLOCK);
        var certificate = Pem.parseCertificate(credentials.certificatePem(), "test");
        certificate.verify(pki.caCertificate().getPublicKey());
        assertThat(certificate.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        var authenticator = new dev.j8s.apiserver.authentication.Authenticator("token",
                java.util.Optional.of(pki.caCertificate()), new dev.j8s.apiserver.authentication.ServiceAccountTokens(
                new dev.j8s.apiserver.authentication.ServiceAccountKeys(pki.serviceAccountKey(), List.of()),
                "https://kubernetes.default.svc.cluster.local", List.of("https://kubernetes.default.svc.cluster.local"),
                (r, n, name) -> java.util.Optional.empty(), CLOCK), CLOCK);
        var user = authenticator.authenticate("", List.of(certificate), "/api");
        assertThat(user.name()).isEqualTo("dave");
        assertThat(user.groups()).containsExactly("dev", "ops", "system:authenticated");
        ClusterPki other = ClusterPki.ensure(dir.resolve("other"), NAMES, CLOCK);
        var foreign = Pem.parseCertificate(ClusterPki.issueClient(dir.resolve("other"), "dave", List.of(), CLOCK)
                .certificatePem(), "test");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> authenticator.authenticate("", List.of(foreign), "/api"))
                .isInstanceOf(dev.j8s.apiserver.errors.ApiError.Unauthorized.class);
        assertThat(credentials.toString()).doesNotContain("PRIVATE KEY");
    }

    @Test
    void secondStartReusesCaServingCertificateAndTokenButNotTheKeyStorePassword() {
        ClusterPki first = ClusterPki.ensure(dir, NAMES, CLOCK);
        ClusterPki second = ClusterPki.ensure(dir, NAMES, Clock.offset(CLOCK, Duration.ofDays(100)));

        assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(second.servingCertificate()).isEqualTo(first.servingCertificate());
        assertThat(second.adminToken()).isEqualTo(first.adminToken());
        assertThat(second.keyStorePassword()).isNotEqualTo(first.keyStorePassword());
    }

    @Test
    void servingCertificateIsReissuedBySameCaForANewNameOrNearExpiry() {
        ClusterPki first = ClusterPki.ensure(dir, NAMES, CLOCK);

        ClusterPki renamed = ClusterPki.ensure(dir, ServingNames.of(List.of("localhost", "127.0.0.2")), CLOCK);
        assertThat(renamed.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(renamed.servingCertificate().getSerialNumber()).isNotEqualTo(first.servingCertificate().getSerialNumber());
        assertThat(Certificates.alternativeNames(renamed.servingCertificate())).contains("127.0.0.2");

        ClusterPki late = ClusterPki.ensure(dir, ServingNames.of(List.of("localhost", "127.0.0.2")),
                Clock.offset(CLOCK, Duration.ofDays(340)));
        assertThat(late.servingCertificate().getSerialNumber()).isNotEqualTo(renamed.servingCertificate().getSerialNumber());
        assertThat(late.caCertificate()).isEqualTo(first.caCertificate());
    }

    @Test
    void caCertificateWithoutItsKeyIsAnErrorRatherThanANewCa() throws Exception {
        ClusterPki.ensure(dir, NAMES, CLOCK);
        Files.delete(dir.resolve("ca.key"));

        assertThatThrownBy(() -> ClusterPki.ensure(dir, NAMES, CLOCK))
                .isInstanceOf(PkiException.class)
                .hasMessage("load CA from " + dir + ": ca.key is missing; restore it, or remove ca.crt to create a new CA"
                        + " (every existing kubeconfig then stops working)");
    }

    @Test
    void toStringNeverShowsTheTokenOrPassword() {
        ClusterPki pki = ClusterPki.ensure(dir, NAMES, CLOCK);

        assertThat(pki.toString()).doesNotContain(pki.adminToken()).doesNotContain(pki.keyStorePassword())
                .contains("adminToken=<redacted>");
    }

    @Test
    void keyStoreServesTlsThatAClientTrustingOnlyTheCaAcceptsForLocalhostAndLoopbackIps() throws Exception {
        ClusterPki pki = ClusterPki.ensure(dir, NAMES, Clock.systemUTC());
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pki.keyStore())) {
            keys.load(in, pki.keyStorePassword().toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, pki.keyStorePassword().toCharArray());
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(
                new java.io.ByteArrayInputStream(pki.caPem().getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);

        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(10_000);
            AtomicReference<Throwable> serverFailure = new AtomicReference<>();
            // Ends by itself: after two connections, on the accept timeout, or when the listener closes.
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 2; i++) {
                        try (SSLSocket s = (SSLSocket) listener.accept(); OutputStream out = s.getOutputStream()) {
                            out.write('k');
                        }
                    }
                } catch (Exception e) {
                    serverFailure.set(e);
                }
            });
            for (String host : List.of("localhost", "127.0.0.1")) {
                assertThat(readOverTls(client, listener.getLocalPort(), host)).as(host).isEqualTo('k');
            }
            assertThat(acceptor.join(Duration.ofSeconds(10))).isTrue();
            assertThat(serverFailure.get()).isNull();
        }
    }

    /** Connects to {@code host} (a loopback name or address) with HTTPS hostname verification; reads one byte. */
    private static int readOverTls(SSLContext client, int port, String host) throws Exception {
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(host, port)) {
            SSLParameters params = socket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            socket.setSoTimeout(5000);
            return socket.getInputStream().read();
        }
    }
}
