package dev.j8s.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.j8s.oci.manifest.LayerCompression;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.store.ContentException;
import dev.j8s.oci.store.VerifyingInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Gzip layers through ISA-L's igzip give what the in-process inflater gives, and fail the same ways. */
class ExternalGunzipTest {
    static final UnpackLimits LIMITS = new UnpackLimits(64L << 20, 100, 10_000, 4096, 0);
    static final LayerExtractor EXTERNAL = new LayerExtractor(LIMITS, Optional.of(ExternalGunzip.IGZIP));
    static final LayerExtractor IN_PROCESS = new LayerExtractor(LIMITS, Optional.empty());

    @TempDir Path temp;

    @BeforeEach
    void needsIgzip() {
        assumeTrue(ExternalGunzip.detect().isPresent(), "igzip (Debian package isal) is not installed");
    }

    static byte[] layer() throws IOException {
        TarBuilder tar = new TarBuilder().dir("d");
        for (int i = 0; i < 20; i++) {
            tar.file("d/f" + i, ("line " + i + " of some layer content\n").repeat(2000 + i * 500));
        }
        return tar.build();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    @Test
    void externalAndInProcessInflateGiveTheSameDiffIdAndFiles() throws IOException {
        byte[] tar = layer();
        byte[] gz = gzip(tar);
        LayerStats ext = EXTERNAL.extract("l", new ByteArrayInputStream(gz), LayerCompression.GZIP, Files.createDirectory(temp.resolve("a")));
        LayerStats in = IN_PROCESS.extract("l", new ByteArrayInputStream(gz), LayerCompression.GZIP, Files.createDirectory(temp.resolve("b")));
        assertThat(ext.diffId()).isEqualTo(Digest.sha256(tar)).isEqualTo(in.diffId());
        assertThat(ext).isEqualTo(in);
        for (int i = 0; i < 20; i++) {
            assertThat(Files.readAllBytes(temp.resolve("a/d/f" + i))).isEqualTo(Files.readAllBytes(temp.resolve("b/d/f" + i)));
        }
    }

    @Test
    void garbageAndTruncatedGzipFailWithTheToolsExitStatus() throws IOException {
        assertThatThrownBy(() -> EXTERNAL.extract("l", new ByteArrayInputStream("not gzip at all".getBytes()),
                LayerCompression.GZIP, Files.createDirectory(temp.resolve("g"))))
                .isInstanceOf(LayerException.class).hasMessageStartingWith("layer l: invalid gzip stream (igzip exit ");
        byte[] gz = gzip(layer());
        byte[] truncated = Arrays.copyOf(gz, gz.length / 2);
        assertThatThrownBy(() -> EXTERNAL.extract("l", new ByteArrayInputStream(truncated), LayerCompression.GZIP,
                Files.createDirectory(temp.resolve("t"))))
                .isInstanceOf(LayerException.class).hasMessageStartingWith("layer l: ");
    }

    @Test
    void aDigestMismatchOfTheSourceIsReportedAsItself() throws IOException {
        byte[] gz = gzip(layer());
        InputStream wrongDigest = new VerifyingInputStream(new ByteArrayInputStream(gz), Digest.sha256(new byte[] {1}), gz.length);
        assertThatThrownBy(() -> EXTERNAL.extract("l", wrongDigest, LayerCompression.GZIP, Files.createDirectory(temp.resolve("x"))))
                .isInstanceOf(ContentException.class).hasMessageStartingWith("unexpected commit digest for sha256:");
    }

    @Test
    void aBrokenSourceFailsTheLayerWithItsOwnError() throws IOException {
        byte[] gz = gzip(layer());
        InputStream breaks = new InputStream() {
            int pos;

            @Override
            public int read() throws IOException {
                if (pos >= gz.length / 3) {
                    throw new IOException("connection reset by peer");
                }
                return gz[pos++] & 0xff;
            }
        };
        assertThatThrownBy(() -> EXTERNAL.extract("l", breaks, LayerCompression.GZIP, Files.createDirectory(temp.resolve("y"))))
                .isInstanceOf(LayerException.class).hasMessage("layer l: connection reset by peer");
    }

    @Test
    void aHostileEntryIsRefusedAsSuchNotAsABrokenDownload() throws IOException {
        byte[] gz = gzip(new TarBuilder().file("../escape", "x").build());
        assertThatThrownBy(() -> EXTERNAL.extract("l", new ByteArrayInputStream(gz), LayerCompression.GZIP,
                Files.createDirectory(temp.resolve("h"))))
                .isInstanceOf(LayerException.class).hasMessage("layer l: entry \"../escape\": path escapes the layer root");
    }

    @Test
    void aDecompressionBombIsStoppedAndTheToolKilled() throws IOException {
        byte[] zeros = new byte[32 << 20];
        byte[] tar = new TarBuilder().file("z", new String(zeros, java.nio.charset.StandardCharsets.ISO_8859_1)).build();
        LayerExtractor small = new LayerExtractor(new UnpackLimits(8L << 20, 100_000, 10, 4096, 0), Optional.of(ExternalGunzip.IGZIP));
        assertThatThrownBy(() -> small.extract("l", new ByteArrayInputStream(gzip(tar)), LayerCompression.GZIP,
                Files.createDirectory(temp.resolve("z"))))
                .isInstanceOf(LayerException.class).hasMessageContaining("uncompressed size exceeds the limit of 8388608 bytes");
    }
}
