package dev.j8s.pki;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeAddress;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeletServingCertificatesTest {

    private static final Instant NOW = CertificateFileStoreTest.NOW;
    private static final List<String> NAMES = List.of("host-a", "localhost", "127.0.0.1", "node-a");

    @Test
    void theSelfSignedCertificateIsKeptAcrossStartsForTheSameNames(@TempDir Path dir) throws Exception {
        CertificateFileStore.Pair first = KubeletServingCertificates.selfSigned(dir, "host-a", NAMES, NOW);
        CertificateFileStore.Pair again = KubeletServingCertificates.selfSigned(dir, "host-a", NAMES,
                NOW.plus(Duration.ofDays(30)));

        assertThat(again.leaf()).isEqualTo(first.leaf());
        assertThat(again.key()).isEqualTo(first.key());
        assertThat(first.chain()).hasSize(2);
        assertThat(first.leaf().getSubjectX500Principal().getName()).startsWith("CN=host-a@");
        assertThat(Certificates.alternativeNames(first.leaf())).containsExactlyInAnyOrder("host-a", "localhost",
                "127.0.0.1", "node-a");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("kubelet.key"))))
                .isEqualTo("rw-------");
        assertThat(dir.resolve("kubelet.crt")).exists();
    }

    @Test
    void theSelfSignedCertificateIsMadeAgainWhenTheNamesChangeOrItNearsExpiry(@TempDir Path dir) {
        CertificateFileStore.Pair first = KubeletServingCertificates.selfSigned(dir, "host-a", NAMES, NOW);

        CertificateFileStore.Pair renamed = KubeletServingCertificates.selfSigned(dir, "host-b",
                List.of("host-b", "localhost", "127.0.0.1", "node-a"), NOW);
        CertificateFileStore.Pair old = KubeletServingCertificates.selfSigned(dir, "host-b",
                List.of("host-b", "localhost", "127.0.0.1", "node-a"), NOW.plus(Duration.ofDays(300)));

        assertThat(renamed.leaf()).isNotEqualTo(first.leaf());
        assertThat(Certificates.alternativeNames(renamed.leaf())).contains("host-b").doesNotContain("host-a");
        assertThat(old.leaf()).isNotEqualTo(renamed.leaf());
    }

    @Test
    void aServingRequestAsksForTheNodesHostNamesAndDnsNamesAsDnsAndItsIpsAsAddressesSortedAndOnce() {
        KubeletServingCertificates.NodeNames names = KubeletServingCertificates.NodeNames.of(List.of(
                new NodeAddress("10.0.0.5", "InternalIP"), new NodeAddress("host-a", "Hostname"),
                new NodeAddress("203.0.113.9", "ExternalIP"), new NodeAddress("a.example", "InternalDNS"),
                new NodeAddress("10.0.0.5", "ExternalIP"), new NodeAddress("192.0.2.1", "Hostname"),
                new NodeAddress("not-an-ip", "InternalIP"), new NodeAddress("", "ExternalDNS")));

        assertThat(names.dnsNames()).containsExactly("a.example", "host-a");
        assertThat(names.addresses()).containsExactly(InetAddress.ofLiteral("10.0.0.5"),
                InetAddress.ofLiteral("192.0.2.1"), InetAddress.ofLiteral("203.0.113.9"));
        assertThat(names.requestable()).isTrue();
    }

    @Test
    void nothingIsAskedForANodeWithoutAnIpAddress() {
        assertThat(KubeletServingCertificates.NodeNames.of(List.of()).requestable()).isFalse();
        assertThat(KubeletServingCertificates.NodeNames.of(List.of(new NodeAddress("host-a", "Hostname"),
                new NodeAddress("a.example", "InternalDNS"))).requestable()).isFalse();
    }
}
