package dev.j8s.oci.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link IsalGunzip} on its own platform thread, a few {@value #CHUNK}-byte chunks ahead of the reader, so
 * that reading the compressed source and inflating it overlap with what the reader does with the output (hashing,
 * untarring, writing files), as the {@code igzip} child process overlaps them; without the second thread an
 * in-process inflate would serialize the layer's whole pipeline on one core. A platform thread, because a native
 * call pins a virtual thread's carrier for its whole duration.
 *
 * <p>A failure of the source or of the inflate is rethrown to the reader, as it was thrown, at the point of the
 * stream where it happened. Heap use is bounded ({@value #CHUNKS} chunks), native memory is the inflater's own and
 * lives on the inflating thread. One reader thread; {@link #close()} stops the inflating thread (it never interrupts
 * it, so a refused layer is not reported as a broken download) and waits up to ten seconds for it to leave the
 * source alone.
 */
final class PipelinedGunzip extends InputStream {
    static final int CHUNK = IsalGunzip.OUT_SIZE;
    static final int CHUNKS = 4;

    private sealed interface Item permits Data, End, Failure {}

    private record Data(byte[] bytes, int length) implements Item {}

    private record End() implements Item {}

    private record Failure(Throwable error) implements Item {}

    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS);
    private final BlockingQueue<Item> full = new ArrayBlockingQueue<>(CHUNKS + 1);
    private final Thread inflater;
    private volatile boolean closing;
    private Data current;
    private int position;
    private Item last;

    /** Starts inflating {@code source} (read to its end, not closed) on a new thread. */
    PipelinedGunzip(InputStream source) {
        for (int i = 0; i < CHUNKS; i++) {
            free.add(new byte[CHUNK]);
        }
        this.inflater = Thread.ofPlatform().daemon().name("isal-inflate").start(() -> inflate(source));
    }

    private void inflate(InputStream source) {
        Item end;
        try (IsalGunzip in = new IsalGunzip(source)) {
            while (true) {
                byte[] buf = null;
                while (buf == null) {
                    if (closing) {
                        return;
                    }
                    buf = free.poll(50, TimeUnit.MILLISECONDS);
                }
                int n = in.read(buf, 0, buf.length);
                if (n < 0) {
                    end = new End();
                    break;
                }
                full.put(new Data(buf, n)); // never blocks: at most CHUNKS data items are out
            }
        } catch (Throwable t) {
            end = new Failure(t);
        }
        full.add(end); // room for one item beyond the chunks
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closing) {
            throw new IOException("Stream closed");
        }
        if (len == 0) {
            return 0;
        }
        while (current == null || position == current.length()) {
            if (current != null) {
                free.add(current.bytes());
                current = null;
            }
            if (last != null) {
                return rethrowOrEnd();
            }
            Item next;
            try {
                next = full.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while inflating");
            }
            if (next instanceof Data d) {
                current = d;
                position = 0;
            } else {
                last = next;
            }
        }
        int n = Math.min(len, current.length() - position);
        System.arraycopy(current.bytes(), position, b, off, n);
        position += n;
        return n;
    }

    private int rethrowOrEnd() throws IOException {
        if (last instanceof Failure(Throwable t)) {
            switch (t) {
                case IOException io -> throw io;
                case RuntimeException re -> throw re;
                case Error e -> throw e;
                default -> throw new IOException(t);
            }
        }
        return -1;
    }

    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        try {
            inflater.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
