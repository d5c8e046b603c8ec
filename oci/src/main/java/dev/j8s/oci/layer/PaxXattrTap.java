package dev.j8s.oci.layer;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Follows the tar stream on its way to Commons Compress and keeps the raw bytes of the {@code SCHILY.xattr.*}
 * records of each entry's local PAX header, which Commons Compress decodes as UTF-8 (losing binary values such as
 * {@code security.capability}). It tracks only record boundaries: a 512-byte header, then the entry's data padded
 * to 512 bytes (the size from the header, base-256 or octal, or from a PAX {@code size} record). Callers must check
 * that a raw value decodes to the string Commons Compress reported for the same entry before using it, so a
 * desynchronised tap can only lose a value, never move one to another entry.
 *
 * <p>One reader thread.
 */
final class PaxXattrTap extends FilterInputStream {
    private static final int BLOCK = 512;
    /** Larger local PAX headers are passed through uncaptured (Commons Compress still parses them). */
    private static final int MAX_PAX = 1 << 20;

    private long pos;
    private long nextHeader;
    private final byte[] header = new byte[BLOCK];
    private int headerFill;
    private byte[] pax;
    private long paxStart;
    private Map<String, byte[]> pending = Map.of();
    private long pendingSize = -1;
    private Map<String, byte[]> current = Map.of();

    PaxXattrTap(InputStream in) {
        super(in);
    }

    /** Raw xattr values (name without the {@code SCHILY.xattr.} prefix) of the last entry whose header passed. */
    Map<String, byte[]> xattrs() {
        return current;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            follow(b, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(Math.max(n, 0), 64 * 1024)];
        int r = read(buf, 0, buf.length);
        return Math.max(r, 0);
    }

    private void follow(byte[] b, int off, int n) {
        int i = off;
        int end = off + n;
        while (i < end) {
            if (pos < nextHeader) {
                int k = (int) Math.min(nextHeader - pos, end - i);
                if (pax != null) {
                    long from = Math.max(pos, paxStart);
                    long to = Math.min(pos + k, paxStart + pax.length);
                    if (from < to) {
                        System.arraycopy(b, i + (int) (from - pos), pax, (int) (from - paxStart), (int) (to - from));
                    }
                }
                pos += k;
                i += k;
                if (pax != null && pos >= paxStart + pax.length) {
                    parsePax(pax);
                    pax = null;
                }
            } else {
                int k = Math.min(BLOCK - headerFill, end - i);
                System.arraycopy(b, i, header, headerFill, k);
                headerFill += k;
                pos += k;
                i += k;
                if (headerFill == BLOCK) {
                    headerFill = 0;
                    onHeader();
                }
            }
        }
    }

    private void onHeader() {
        boolean zero = true;
        for (byte x : header) {
            if (x != 0) {
                zero = false;
                break;
            }
        }
        if (zero) {
            nextHeader = pos;
            return;
        }
        byte type = header[156];
        long size = size();
        boolean meta = type == 'x' || type == 'g' || type == 'L' || type == 'K';
        if (!meta && pendingSize >= 0) {
            size = pendingSize;
        }
        if (size < 0) {
            size = 0; // unparseable: Commons Compress refuses the entry anyway
        }
        nextHeader = pos + (size + BLOCK - 1) / BLOCK * BLOCK;
        if (type == 'x') {
            pending = Map.of();
            pendingSize = -1;
            if (size <= MAX_PAX) {
                pax = new byte[(int) size];
                paxStart = pos;
                if (size == 0) {
                    pax = null;
                }
            }
        } else if (!meta) {
            current = pending;
            pending = Map.of();
            pendingSize = -1;
        }
    }

    /** The size field: base-256 when the high bit of its first byte is set, else octal digits. */
    private long size() {
        if ((header[124] & 0x80) != 0) {
            long v = 0;
            for (int k = 125; k < 136; k++) {
                if (v > (Long.MAX_VALUE >> 8)) {
                    return -1;
                }
                v = v << 8 | (header[k] & 0xff);
            }
            return v;
        }
        long v = 0;
        for (int k = 124; k < 136; k++) {
            int c = header[k];
            if (c == 0 || c == ' ') {
                if (v > 0) {
                    break;
                }
                continue;
            }
            if (c < '0' || c > '7') {
                return -1;
            }
            v = v * 8 + (c - '0');
        }
        return v;
    }

    /** Records are {@code "<length> <key>=<value>\n"}, length counting the whole record; values are raw bytes. */
    private void parsePax(byte[] data) {
        Map<String, byte[]> xattrs = new HashMap<>();
        int p = 0;
        while (p < data.length && data[p] != 0) {
            int space = p;
            int length = 0;
            while (space < data.length && data[space] >= '0' && data[space] <= '9' && length < 100_000_000) {
                length = length * 10 + (data[space] - '0');
                space++;
            }
            if (space >= data.length || data[space] != ' ' || length <= space - p + 1 || p + length > data.length
                    || data[p + length - 1] != '\n') {
                break; // malformed: Commons Compress reports it
            }
            int eq = space + 1;
            while (eq < p + length && data[eq] != '=') {
                eq++;
            }
            if (eq < p + length) {
                String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
                byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, p + length - 1);
                if (key.startsWith("SCHILY.xattr.")) {
                    xattrs.put(key.substring("SCHILY.xattr.".length()), value);
                } else if (key.equals("size")) {
                    try {
                        pendingSize = Long.parseLong(new String(value, StandardCharsets.US_ASCII));
                    } catch (NumberFormatException e) {
                        pendingSize = -1;
                    }
                }
            }
            p += length;
        }
        pending = xattrs;
    }
}
