package dev.j8s.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.j8s.oci.manifest.LayerCompression;
import dev.j8s.oci.reference.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In-process ISA-L inflate gives exactly what java.util.zip gives, and refuses what it must. */
class IsalGunzipTest {
    static final UnpackLimits LIMITS = new UnpackLimits(64L << 20, 100, 10_000, 4096, 0);
    static final LayerExtractor ISAL = new LayerExtractor(LIMITS, LayerExtractor.Gzip.ISAL_LIBRARY);
    static final LayerExtractor JAVA = new LayerExtractor(LIMITS, LayerExtractor.Gzip.JAVA_ZIP);

    @TempDir Path temp;

    @BeforeEach
    void needsLibisal() {
        assumeTrue(IsalGunzip.usable(), "libisal.so.2 (Debian package libisal2) is not installed");
    }

    @Test
    void theLibraryIsPreferredWhenItLoads() {
        assertThat(LayerExtractor.Gzip.detect()).isEqualTo(LayerExtractor.Gzip.ISAL_LIBRARY);
        assertThat(new LayerExtractor(LIMITS).gzip()).isEqualTo(LayerExtractor.Gzip.ISAL_LIBRARY);
    }

    @Test
    void thePropertyOverridesTheChoice() {
        try {
            System.setProperty("j8s.oci.gzip", "java");
            assertThat(LayerExtractor.Gzip.detect()).isEqualTo(LayerExtractor.Gzip.JAVA_ZIP);
            System.setProperty("j8s.oci.gzip", "igzip");
            assertThat(LayerExtractor.Gzip.detect()).isEqualTo(ExternalGunzip.detect().isPresent()
                    ? LayerExtractor.Gzip.IGZIP_TOOL : LayerExtractor.Gzip.JAVA_ZIP);
        } finally {
            System.clearProperty("j8s.oci.gzip");
        }
    }

    static byte[] mixed(long seed, int size) {
        Random r = new Random(seed);
        byte[] data = new byte[size];
        String[] words = {"alpha ", "beta ", "gamma ", "delta\n", "epsilon ", "zeta "};
        int i = 0;
        while (i < size) {
            int kind = r.nextInt(3);
            int run = 1 + r.nextInt(70_000);
            for (int j = 0; j < run && i < size; j++, i++) {
                data[i] = switch (kind) {
                    case 0 -> (byte) r.nextInt();
                    case 1 -> (byte) words[(i / 7) % words.length].charAt(i % 5);
                    default -> 0;
                };
            }
        }
        return data;
    }

