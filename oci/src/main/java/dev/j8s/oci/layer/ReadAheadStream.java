package dev.j8s.oci.layer;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one stage of a layer's pipeline on its own thread, a few chunks ahead of the reader. Gzip layers inflated in
 * process run as three stages, like the {@code igzip} child process setup they replace (feeder thread, tool,
 * reader): the compressed source is read and hashed on one thread, {@link IsalGunzip} inflates on a second (a
 * platform thread: a native call pins a virtual thread's carrier for its whole duration), and the caller untars and
 * writes on its own.
 *
 * <p>The chunks are native memory that the stage fills in place and the reader takes from in place: the inflater
 * inflates straight into a chunk, which is hashed there (the diff ID) and copied once, into the reader's array; the
 * inflater in turn takes its input straight from the reading stage's chunks ({@link #next()}). So each byte is
 * copied once between two stages, and the copy from the socket's arrays into native memory runs on the reading
 * stage's thread, not on the inflating one, the busiest.
 *
 * <p>The stage's producer is opened on the stage's thread and closed there when it ends or fails or the reader closes
 * this stream. A failure is rethrown to the reader, as it was thrown, at the point of the stream where it happened.
 * Memory use is bounded (a fixed number of fixed-size chunks, freed when both the reader has closed this stream and
 * the stage has left). One reader thread; {@link #close()} stops the stage (it never interrupts it, so a refused
 * layer is not reported as a broken download) and waits up to ten seconds for it to leave its source alone.
 */
final class ReadAheadStream extends InputStream {
    /** Fills chunks; used on the stage's thread only. */
    interface Producer extends Closeable {
        /** Writes the next bytes at the start of {@code chunk}: how many (at least one), or -1 at the end. */
        int fill(MemorySegment chunk) throws IOException;

        /** This producer with every byte it produces hashed by {@code md} in place, before the reader gets it. */
        default Producer hashedBy(MessageDigest md) {
            Producer self = this;
            return new Producer() {
                @Override
                public int fill(MemorySegment chunk) throws IOException {
                    int n = self.fill(chunk);
                    if (n > 0) {
                        md.update(chunk.asSlice(0, n).asByteBuffer());
                    }
                    return n;
                }

                @Override
                public void close() throws IOException {
                    self.close();
                }
            };
        }
    }

    /** Opens the stage's producer on the stage's thread. */
    @FunctionalInterface
    interface Stage {
        Producer open() throws IOException;
    }

    /** A producer reading {@code in} (through an array of its own: a stream reads into arrays), closing it at the end. */
    static Producer reading(InputStream in) {
        return new Producer() {
            private byte[] staging;

            @Override
            public int fill(MemorySegment chunk) throws IOException {
                int size = (int) Math.min(chunk.byteSize(), 1 << 20);
                if (staging == null || staging.length < size) {
                    staging = new byte[size];
                }
                int n = in.readNBytes(staging, 0, size);
                if (n == 0) {
                    return -1;
                }
                MemorySegment.copy(staging, 0, chunk, ValueLayout.JAVA_BYTE, 0, n);
                return n;
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }

    private sealed interface Item permits Data, End, Failure {}

    private record Data(MemorySegment chunk, int length) implements Item {}

    private record End() implements Item {}

    private record Failure(Throwable error) implements Item {}

    private final Arena arena = Arena.ofShared();
    /** The reader and the stage's thread: the last of them to be done with the chunks frees them. */
    private final AtomicInteger users = new AtomicInteger(2);
    private final BlockingQueue<MemorySegment> free;
    private final BlockingQueue<Item> full;
    private final Thread worker;
    private volatile boolean closing;
    private boolean closed;
    private Data current;
    private int position;
    private Item last;

    /** Starts {@code stage} on a thread from {@code builder}, at most {@code chunks} chunks of {@code chunkSize} ahead. */
    ReadAheadStream(Thread.Builder builder, int chunkSize, int chunks, Stage stage) {
        this.free = new ArrayBlockingQueue<>(chunks);
        this.full = new ArrayBlockingQueue<>(chunks + 1);
        for (int i = 0; i < chunks; i++) {
            free.add(arena.allocate(chunkSize, 64));
        }
        this.worker = builder.start(() -> run(stage));
    }

    private void run(Stage stage) {
        try {
            Item end;
            try (Producer in = stage.open()) {
                while (true) {
                    MemorySegment chunk = null;
                    while (chunk == null) {
                        if (closing) {
                            return;
                        }
                        chunk = free.poll(50, TimeUnit.MILLISECONDS);
                    }
                    int n = in.fill(chunk);
                    if (n < 0) {
                        end = new End();
                        break;
                    }
                    full.put(new Data(chunk, n)); // never blocks: at most as many data items as chunks are out
                }
            } catch (Throwable t) {
                end = new Failure(t);
            }
            full.add(end); // room for one item beyond the chunks
        } finally {
            release();
        }
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
        if (len == 0) {
            checkOpen();
            return 0;
        }
        if (!advance()) {
            return -1;
        }
        int n = Math.min(len, current.length() - position);
        MemorySegment.copy(current.chunk(), ValueLayout.JAVA_BYTE, position, b, off, n);
        position += n;
        return n;
    }

    /**
     * The unread rest of the current chunk (a chunk with bytes left made current first), all of it taken: the caller
     * reads it in place, until its next call on this stream, which may hand the chunk back to the stage. Empty at
     * the end.
     */
    MemorySegment next() throws IOException {
        if (!advance()) {
            return MemorySegment.NULL;
        }
        MemorySegment rest = current.chunk().asSlice(position, current.length() - position);
        position = current.length();
        return rest;
    }

    /** Makes {@link #current} a chunk with bytes left; false at the end (a failure of the stage is thrown). */
    private boolean advance() throws IOException {
        checkOpen();
        while (current == null || position == current.length()) {
            if (current != null) {
                free.add(current.chunk());
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

    private void checkOpen() throws IOException {
        if (closing) {
            throw new IOException("Stream closed");
        }
    }

    private void rethrowOrEnd() throws IOException {
        if (last instanceof Failure(Throwable t)) {
            switch (t) {
                case IOException io -> throw io;
                case RuntimeException re -> throw re;
                case Error e -> throw e;
                default -> throw new IOException(t);
            }
        }
    }

    private void release() {
        if (users.decrementAndGet() == 0) {
            arena.close();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        current = null;
        try {
            worker.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        release();
    }
}
