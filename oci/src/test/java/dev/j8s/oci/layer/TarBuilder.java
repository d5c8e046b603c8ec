package dev.j8s.oci.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds (hostile) tar streams in memory for extractor tests. Not thread-safe. */
final class TarBuilder {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, "UTF-8");

    TarBuilder() {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    TarBuilder dir(String name) {
        return dir(name, 0755);
    }

    TarBuilder dir(String name, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, true);
        e.setMode(mode);
        e.setModTime(1_600_000_000_000L);
        return put(e, new byte[0]);
    }

    TarBuilder file(String name, String content) {
        return file(name, content, 0644, 0, 0);
    }

    TarBuilder file(String name, String content, int mode, int uid, int gid) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        e.setMode(mode);
        e.setSize(data.length);
        e.setUserId(uid);
        e.setGroupId(gid);
        e.setModTime(1_600_000_000_000L);
        return put(e, data);
    }

    TarBuilder fileWithXattrs(String name, String content, Map<String, String> xattrs) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        e.setMode(0644);
        e.setSize(data.length);
        xattrs.forEach((k, v) -> e.addPaxHeader("SCHILY.xattr." + k, v));
        return put(e, data);
    }

    TarBuilder symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
        e.setLinkName(target);
        e.setMode(0777);
        return put(e, new byte[0]);
    }

    TarBuilder hardlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
        e.setLinkName(target);
        return put(e, new byte[0]);
    }

    TarBuilder fifo(String name) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_FIFO, true);
        e.setMode(0644);
        return put(e, new byte[0]);
    }

    TarBuilder device(String name, byte type, int major, int minor) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        e.setMode(0666);
        return put(e, new byte[0]);
    }

    /**
     * A PAX extended header entry ({@code x}) holding exactly these records, for the entry that follows: unlike
     * {@link TarArchiveEntry#addPaxHeader}, which interprets well-known keys, the records reach the stream as given.
     */
    TarBuilder paxHeader(Map<String, String> records) {
        StringBuilder body = new StringBuilder();
        records.forEach((k, v) -> {
            String record = " " + k + "=" + v + "\n";
            int length = record.length();
            while (Integer.toString(length).length() + record.length() != length) {
                length = Integer.toString(length).length() + record.length();
            }
            body.append(length).append(record);
        });
        TarArchiveEntry e = new TarArchiveEntry("PaxHeaders/x", TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
        byte[] data = body.toString().getBytes(StandardCharsets.UTF_8);
        e.setSize(data.length);
        e.setModTime(1_600_000_000_000L);
        return put(e, data);
    }

    TarBuilder raw(TarArchiveEntry e, byte[] data) {
        return put(e, data);
    }

    private TarBuilder put(TarArchiveEntry e, byte[] data) {
        try {
            tar.putArchiveEntry(e);
            tar.write(data);
            tar.closeArchiveEntry();
            return this;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    byte[] build() {
        try {
            tar.finish();
            tar.close();
            return bytes.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
