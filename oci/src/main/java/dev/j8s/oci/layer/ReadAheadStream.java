package dev.j8s.oci.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a stream on its own thread, a few chunks ahead of the reader: one stage of a layer's pipeline. Gzip layers
 * inflated in process run as three stages, like the {@code igzip} child process setup they replace (feeder thread,
 * tool, reader): the compressed source is read and hashed on one thread, {@link IsalGunzip} inflates on a second
 * (a platform thread: a native call pins a virtual thread's carrier for its whole duration), and the caller hashes,
 * untars and writes on its own. Without them an in-process inflate would serialize the layer's whole pipeline.
 *
 * <p>The stage's stream is opened on the stage's thread and closed there when it ends or fails or the reader closes
 * this stream. A failure is rethrown to the reader, as it was thrown, at the point of the stream where it happened.
 * Heap use is bounded (a fixed number of fixed-size chunks). One reader thread; {@link #close()} stops the stage
 * (it never interrupts it, so a refused layer is not reported as a broken download) and waits up to ten seconds for
 * it to leave its source alone.
 */
final class ReadAheadStream extends InputStream {
    /** Opens the stage's stream on the stage's thread. */
    @FunctionalInterface
    interface Stage {
        InputStream open() throws IOException;
    }

    private sealed interface Item permits Data, End, Failure {}

    private record Data(byte[] bytes, int length) implements Item {}

    private record End() implements Item {}

    private record Failure(Throwable error) implements Item {}

    private final BlockingQueue<byte[]> free;
    private final BlockingQueue<Item> full;
    private final Thread worker;
    private volatile boolean closing;
    private Data current;
    private int position;
    private Item last;

    /** Starts {@code stage} on a thread from {@code builder}, at most {@code chunks} chunks of {@code chunkSize} ahead. */
    ReadAheadStream(Thread.Builder builder, int chunkSize, int chunks, Stage stage) {
        this.free = new ArrayBlockingQueue<>(chunks);
        this.full = new ArrayBlockingQueue<>(chunks + 1);
        for (int i = 0; i < chunks; i++) {
            free.add(new byte[chunkSize]);
        }
        this.worker = builder.start(() -> run(stage));
    }

    private void run(Stage stage) {
        Item end;
        try (InputStream in = stage.open()) {
            while (true) {
                byte[] buf = null;
                while (buf == null) {
                    if (closing) {
                        return;
                    }
                    buf = free.poll(50, TimeUnit.MILLISECONDS);
                }
                int n = in.readNBytes(buf, 0, buf.length);
                if (n == 0) {
                    end = new End();
                    break;
                }
                full.put(new Data(buf, n)); // never blocks: at most as many data items as chunks are out
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
        int n = take(len);
        if (n > 0) {
            System.arraycopy(current.bytes(), position, b, off, n);
            position += n;
        }
        return n;
    }

    /**
     * As {@link #read(byte[], int, int)} into native memory: copies straight from the chunk, so a consumer that needs
     * its input off the heap (the in-process inflater) copies each byte once, not through an array of its own.
     */
    int read(MemorySegment dst, long off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, dst.byteSize());
        int n = take(len);
        if (n > 0) {
            MemorySegment.copy(current.bytes(), position, dst, ValueLayout.JAVA_BYTE, off, n);
            position += n;
        }
        return n;
    }

    /**
     * How many bytes a read of {@code len} takes from {@link #current} (made a chunk with bytes left first): 0 for
     * {@code len} 0, -1 at the end; the caller copies them and advances {@link #position}.
     */
    private int take(int len) throws IOException {
        if (closing) {
            throw new IOException("Stream closed");
        }
        if (len == 0) {
            return 0;
        }
        if (!advance()) {
            return -1;
        }
        return Math.min(len, current.length() - position);
    }

    /** Makes {@link #current} a chunk with bytes left; false at the end (a failure of the stage is thrown). */
    private boolean advance() throws IOException {
        while (current == null || position == current.length()) {
            if (current != null) {
                free.add(current.bytes());
                current = null;
            }
            if (last != null) {
                rethrowOrEnd();
                return false;
            }
            Item next;
            try {
                next = full.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading ahead");
            }
            if (next instanceof Data d) {
                current = d;
                position = 0;
            } else {
                last = next;
            }
        }
        return true;
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
            worker.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
