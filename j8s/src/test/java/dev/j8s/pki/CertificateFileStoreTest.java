package dev.j8s.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateFileStoreTest {

    static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");
    static final KeyPair CA = Certificates.newKeyPair();
    static final java.security.cert.X509Certificate CA_CERTIFICATE = Certificates.issueCa(CA, "test-ca", NOW);

    /** A client certificate of {@code node} issued at {@code issued} (valid from an hour before, for a year). */
    static CertificateFileStore.Pair clientPair(String node, Instant issued) {
        KeyPair key = Certificates.newKeyPair();
        return new CertificateFileStore.Pair(List.of(Certificates.issueClient(key, CA, CA_CERTIFICATE,
                "system:node:" + node, List.of("system:nodes"), issued)), key.getPrivate());
    }

    @Test
    void aNewPairIsWrittenPrivatelyAndTheCurrentLinkPointsAtIt(@TempDir Path dir) throws Exception {
        CertificateFileStore store = new CertificateFileStore(dir, "kubelet-client");
        assertThat(store.current()).isEmpty();

        CertificateFileStore.Pair first = store.update(clientPair("node-a", NOW), NOW);
        CertificateFileStore.Pair second = store.update(clientPair("node-a", NOW), NOW.plusSeconds(61));

        assertThat(Files.isSymbolicLink(store.currentPath())).isTrue();
        assertThat(Files.readSymbolicLink(store.currentPath())).isEqualTo(Path.of("kubelet-client-2026-12-07-12-01-01.pem"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.currentPath()))).isEqualTo("rw-------");
        assertThat(dir.resolve("kubelet-client-2026-12-07-12-00-00.pem")).exists();
        assertThat(store.current().orElseThrow().leaf()).isEqualTo(second.leaf()).isNotEqualTo(first.leaf());
        assertThat(store.current().orElseThrow().key()).isEqualTo(second.key());
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp") || n.endsWith(".updated"));
        }
    }

    @Test
    void anUnreadableCurrentPairIsNone(@TempDir Path dir) throws Exception {
        CertificateFileStore store = new CertificateFileStore(dir, "kubelet-client");
        Files.writeString(store.currentPath(), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");

        assertThat(store.current()).isEmpty();
    }

    @Test
    void aPairIsValidWithinItsValidityAndFreshBeforeTheShareGiven() {
        CertificateFileStore.Pair pair = clientPair("node-a", NOW); // NOW - 1 h .. NOW + 365 d

        assertThat(pair.validAt(NOW)).isTrue();
        assertThat(pair.validAt(NOW.minus(Duration.ofHours(2)))).isFalse();
        assertThat(pair.validAt(NOW.plus(Duration.ofDays(366)))).isFalse();
        assertThat(pair.freshAt(NOW.plus(Duration.ofDays(200)), 0.8)).isTrue();
        assertThat(pair.freshAt(NOW.plus(Duration.ofDays(300)), 0.8)).isFalse();
    }
}
