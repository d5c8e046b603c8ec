package dev.j8s.kubelet.images;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PullErrorsTest {
    @Test
    void registryUnavailablePrefixBecomesItsOwnReason() {
        assertThat(PullErrors.classify("app:1", "RegistryUnavailable: connection refused")).isEqualTo(
                new PullErrors.Classified("RegistryUnavailable",
                        "image pull failed for app:1 because the registry is unavailable: connection refused"));
    }

    @Test
    void signatureValidationPrefixBecomesItsOwnReason() {
        assertThat(PullErrors.classify("app:1", "SignatureValidationFailed: untrusted key")).isEqualTo(
                new PullErrors.Classified("SignatureValidationFailed",
                        "image pull failed for app:1 because the signature validation failed: untrusted key"));
    }

    @Test
    void anythingElseIsErrImagePullWithTheRawText() {
        assertThat(PullErrors.classify("app:1", "pull QPS exceeded"))
                .isEqualTo(new PullErrors.Classified("ErrImagePull", "pull QPS exceeded"));
    }

    @Test
    void quoteEscapesLikeGo() {
        assertThat(PullErrors.quote("a\"b\\c\n")).isEqualTo("\"a\\\"b\\\\c\\n\"");
    }
}
