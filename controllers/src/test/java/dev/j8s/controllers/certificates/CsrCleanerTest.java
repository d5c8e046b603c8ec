package dev.j8s.controllers.certificates;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.apiserver.testing.TestCertificates;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Which requests the cleaner deletes, as upstream's csrcleaner decides. */
class CsrCleanerTest {

    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    private static CertificateSigningRequest csr(Duration created) {
        return new CertificateSigningRequestBuilder().withNewMetadata().withName("r")
                .withCreationTimestamp(NOW.minus(created).toString()).endMetadata().withNewSpec()
                .withSignerName("example.com/s").endSpec().build();
    }

    private static CertificateSigningRequest with(CertificateSigningRequest csr, String type, Duration ago) {
        return Conditions.withCondition(csr, type, "Test", "", NOW.minus(ago));
    }

    private static CertificateSigningRequest issued(CertificateSigningRequest csr, String pem) {
        return Conditions.withStatus(csr, s -> s.setCertificate(
                Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void pendingRequestsGoAfterADayAndDeniedOrFailedOnesAfterAnHour() {
        assertThat(CsrCleaner.why(csr(Duration.ofHours(23)), NOW)).isEmpty();
        assertThat(CsrCleaner.why(csr(Duration.ofHours(25)), NOW)).contains("more than 24h old and unhandled");
        assertThat(CsrCleaner.why(with(csr(Duration.ofHours(30)), "Denied", Duration.ofMinutes(59)), NOW)).isEmpty();
        assertThat(CsrCleaner.why(with(csr(Duration.ofHours(2)), "Denied", Duration.ofMinutes(61)), NOW))
                .contains("more than 1h old and denied");
        assertThat(CsrCleaner.why(with(with(csr(Duration.ofHours(2)), "Approved", Duration.ofMinutes(90)), "Failed",
                Duration.ofMinutes(61)), NOW)).contains("more than 1h old and failed");
    }

    @Test
    void approvedRequestsGoAnHourAfterIssuanceOrOnceTheirCertificateExpired() {
        String pem = TestCertificates.pem(TestCertificates.newCa("issued").certificate());
        CertificateSigningRequest approvedLongAgo = with(csr(Duration.ofHours(30)), "Approved", Duration.ofMinutes(61));
        assertThat(CsrCleaner.why(approvedLongAgo, NOW)).as("approved, never issued").isEmpty();
        assertThat(CsrCleaner.why(issued(approvedLongAgo, pem), NOW)).contains("more than 1h old and approved");
        Instant now = Instant.now();
        String shortLived = TestCertificates.pem(TestCertificates.newCa("short", Duration.ofMinutes(10)).certificate());
        CertificateSigningRequest recent = issued(Conditions.withCondition(csr(Duration.ofMinutes(5)), "Approved",
                "Test", "", now.minus(Duration.ofMinutes(5))), shortLived);
        assertThat(CsrCleaner.why(recent, now)).isEmpty();
        assertThat(CsrCleaner.why(recent, now.plus(Duration.ofMinutes(30))))
                .as("the 10-minute certificate expired within the hour").contains("its certificate has expired");
    }
}
