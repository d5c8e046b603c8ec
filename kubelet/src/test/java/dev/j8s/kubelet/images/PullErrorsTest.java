package dev.j8s.kubelet.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.oci.image.PullException;
import dev.j8s.oci.reference.ImageReference;
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
    void theImageStoresOwnPrefixIsNotRepeated() {
        ImageReference ref = ImageReference.parse("127.0.0.1:5000/odd/hostile:1");
        // as ImageStore.pull words an unpack failure
        PullException store = new PullException(PullException.Kind.INVALID_IMAGE, "failed to pull and unpack image "
                + "\"127.0.0.1:5000/odd/hostile:1\": layer sha256:" + "ab".repeat(32) + ": entry \"up/x\": path goes "
                + "through symlink \"up\"");
        String expected = "failed to pull and unpack image \"127.0.0.1:5000/odd/hostile:1\": layer sha256:"
                + "ab".repeat(32) + ": entry \"up/x\": path goes through symlink \"up\"";
        assertThat(PullErrors.describe(ref, store)).isEqualTo(expected);
        assertThat(PullErrors.classify("127.0.0.1:5000/odd/hostile:1", PullErrors.describe(ref, store)))
                .isEqualTo(new PullErrors.Classified("ErrImagePull", expected));
        PullException denied = new PullException(PullException.Kind.UNAUTHORIZED, "failed to pull and unpack image "
                + "\"127.0.0.1:5000/odd/hostile:1\": fetch manifest 127.0.0.1:5000/odd/hostile:1: 401 unauthorized");
        assertThat(PullErrors.describe(ref, denied)).isEqualTo("failed to pull and unpack image "
                + "\"127.0.0.1:5000/odd/hostile:1\": failed to resolve reference \"127.0.0.1:5000/odd/hostile:1\": "
                + "pull access denied, repository does not exist or may require authorization: fetch manifest "
                + "127.0.0.1:5000/odd/hostile:1: 401 unauthorized");
    }

    @Test
    void quoteEscapesLikeGo() {
        assertThat(PullErrors.quote("a\"b\\c\n")).isEqualTo("\"a\\\"b\\\\c\\n\"");
    }
}
