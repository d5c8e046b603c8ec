package dev.j8s.oci.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.oci.manifest.LayerCompression;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File capabilities from PAX {@code SCHILY.xattr.security.capability} records reach the file, byte for byte. */
class FileCapabilityTest {
    static final LayerExtractor EXTRACTOR = new LayerExtractor(new UnpackLimits(64L << 20, 100, 10_000, 4096, 0));
    static final int CAP_NET_RAW = 13;
    static final int CAP_SETUID = 7;
    static final int CAP_SETGID = 6;

    @TempDir Path temp;

    static byte[] capV2(long permitted, boolean effective) {
        return ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0x02000000 | (effective ? 1 : 0)).putInt((int) permitted).putInt(0)
                .putInt((int) (permitted >>> 32)).putInt(0).array();
    }

    static byte[] capV3(long permitted, int rootUid) {
        return ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0x03000001).putInt((int) permitted).putInt(0)
                .putInt((int) (permitted >>> 32)).putInt(0).putInt(rootUid).array();
    }

    /** A tar written by hand: a local PAX header with raw binary record values, then a regular file. */
    static byte[] tarWithPax(String name, Map<String, byte[]> records, byte[] content) {
        ByteArrayOutputStream pax = new ByteArrayOutputStream();
        records.forEach((k, v) -> {
            byte[] body = (" " + k + "=").getBytes(StandardCharsets.UTF_8);
            int len = body.length + v.length + 1;
            int total = len + String.valueOf(len).length();
            total = len + String.valueOf(total).length();
            pax.writeBytes(String.valueOf(total).getBytes(StandardCharsets.US_ASCII));
            pax.writeBytes(body);
            pax.writeBytes(v);
            pax.write('\n');
        });
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        entry(tar, "PaxHeaders/" + name, (byte) 'x', pax.toByteArray());
        entry(tar, name, (byte) '0', content);
        tar.writeBytes(new byte[1024]);
        return tar.toByteArray();
    }

    static void entry(ByteArrayOutputStream tar, String name, byte type, byte[] data) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000755");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", data.length));
        put(h, 136, "14000000000");
        h[156] = type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        java.util.Arrays.fill(h, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        tar.writeBytes(h);
        tar.writeBytes(data);
        tar.writeBytes(new byte[(512 - data.length % 512) % 512]);
    }

    static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }

    Path extract(byte[] tar) throws IOException {
        Path root = Files.createDirectory(temp.resolve("root" + System.nanoTime()));
        EXTRACTOR.extract("l", new ByteArrayInputStream(LayerExtractorTest.compress(tar, LayerCompression.GZIP)),
                LayerCompression.GZIP, root);
        return root;
    }

    @Test
    void aPingStyleCapabilityIsApplied() throws IOException {
        byte[] cap = capV2(1L << CAP_NET_RAW, true);
        Path root = extract(tarWithPax("ping", Map.of("SCHILY.xattr.security.capability", cap), "ELF".getBytes()));
        assertThat(root.resolve("ping")).hasContent("ELF");
        assertThat(Native.lgetxattr(root.resolve("ping"), "security.capability")).hasValueSatisfying(v -> assertThat(v).isEqualTo(cap));
    }

    @Test
    void binaryCapabilityBytesThatAreNotUtf8SurviveExactly() throws IOException {
        byte[] cap = capV2(1L << CAP_SETUID | 1L << CAP_SETGID, true); // first permitted byte 0xc0: invalid UTF-8 alone
        assertThat(new String(cap, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8)).isNotEqualTo(cap);
        Path root = extract(tarWithPax("su", Map.of("SCHILY.xattr.security.capability", cap), "x".getBytes()));
        assertThat(Native.lgetxattr(root.resolve("su"), "security.capability")).hasValueSatisfying(v -> assertThat(v).isEqualTo(cap));
    }

    @Test
    void aRevision3CapabilityForRootIsWrittenAsRevision2() throws IOException {
        Path root = extract(tarWithPax("ping", Map.of("SCHILY.xattr.security.capability", capV3(1L << CAP_NET_RAW, 0)), "x".getBytes()));
        assertThat(Native.lgetxattr(root.resolve("ping"), "security.capability"))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(capV2(1L << CAP_NET_RAW, true)));
    }

    @Test
    void revision3ForRootBecomesRevision2AndOtherRootsAreKept() {
        assertThat(FileCapability.forHost(capV3(1L << CAP_NET_RAW, 0))).hasValueSatisfying(v -> assertThat(v).isEqualTo(capV2(1L << CAP_NET_RAW, true)));
        assertThat(FileCapability.forHost(capV3(1L << CAP_NET_RAW, 100_000))).hasValueSatisfying(v -> assertThat(v).isEqualTo(capV3(1L << CAP_NET_RAW, 100_000)));
        assertThat(FileCapability.forHost(new byte[] {1, 2, 3})).isEmpty();
        assertThat(FileCapability.forHost(java.util.Arrays.copyOf(capV2(1, true), 24))).isEmpty();
        byte[] unknownFlag = capV2(1, true);
        unknownFlag[1] = 4;
        assertThat(FileCapability.forHost(unknownFlag)).isEmpty();
    }

    @Test
    void anInvalidCapabilityRefusesTheLayer() {
        assertThatThrownBy(() -> extract(tarWithPax("bad", Map.of("SCHILY.xattr.security.capability", new byte[] {9, 9, 9, 9, 9}), "x".getBytes())))
                .isInstanceOf(LayerException.class)
                .hasMessage("layer l: entry \"bad\": invalid security.capability xattr (5 bytes)");
    }

    @Test
    void trustedAndOtherSecurityXattrsAreNeverAppliedNextToACapability() throws IOException {
        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put("SCHILY.xattr.trusted.overlay.redirect", "/etc".getBytes());
        records.put("SCHILY.xattr.trusted.overlay.opaque", "y".getBytes());
        records.put("SCHILY.xattr.security.selinux", "system_u:object_r:shadow_t:s0".getBytes());
        records.put("SCHILY.xattr.security.capability", capV2(1L << CAP_NET_RAW, true));
        records.put("SCHILY.xattr.user.note", "kept".getBytes());
        Path root = extract(tarWithPax("f", records, "x".getBytes()));
        assertThat(Native.lgetxattr(root.resolve("f"), "trusted.overlay.redirect")).isEmpty();
        assertThat(Native.lgetxattr(root.resolve("f"), "trusted.overlay.opaque")).isEmpty();
        assertThat(Native.lgetxattr(root.resolve("f"), "security.capability")).isPresent();
        assertThat(Native.lgetxattr(root.resolve("f"), "user.note")).hasValueSatisfying(v -> assertThat(v).isEqualTo("kept".getBytes()));
    }

    @Test
    void overlongNamesAndValuesAreNotApplied() throws IOException {
        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put("SCHILY.xattr.user." + "n".repeat(260), "x".getBytes());
        records.put("SCHILY.xattr.user.big", "v".repeat(70_000).getBytes());
        Path root = extract(tarWithPax("f", records, "x".getBytes()));
        assertThat(Native.lgetxattr(root.resolve("f"), "user.big")).isEmpty();
    }

    @Test
    void aCapabilityOnADirectoryIsNotApplied() throws IOException {
        TarBuilder b = new TarBuilder();
        org.apache.commons.compress.archivers.tar.TarArchiveEntry e =
                new org.apache.commons.compress.archivers.tar.TarArchiveEntry("d/", org.apache.commons.compress.archivers.tar.TarConstants.LF_DIR, true);
        e.setMode(0755);
        e.addPaxHeader("SCHILY.xattr.security.capability", new String(capV2(1L << CAP_NET_RAW, true), StandardCharsets.UTF_8));
        byte[] tar = b.raw(e, new byte[0]).build();
        Path root = extract(tar);
        assertThat(Native.lgetxattr(root.resolve("d"), "security.capability")).isEmpty();
    }
}
