package dev.j8s.oci.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DigestTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "sha256|invalid checksum digest format",
        "sha256:|invalid checksum digest format",
        ":abc|invalid checksum digest format",
        "sha256:../../x|invalid checksum digest length",
        "sha256:../../../../../../../../../../../../../../../../../../../../../x|invalid checksum digest format",
        "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|invalid checksum digest length",
        "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|invalid checksum digest length",
        "sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|invalid checksum digest format",
        "sha384:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|invalid checksum digest length",
        "md5:d41d8cd98f00b204e9800998ecf8427e|unsupported digest algorithm",
        "MD5:d41d8cd98f00b204e9800998ecf8427e|invalid checksum digest format",
    })
    void invalidDigestsFailWithGoDigestText(String input, String error) {
        assertThatThrownBy(() -> Digest.parse(input)).isInstanceOf(InvalidReferenceException.class).hasMessage(error);
    }

    @Test
    void digestsOfBytesMatchKnownValues() {
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        assertThat(Digest.sha256(abc).toString())
                .isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Digest.of("sha384", abc).hex()).hasSize(96).startsWith("cb00753f45a35e8b");
        assertThat(Digest.of("sha512", abc).hex()).hasSize(128).startsWith("ddaf35a193617aba");
        assertThat(Digest.parse(Digest.sha256(abc).toString())).isEqualTo(Digest.sha256(abc));
    }

    @Test
    void matchesComparesAStreamingHash() {
        Digest d = Digest.sha256(new byte[] {1, 2, 3});
        var md = d.newMessageDigest();
        md.update(new byte[] {1, 2, 3});
        assertThat(d.matches(md)).isTrue();
        md.update(new byte[] {1, 2, 4});
        assertThat(d.matches(md)).isFalse();
    }
}
