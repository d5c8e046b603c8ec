package dev.j8s.oci.store;

import dev.j8s.oci.reference.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Reads at most {@code size} bytes from a stream while hashing them, and at end of stream fails unless
 * exactly {@code size} bytes with the expected digest arrived; one byte more is an error too.
 *
 * <p>Not thread-safe: one reader.
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final Digest expected;
    private final long size;
    private final MessageDigest md;
    private long count;
    private boolean verified;

    public VerifyingInputStream(InputStream in, Digest expected, long size) {
        super(in);
        this.expected = expected;
        this.size = size;
        this.md = expected.newMessageDigest();
    }

    /** Bytes read so far. */
    public long count() {
        return count;
    }

    /** Whether the end was reached and verified. */
    public boolean verified() {
        return verified;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (verified) {
            return -1;
        }
        if (count == size) {
            // Require a clean end of stream: at most size bytes, then EOF.
            if (in.read() >= 0) {
                throw new ContentException("unexpected commit size: more than " + size + " bytes for " + expected);
            }
            finish();
            return -1;
        }
        int want = (int) Math.min(len, size - count);
        int n = in.read(b, off, want);
        if (n < 0) {
            throw new ContentException("short read: expected " + size + " bytes but got " + count + " for " + expected);
        }
        md.update(b, off, n);
        count += n;
        return n;
    }

    /** Reads to the end, verifying; used when the consumer stopped early (e.g. tar end-of-archive). */
    public void drain() throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (read(buf, 0, buf.length) >= 0) {
            // discard
        }
    }

    private void finish() {
        if (!expected.matches(md)) {
            throw new ContentException("unexpected commit digest for " + expected + ": content does not match");
        }
        verified = true;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 64 * 1024)];
        int r = read(buf, 0, buf.length);
        return Math.max(r, 0);
    }

    @Override
    public int available() {
        return 0;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