    static byte[] gzip(byte[] data, int level) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out) {
            {
                def.setLevel(level);
            }
        }) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static byte[] isal(byte[] gz) throws IOException {
        try (IsalGunzip in = new IsalGunzip(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    static byte[] javaZip(byte[] gz) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    @Test
    void randomDataOfManySizesAndLevelsRoundTrips() throws IOException {
        for (int size : new int[] {0, 1, 31, 65_536, 262_144, 262_145, 1_000_003, 5_000_000}) {
            for (int level : new int[] {0, 1, 6, 9}) {
                byte[] data = mixed(size * 31L + level, size);
                byte[] gz = gzip(data, level);
                assertThat(isal(gz)).as("size %d level %d", size, level).isEqualTo(data).isEqualTo(javaZip(gz));
            }
        }
    }

    @Test
    void smallReadsAndTrickledInputGiveTheSameBytes() throws IOException {
        byte[] data = mixed(7, 700_000);
        byte[] gz = gzip(data, 6);
        InputStream trickle = new ByteArrayInputStream(gz) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + (pos % 13))); // 1..13 bytes per read
            }
        };
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (IsalGunzip in = new IsalGunzip(trickle)) {
            byte[] buf = new byte[777];
            int n;
            while ((n = in.read(buf, 0, buf.length)) >= 0) {
                got.write(buf, 0, n);
            }
            assertThat(in.read()).isEqualTo(-1);
        }
        assertThat(got.toByteArray()).isEqualTo(data);
    }

    @Test
    void realLayersCompressedByOtherToolsRoundTrip() throws Exception {
        // A real tree (this JDK's lib dir) tarred, gzipped by GNU gzip and by igzip where installed.
        Path tar = temp.resolve("layer.tar");
        run("tar", "-C", "/usr/lib/jvm/temurin-25-jdk-amd64", "-cf", tar.toString(), "lib/security", "conf", "legal", "include");
        byte[] plain = Files.readAllBytes(tar);
        for (String tool : new String[] {"/usr/bin/gzip", "/usr/bin/igzip", "/usr/bin/pigz"}) {
            if (!Files.isExecutable(Path.of(tool))) {
                continue;
            }
            Path gz = temp.resolve("layer.tar." + Path.of(tool).getFileName());
            run("sh", "-c", tool + " -c " + tar + " > " + gz);
            byte[] compressed = Files.readAllBytes(gz);
            assertThat(isal(compressed)).as(tool).isEqualTo(plain);
            Path a = Files.createDirectory(temp.resolve("isal-" + Path.of(tool).getFileName()));
            Path b = Files.createDirectory(temp.resolve("java-" + Path.of(tool).getFileName()));
            LayerStats viaIsal = ISAL.extract("l", new ByteArrayInputStream(compressed), LayerCompression.GZIP, a);
            LayerStats viaJava = JAVA.extract("l", new ByteArrayInputStream(compressed), LayerCompression.GZIP, b);
            assertThat(viaIsal).isEqualTo(viaJava);
            assertThat(viaIsal.diffId()).isEqualTo(Digest.sha256(plain));
            assertThat(Files.readAllBytes(a.resolve("lib/security/cacerts"))).isEqualTo(Files.readAllBytes(b.resolve("lib/security/cacerts")));
        }
    }

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    }

    @Test
    void concatenatedMembersIncludingEmptyOnesAreOneStream() throws IOException {
        byte[] a = mixed(1, 300_000);
        byte[] b = mixed(2, 100);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(gzip(a, 1));
        all.write(gzip(new byte[0], 6));
        all.write(gzip(b, 9));
        byte[] expected = concat(a, b);
        assertThat(isal(all.toByteArray())).isEqualTo(expected).isEqualTo(javaZip(all.toByteArray()));
    }

    @Test
    void headerFieldsAreSkippedAndTheHeaderCrcChecked() throws IOException {
        byte[] data = mixed(3, 50_000);
        byte[] gz = member(data, true, false);
        assertThat(isal(gz)).isEqualTo(data).isEqualTo(javaZip(gz));
        assertThatThrownBy(() -> isal(member(data, true, true))).hasMessage("Corrupt GZIP header");
    }

    /** A member with FEXTRA, FNAME, FCOMMENT and FHCRC set, the header CRC optionally wrong. */
    static byte[] member(byte[] data, boolean allFields, boolean badHeaderCrc) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.writeBytes(new byte[] {0x1f, (byte) 0x8b, 8, (byte) (allFields ? 2 | 4 | 8 | 16 : 0), 1, 2, 3, 4, 0, 3});
        if (allFields) {
            h.writeBytes(new byte[] {5, 0, 'A', 'B', 1, 0, 9});
            h.writeBytes("name.tar\0".getBytes());
            h.writeBytes("a comment\0".getBytes());
            CRC32 hc = new CRC32();
            hc.update(h.toByteArray());
            int v = (int) hc.getValue() ^ (badHeaderCrc ? 1 : 0);
            h.write(v & 0xff);
            h.write((v >> 8) & 0xff);
        }
        Deflater d = new Deflater(6, true);
        d.setInput(data);
        d.finish();
        byte[] buf = new byte[data.length + 1024];
        int n = d.deflate(buf);
        d.end();
        h.write(buf, 0, n);
        CRC32 c = new CRC32();
        c.update(data);
        writeLe(h, (int) c.getValue());
        writeLe(h, data.length);
        return h.toByteArray();
    }

    static void writeLe(ByteArrayOutputStream out, int v) {
        for (int i = 0; i < 4; i++) {
            out.write((v >> (8 * i)) & 0xff);
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Test
    void aWrongCrcOrSizeInTheTrailerIsRefused() throws IOException {
        byte[] gz = gzip(mixed(4, 400_000), 6);
        byte[] badCrc = gz.clone();
        badCrc[gz.length - 8] ^= 1;
        assertThatThrownBy(() -> isal(badCrc)).hasMessage("Corrupt GZIP trailer");
        byte[] badSize = gz.clone();
        badSize[gz.length - 4] ^= 1;
        assertThatThrownBy(() -> isal(badSize)).hasMessage("Corrupt GZIP trailer");
    }

    @Test
    void truncationAnywhereIsRefused() throws IOException {
        byte[] gz = gzip(mixed(5, 400_000), 6);
        for (int keep : new int[] {0, 1, 5, 9, 10, 11, 100, gz.length / 2, gz.length - 9, gz.length - 8, gz.length - 4, gz.length - 1}) {
            byte[] cut = Arrays.copyOf(gz, keep);
            assertThatThrownBy(() -> isal(cut)).as("kept %d of %d", keep, gz.length)
                    .hasMessage("Unexpected end of ZLIB input stream");
        }
    }

    @Test
    void garbageBeforeOrAfterAMemberIsRefusedLikeGosMultistreamReader() throws IOException {
        assertThatThrownBy(() -> isal("not gzip at all".getBytes())).hasMessage("Not in GZIP format");
        byte[] gz = gzip(mixed(6, 1000), 6);
        assertThatThrownBy(() -> isal(concat(gz, new byte[] {0, 0, 0, 0}))).hasMessage("Not in GZIP format (data after gzip member 1)");
        assertThatThrownBy(() -> isal(concat(gz, new byte[] {0x1f}))).hasMessage("Unexpected end of ZLIB input stream");
        byte[] method = gz.clone();
        method[2] = 7;
        assertThatThrownBy(() -> isal(method)).hasMessage("Unsupported compression method");
    }

    @Test
    void corruptDeflateDataIsRefused() throws IOException {
        byte[] data = mixed(8, 400_000);
        byte[] gz = gzip(data, 6);
        Random r = new Random(8);
        for (int i = 0; i < 40; i++) {
            byte[] bad = gz.clone();
            int at = 10 + r.nextInt(gz.length - 18);
            bad[at] ^= (byte) (1 + r.nextInt(255));
            assertThatThrownBy(() -> isal(bad)).as("flipped byte %d", at).isInstanceOf(IOException.class)
                    .satisfies(e -> assertThat(e.getMessage()).isIn("Corrupt GZIP trailer", "invalid block type",
                            "invalid literal/length code", "invalid distance too far back", "Unexpected end of ZLIB input stream",
                            "Not in GZIP format (data after gzip member 1)"));
        }
        byte[] badBlockType = gzip(data, 6);
        badBlockType[10] = 0x07; // BFINAL=1, BTYPE=11 (reserved)
        assertThatThrownBy(() -> isal(badBlockType)).hasMessage("invalid block type");
    }

    @Test
    void extractionErrorsReadAsLayerExceptionsWithTheSameTexts() throws IOException {
        byte[] gz = gzip(new TarBuilder().file("f", "x".repeat(100_000)).build(), 6);
        byte[] badCrc = gz.clone();
        badCrc[gz.length - 7] ^= 1;
        assertThatThrownBy(() -> ISAL.extract("l", new ByteArrayInputStream(badCrc), LayerCompression.GZIP, Files.createDirectory(temp.resolve("c"))))
                .isInstanceOf(LayerException.class).hasMessage("layer l: Corrupt GZIP trailer");
        assertThatThrownBy(() -> JAVA.extract("l", new ByteArrayInputStream(badCrc), LayerCompression.GZIP, Files.createDirectory(temp.resolve("c2"))))
                .isInstanceOf(LayerException.class).hasMessage("layer l: Corrupt GZIP trailer");
        assertThatThrownBy(() -> ISAL.extract("l", new ByteArrayInputStream("not gzip".getBytes()), LayerCompression.GZIP, Files.createDirectory(temp.resolve("g"))))
                .isInstanceOf(LayerException.class).hasMessage("layer l: Not in GZIP format");
        assertThatThrownBy(() -> ISAL.extract("l", new ByteArrayInputStream(Arrays.copyOf(gz, gz.length / 2)), LayerCompression.GZIP,
                Files.createDirectory(temp.resolve("t"))))
                .isInstanceOf(LayerException.class).hasMessage("layer l: Unexpected end of ZLIB input stream");
    }

    @Test
    void aDigestMismatchOfTheSourceIsReportedAsItself() throws IOException {
        byte[] gz = gzip(new TarBuilder().file("f", "x".repeat(300_000)).build(), 6);
        InputStream wrongDigest = new dev.j8s.oci.store.VerifyingInputStream(new ByteArrayInputStream(gz),
                Digest.sha256(new byte[] {1}), gz.length);
        assertThatThrownBy(() -> ISAL.extract("l", wrongDigest, LayerCompression.GZIP, Files.createDirectory(temp.resolve("x"))))
                .isInstanceOf(dev.j8s.oci.store.ContentException.class).hasMessageStartingWith("unexpected commit digest for sha256:");
    }

    @Test
    void aBrokenSourceFailsTheLayerWithItsOwnError() throws IOException {
        byte[] gz = gzip(new TarBuilder().file("f", new String(mixed(9, 500_000), java.nio.charset.StandardCharsets.ISO_8859_1)).build(), 6);
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
        assertThatThrownBy(() -> ISAL.extract("l", breaks, LayerCompression.GZIP, Files.createDirectory(temp.resolve("y"))))
                .isInstanceOf(LayerException.class).hasMessage("layer l: connection reset by peer");
    }

    @Test
    void decompressionBombLimitsStillApply() throws IOException {
        TarArchiveEntry e = new TarArchiveEntry("zeros", TarConstants.LF_NORMAL, true);
        e.setSize(80L << 20);
        byte[] bomb = LayerExtractorTest.gzipTarOfZeros(e, 80L << 20);
        LayerExtractor sizeCap = new LayerExtractor(new UnpackLimits(64L << 20, 100_000, 10, 4096, 0), LayerExtractor.Gzip.ISAL_LIBRARY);
        assertThatThrownBy(() -> sizeCap.extract("sha256:bomb", new ByteArrayInputStream(bomb), LayerCompression.GZIP,
                Files.createDirectory(temp.resolve("s"))))
                .isInstanceOf(LayerException.class).hasMessage("layer sha256:bomb: uncompressed size exceeds the limit of 67108864 bytes");
        assertThatThrownBy(() -> ISAL.extract("sha256:bomb", new ByteArrayInputStream(bomb), LayerCompression.GZIP,
                Files.createDirectory(temp.resolve("r"))))
                .isInstanceOf(LayerException.class).hasMessageContaining("expands more than 100 times")
                .hasMessageContaining("refusing a decompression bomb");
    }

    @Test
    void theThreeStagePipelineGivesTheSameBytesAndErrors() throws IOException {
        byte[] data = mixed(10, 3_000_000);
        byte[] gz = gzip(data, 6);
        try (InputStream in = pipeline(new ByteArrayInputStream(gz))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
            assertThat(in.read()).isEqualTo(-1);
        }
        byte[] badCrc = gz.clone();
        badCrc[gz.length - 8] ^= 1;
        try (InputStream in = pipeline(new ByteArrayInputStream(badCrc))) {
            assertThatThrownBy(in::readAllBytes).hasMessage("Corrupt GZIP trailer");
        }
        // The reader stops early: close returns and the inflating thread leaves the source alone.
        InputStream endless = new InputStream() {
            final byte[] member = gz;
            int pos;

            @Override
            public int read() {
                int b = member[pos] & 0xff;
                pos = (pos + 1) % member.length;
                return b;
            }
        };
        InputStream early = pipeline(endless);
        assertThat(early.readNBytes(1000)).isEqualTo(Arrays.copyOf(data, 1000));
        early.close();
        assertThatThrownBy(early::read).hasMessage("Stream closed");
    }

    @Test
    void chunksOfAnySizeOnEitherSideOfTheInflaterGiveTheSameBytes() throws Exception {
        byte[] data = mixed(12, 400_000);
        byte[] gz = concat(gzip(Arrays.copyOf(data, 150_000), 1), gzip(Arrays.copyOfRange(data, 150_000, data.length), 9));
        for (int[] sizes : new int[][] {{3, 4099}, {65536, 7}, {1, 1 << 20}}) {
            java.security.MessageDigest inflated = dev.j8s.oci.reference.Digest.newSha256();
            try (InputStream in = new ReadAheadStream(Thread.ofVirtual().name("t-inflate"), sizes[1], 3,
                    () -> new IsalGunzip(new ReadAheadStream(Thread.ofVirtual().name("t-read"), sizes[0], 2,
                            () -> ReadAheadStream.reading(new ByteArrayInputStream(gz))))
                            .hashedBy(inflated))) {
                assertThat(in.readAllBytes()).as("chunk sizes %s", Arrays.toString(sizes)).isEqualTo(data);
            }
            assertThat(inflated.digest()).isEqualTo(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        }
    }

    @Test
    void aFillAfterAReadTakesWhatTheReadLeftFirst() throws IOException {
        byte[] data = mixed(13, 300_000);
        try (IsalGunzip in = new IsalGunzip(new ByteArrayInputStream(gzip(data, 6)));
             java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            byte[] head = in.readNBytes(1000);
            java.io.ByteArrayOutputStream rest = new java.io.ByteArrayOutputStream();
            java.lang.foreign.MemorySegment chunk = arena.allocate(50_000);
            int n;
            while ((n = in.fill(chunk)) > 0) {
                rest.write(chunk.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
            assertThat(n).isEqualTo(-1);
            assertThat(concat(head, rest.toByteArray())).isEqualTo(data);
        }
    }

    static InputStream pipeline(InputStream source) {
        return new ReadAheadStream(Thread.ofPlatform().daemon().name("t-inflate"), IsalGunzip.OUT_SIZE, 4,
                () -> new IsalGunzip(new ReadAheadStream(Thread.ofVirtual().name("t-read"), 65536, 4,
                        () -> ReadAheadStream.reading(source))));
    }

    @Test
    void closingTwiceAndReadingAfterCloseAreSafe() throws IOException {
        IsalGunzip in = new IsalGunzip(new ByteArrayInputStream(gzip(new byte[10], 6)));
        in.close();
        in.close();
        assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessage("Stream closed");
    }
}
