package dev.j8s.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.FabricClients;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeletClientBootstrapTest {

    private static final Instant NOW = CertificateFileStoreTest.NOW;

    /** A bootstrap kubeconfig of a server nobody listens on: a test that reaches it fails. */
    private static Path bootstrapKubeconfig(Path dir) throws Exception {
        Path file = dir.resolve("bootstrap.kubeconfig");
        String ca = Base64.getEncoder().encodeToString(Pem.certificate(CertificateFileStoreTest.CA_CERTIFICATE)
                .getBytes(StandardCharsets.US_ASCII));
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", certificate-authority-data: %s}}]
                users: [{name: u, user: {token: abcdef.0123456789abcdef}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                current-context: x
                """.formatted(ca));
        return file;
    }

    @Test
    void aMissingKubeconfigOrOneWithACertificateNotValidNowIsNotValid(@TempDir Path dir) throws Exception {
        Path bootstrap = bootstrapKubeconfig(dir);
        CertificateFileStore store = new CertificateFileStore(dir.resolve("pki"), "kubelet-client");
        Path kubeconfig = dir.resolve("kubelet.kubeconfig");
        assertThat(KubeletClientBootstrap.clientCertificateValid(kubeconfig, NOW)).isFalse();

        store.update(CertificateFileStoreTest.clientPair("node-a", NOW), NOW);
        KubeletClientBootstrap.writeKubeconfig(bootstrap, kubeconfig, store.currentPath());

        assertThat(KubeletClientBootstrap.clientCertificateValid(kubeconfig, NOW)).isTrue();
        assertThat(KubeletClientBootstrap.clientCertificateValid(kubeconfig, NOW.minus(Duration.ofHours(2)))).isFalse();
        assertThat(KubeletClientBootstrap.clientCertificateValid(kubeconfig, NOW.plus(Duration.ofDays(366)))).isFalse();
        assertThat(KubeletClientBootstrap.clientCertificateValid(bootstrap, NOW)).isFalse(); // a token, no certificate
    }

    @Test
    void theWrittenKubeconfigKeepsTheBootstrapClusterAndNamesTheStoredPairWhichTheClientsRead(@TempDir Path dir)
            throws Exception {
        Path bootstrap = bootstrapKubeconfig(dir);
        CertificateFileStore store = new CertificateFileStore(dir.resolve("pki"), "kubelet-client");
        CertificateFileStore.Pair pair = store.update(CertificateFileStoreTest.clientPair("node-a", NOW), NOW);
        Path kubeconfig = dir.resolve("kubelet.kubeconfig");

        KubeletClientBootstrap.writeKubeconfig(bootstrap, kubeconfig, store.currentPath());

        String text = Files.readString(kubeconfig);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kubeconfig))).isEqualTo("rw-------");
        assertThat(text).contains("server: \"https://127.0.0.1:1\"", "client-certificate: \"" + store.currentPath() + "\"",
                "client-key: \"" + store.currentPath() + "\"", "current-context: \"default-context\"")
                .doesNotContain("token");
        try (KubernetesClient client = FabricClients.connect(kubeconfig)) {
            var config = client.getConfiguration();
            assertThat(new String(Base64.getDecoder().decode(config.getClientCertData()), StandardCharsets.US_ASCII))
                    .isEqualTo(Pem.certificate(pair.leaf()));
            assertThat(config.getClientKeyAlgo()).isEqualTo("EC");
            assertThat(config.getCaCertData()).isNotEmpty();
        }
    }

    @Test
    void aValidStoredCertificateIsUsedWithoutAskingTheCluster(@TempDir Path dir) throws Exception {
        Path bootstrap = bootstrapKubeconfig(dir);
        CertificateFileStore store = new CertificateFileStore(dir.resolve("pki"), "kubelet-client");
        store.update(CertificateFileStoreTest.clientPair("node-a", NOW), NOW);
        Path kubeconfig = dir.resolve("kubelet.kubeconfig");
        Clock clock = Clock.fixed(NOW.plusSeconds(60), ZoneOffset.UTC);

        boolean bootstrapped = KubeletClientBootstrap.loadClientCert(kubeconfig, bootstrap, dir.resolve("pki"),
                "node-a", Duration.ofSeconds(1), clock);

        assertThat(bootstrapped).isFalse();
        assertThat(KubeletClientBootstrap.clientCertificateValid(kubeconfig, clock.instant())).isTrue();
        assertThat(KubeletClientBootstrap.loadClientCert(kubeconfig, bootstrap, dir.resolve("pki"), "node-a",
                Duration.ofSeconds(1), clock)).isFalse();
    }

    @Test
    void theBootstrapKeyIsKeptUntilTheCertificateArrivesSoARestartAsksWithTheSameKey(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve(KubeletClientBootstrap.TEMPORARY_KEY);

        KeyPair first = KubeletClientBootstrap.temporaryKey(file);
        KeyPair again = KubeletClientBootstrap.temporaryKey(file);

        assertThat(again.getPublic().getEncoded()).isEqualTo(first.getPublic().getEncoded());
        assertThat(again.getPrivate()).isEqualTo(first.getPrivate());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void theRotationIsDueBetweenSeventyAndNinetyPercentOfTheValidity() {
        Instant from = Instant.parse("2026-01-01T00:00:00Z");
        Instant to = from.plus(Duration.ofDays(100));
        for (int i = 0; i < 200; i++) {
            Instant deadline = KubeletClientBootstrap.rotationDeadline(from, to);
            assertThat(deadline).isBetween(from.plus(Duration.ofDays(70)), from.plus(Duration.ofDays(90)));
        }
    }
}
