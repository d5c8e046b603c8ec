package dev.j8s.oci.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {
    static final String H = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "nginx|docker.io/library/nginx",
        "nginx:1.25|docker.io/library/nginx:1.25",
        "ubuntu:22.04|docker.io/library/ubuntu:22.04",
        "docker.io/ubuntu|docker.io/library/ubuntu",
        "index.docker.io/ubuntu|docker.io/library/ubuntu",
        "index.docker.io/user/app:v1|docker.io/user/app:v1",
        "user/app|docker.io/user/app",
        "user/app/sub|docker.io/user/app/sub",
        "localhost/x|localhost/x",
        "localhost:5000/x:tag|localhost:5000/x:tag",
        "host:5000/x|host:5000/x",
        "example.com/a/b/c|example.com/a/b/c",
        "127.0.0.1:5000/team/app:v2|127.0.0.1:5000/team/app:v2",
        "[::1]:5000/foo|[::1]:5000/foo",
        "[fe80::1]/foo:bar|[fe80::1]/foo:bar",
        "FOO/bar|FOO/bar",
        "Example.COM:443/a|Example.COM:443/a",
        "localhost:5000|docker.io/library/localhost:5000",
        "a_b__c-d---e/f.g|docker.io/a_b__c-d---e/f.g",
        "busybox:Latest_1.0-x|docker.io/library/busybox:Latest_1.0-x",
        "x@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|docker.io/library/x@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "x:tag@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|docker.io/library/x:tag@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "reg.io:1/p@sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|reg.io:1/p@sha512:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    })
    void validReferencesNormalize(String input, String canonical) {
        assertThat(ImageReference.parse(input).toString()).isEqualTo(canonical);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "''|invalid reference format",
        "Nginx|invalid reference format: repository name (library/Nginx) must be lowercase",
        "docker/Docker|invalid reference format: repository name (docker/Docker) must be lowercase",
        "docker.io/docker/Docker|invalid reference format: repository name (docker/Docker) must be lowercase",
        "https://github.com/docker/docker|invalid reference format",
        "-docker|invalid reference format",
        "-docker/docker|invalid reference format",
        "-docker.io/docker/docker|invalid reference format",
        "docker///docker|invalid reference format",
        "docker.io/docker///docker|invalid reference format",
        "nginx:|invalid reference format",
        "nginx:-tag|invalid reference format",
        "nginx@|invalid reference format",
        "a/b:c:d|invalid reference format",
        "host:port/x|invalid reference format",
        "[fe80::1%eth0]:5000/x|invalid reference format",
        "x@sha256:abc|invalid reference format",
        "x@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0|invalid checksum digest length",
        "x@md5:0123456789abcdef0123456789abcdef|unsupported digest algorithm",
        "x@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaA|invalid checksum digest length",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|invalid repository name (aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa), cannot specify 64-byte hexadecimal strings",
    })
    void invalidReferencesFailWithUpstreamText(String input, String error) {
        assertThatThrownBy(() -> ImageReference.parse(input))
                .isInstanceOf(InvalidReferenceException.class)
                .hasMessage(error)
                .satisfies(e -> assertThat(((InvalidReferenceException) e).input()).isEqualTo(input));
    }

    @Test
    void uppercaseHexInDigestIsAFormatError() {
        String upper = "A".repeat(64);
        assertThatThrownBy(() -> ImageReference.parse("x@sha256:" + upper)).hasMessage("invalid checksum digest format");
    }

    @Test
    void tagIsLimitedTo128Characters() {
        assertThat(ImageReference.parse("x:" + "t".repeat(128)).tag()).contains("t".repeat(128));
        assertThatThrownBy(() -> ImageReference.parse("x:" + "t".repeat(129))).hasMessage("invalid reference format");
    }

    @Test
    void repositoryPathIsLimitedTo255Characters() {
        String ok = "a".repeat(247);
        assertThat(ImageReference.parse("reg.io/" + "a".repeat(255)).path()).hasSize(255);
        assertThat(ImageReference.parse(ok).path()).hasSize(255);
        assertThatThrownBy(() -> ImageReference.parse("reg.io/" + "a".repeat(256)))
                .hasMessage("repository name must not be more than 255 characters");
        assertThatThrownBy(() -> ImageReference.parse("a".repeat(248)))
                .hasMessage("repository name must not be more than 255 characters");
    }

    @Test
    void partsAreExposed() {
        ImageReference r = ImageReference.parse("127.0.0.1:5000/team/app:v2@sha256:" + H);
        assertThat(r.domain()).isEqualTo("127.0.0.1:5000");
        assertThat(r.path()).isEqualTo("team/app");
        assertThat(r.tag()).contains("v2");
        assertThat(r.digest()).contains(Digest.parse("sha256:" + H));
        assertThat(r.manifestReference()).isEqualTo("sha256:" + H);
        assertThat(r.repository()).isEqualTo("127.0.0.1:5000/team/app");
    }

    @Test
    void defaultTagIsLatestOnlyWithoutTagOrDigest() {
        assertThat(ImageReference.parse("busybox").withDefaultTag().toString()).isEqualTo("docker.io/library/busybox:latest");
        assertThat(ImageReference.parse("busybox").manifestReference()).isEqualTo("latest");
        assertThat(ImageReference.parse("busybox:1").withDefaultTag().tag()).contains("1");
        assertThat(ImageReference.parse("busybox@sha256:" + H).withDefaultTag().tag()).isEmpty();
    }

    @Test
    void familiarFormDropsDockerHubAndLibrary() {
        assertThat(ImageReference.parse("docker.io/library/nginx:1").familiar()).isEqualTo("nginx:1");
        assertThat(ImageReference.parse("user/app").familiar()).isEqualTo("user/app");
        assertThat(ImageReference.parse("localhost/app").familiar()).isEqualTo("localhost/app");
    }

    @Test
    void dockerHubIsReachedThroughRegistryOne() {
        assertThat(ImageReference.parse("nginx").registryHost()).isEqualTo("registry-1.docker.io");
        assertThat(ImageReference.parse("localhost:5000/a").registryHost()).isEqualTo("localhost:5000");
    }

    @Test
    void ofValidatesParts() {
        assertThatThrownBy(() -> ImageReference.of("docker.io", "Up", Optional.empty(), Optional.empty()))
                .hasMessage("invalid reference format");
        assertThatThrownBy(() -> ImageReference.of("docker.io", "a", Optional.of(".x"), Optional.empty()))
                .hasMessage("invalid tag format");
    }
}
