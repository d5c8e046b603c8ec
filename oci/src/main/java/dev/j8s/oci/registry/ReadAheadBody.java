package dev.j8s.oci.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A response body as an {@link InputStream} that, once the reader has taken the first socket read, keeps up to
 * {@code depth} reads queued ahead of it and asks for more in batches of {@code depth / 2}.
 *
 * <p>The JDK's {@code BodyHandlers.ofInputStream()} queues one read and asks for the next only when the reader
 * takes it: every socket read costs a selector wake-up, and the download stalls whenever the reader (busy
 * inflating) is not waiting. Here the download runs ahead by at most {@code depth} reads (each at most the
 * client's socket buffer, {@code jdk.httpclient.bufsize}), so memory stays bounded.
 *
 * <p>One reader thread; the subscriber side is driven by the HTTP client.
 */
final class ReadAheadBody implements HttpResponse.BodySubscriber<InputStream> {
    private static final Object END = new Object();
    private static final Object CLOSED = new Object();

    private final int depth;
    // List<ByteBuffer>, END, a Throwable, or CLOSED (wakes a reader blocked when another thread closes)
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Stream stream = new Stream();
    private volatile Flow.Subscription subscription;

    private ReadAheadBody(int depth) {
        this.depth = depth;
    }

    /** A handler giving every response such a body. */
    static HttpResponse.BodyHandler<InputStream> handler(int depth) {
        if (depth < 2) {
            throw new IllegalArgumentException("read-ahead depth must be at least 2");
        }
        return info -> new ReadAheadBody(depth);
    }

    @Override
    public CompletionStage<InputStream> getBody() {
        // Complete at once, as the JDK's stream body is: send() returns on the headers, and a connection that
        // breaks before the body starts fails the first read (and is resumed), not the request.
        return CompletableFuture.completedFuture(stream);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        if (subscription != null || stream.closed) {
            s.cancel();
            return;
        }
        subscription = s;
        // One read until the reader takes it, as the JDK's stream body: a body that fails while HttpClient.send()
        // has not yet returned would fail the request itself instead of the (resumable) read.
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        queue.add(item);
    }

    @Override
    public void onError(Throwable t) {
        queue.add(t);
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    private final class Stream extends InputStream {
        private ByteBuffer current = ByteBuffer.allocate(0);
        private List<ByteBuffer> list = List.of();
        private int index;
        private int taken; // items taken since the last request
        private boolean started; // the first item was taken
        private Object pending; // an item polled but not yet consumed (never a List)
        private Throwable failure;
        private volatile boolean eof;
        private volatile boolean closed;

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
                return 0;
            }
            if (!advance()) {
                return -1;
            }
            int n = 0;
            while (true) {
                int k = Math.min(len - n, current.remaining());
                current.get(b, off + n, k);
                n += k;
                if (n == len || (!current.hasRemaining() && !nextQueued())) {
                    return n; // full, or nothing more without blocking
                }
            }
        }

        /** Makes {@code current} non-empty, blocking for the next item; false at end of body. */
        private boolean advance() throws IOException {
            while (!current.hasRemaining()) {
                if (closed) {
                    throw new IOException("stream closed");
                }
                if (index < list.size()) {
                    current = list.get(index++);
                    continue;
                }
                if (failure != null) {
                    throw failure(); // every later read fails too, never a clean end
                }
                if (eof) {
                    return false;
                }
                Object item = pending;
                pending = null;
                try {
                    item = item != null ? item : queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while reading the response body", e);
                }
                accept(item);
            }
            return true;
        }

        /**
         * Moves to the next queued buffer without blocking; false when none is ready. The end, an error or a close
         * is left for the next read, so the bytes already copied are returned first.
         */
        private boolean nextQueued() throws IOException {
            while (!current.hasRemaining()) {
                if (closed) {
                    return false;
                }
                if (index < list.size()) {
                    current = list.get(index++);
                    continue;
                }
                if (pending != null || eof) {
                    return false;
                }
                Object item = queue.poll();
                if (!(item instanceof List)) {
                    pending = item;
                    return false;
                }
                accept(item);
            }
            return true;
        }

        private IOException failure() {
            return failure instanceof IOException io ? new IOException(io.getMessage(), io) : new IOException(failure);
        }

        private void accept(Object item) throws IOException {
            if (item == CLOSED || closed) {
                throw new IOException("stream closed");
            }
            if (item instanceof Throwable t) {
                eof = true;
                failure = t;
                throw failure();
            }
            if (item == END) {
                eof = true;
                return;
            }
            @SuppressWarnings("unchecked")
            List<ByteBuffer> next = (List<ByteBuffer>) item;
            list = next;
            index = 0;
            if (!started) {
                started = true;
                subscription.request(depth - 1); // the reader is here: read ahead from now on
            } else if (++taken >= depth / 2) {
                subscription.request(taken);
                taken = 0;
            }
        }

        @Override
        public int available() {
            return current.remaining();
        }

        /** May be called from another thread (the stall watchdog): a blocked read then fails promptly. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            Flow.Subscription s = subscription;
            if (!eof && s != null) {
                s.cancel(); // the client closes the connection instead of draining it
            }
            queue.clear();
            queue.add(CLOSED);
        }
    }
}
