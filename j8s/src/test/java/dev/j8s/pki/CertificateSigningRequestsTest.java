package dev.j8s.pki;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateSigningRequestsTest {

    private static CertificateSigningRequest csr(KeyPair key, String node, String signer) {
        return new CertificateSigningRequestBuilder().withNewMetadata().withName("node-csr-x").endMetadata()
                .withNewSpec().withSignerName(signer).withRequest(Base64.getEncoder().encodeToString(
                        CertificateRequests.nodeRequest(key, node, List.of(), List.of())
                                .getBytes(StandardCharsets.US_ASCII))).endSpec().build();
    }

    private static CertificateSigningRequest withCondition(CertificateSigningRequest csr, String type, String reason,
                                                           String message) {
        return new CertificateSigningRequestBuilder(csr).withNewStatus().addNewCondition().withType(type)
                .withStatus("True").withReason(reason).withMessage(message).endCondition().endStatus().build();
    }

    @Test
    void aRequestWaitsUntilApprovedAndIssuedAndADeniedOrFailedOneIsAnErrorInUpstreamsWords() {
        KeyPair key = CertificateRequests.newKeyPair();
        CertificateSigningRequest pending = csr(key, "node-a", CertificateRequests.CLIENT_KUBELET_SIGNER);
        CertificateSigningRequest approved = withCondition(pending, "Approved", "AutoApproved", "ok");
        CertificateSigningRequest issued = new CertificateSigningRequestBuilder(approved).editStatus()
                .withCertificate("Y2VydA==").endStatus().build();

        assertThat(CertificateSigningRequests.outcome(pending)).isEmpty();
        assertThat(CertificateSigningRequests.outcome(approved)).isEmpty();
        assertThat(CertificateSigningRequests.outcome(issued)).contains("");
        assertThat(CertificateSigningRequests.outcome(withCondition(pending, "Denied", "NotThisNode", "who are you")))
                .contains("certificate signing request is denied, reason: NotThisNode, message: who are you");
        assertThat(CertificateSigningRequests.outcome(withCondition(pending, "Failed", "SignerError", "no key")))
                .contains("certificate signing request failed, reason: SignerError, message: no key");
    }

    @Test
    void anExistingRequestIsReusedOnlyWhenItAsksForTheSameSubjectAndSignerWithTheSameKey() {
        KeyPair key = CertificateRequests.newKeyPair();
        CertificateSigningRequest wanted = csr(key, "node-a", CertificateRequests.CLIENT_KUBELET_SIGNER);
        java.time.Instant now = java.time.Instant.now();

        assertThat(CertificateSigningRequests.incompatibility(csr(key, "node-a",
                CertificateRequests.CLIENT_KUBELET_SIGNER), wanted, key, now)).isEmpty();
        assertThat(CertificateSigningRequests.incompatibility(csr(key, "node-b",
                CertificateRequests.CLIENT_KUBELET_SIGNER), wanted, key, now)).startsWith("csr subjects differ");
        assertThat(CertificateSigningRequests.incompatibility(csr(key, "node-a",
                CertificateRequests.KUBELET_SERVING_SIGNER), wanted, key, now)).startsWith("csr signerNames differ");
        assertThat(CertificateSigningRequests.incompatibility(csr(CertificateRequests.newKeyPair(), "node-a",
                CertificateRequests.CLIENT_KUBELET_SIGNER), wanted, key, now))
                .startsWith("error validating signature new CSR against old key");
    }

    @Test
    void anIssuedCertificateThatHasExpiredIsNotReused() {
        KeyPair key = CertificateRequests.newKeyPair();
        CertificateSigningRequest wanted = csr(key, "node-a", CertificateRequests.CLIENT_KUBELET_SIGNER);
        String pem = Pem.certificate(CertificateFileStoreTest.clientPair("node-a", CertificateFileStoreTest.NOW).leaf());
        CertificateSigningRequest issued = new CertificateSigningRequestBuilder(withCondition(wanted, "Approved", "A",
                "a")).editStatus().withCertificate(Base64.getEncoder().encodeToString(
                        pem.getBytes(StandardCharsets.US_ASCII))).endStatus().build();

        assertThat(CertificateSigningRequests.incompatibility(issued, wanted, key, CertificateFileStoreTest.NOW))
                .isEmpty();
        assertThat(CertificateSigningRequests.incompatibility(issued, wanted, key,
                CertificateFileStoreTest.NOW.plus(java.time.Duration.ofDays(400))))
                .startsWith("one of the certificates for the CSR has expired");
    }
}
