package dev.j8s.apiserver.http;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server side of one SPDY/3.1 connection as kubectl's {@code spdystream} speaks it, over any byte transport: the
 * raw connection an HTTP/1.1 {@code Upgrade: SPDY/3.1} leaves ({@link SpdyConnection}) or the binary messages of a
 * WebSocket that tunnels SPDY ({@link SpdyTunnel}, {@code SPDY/3.1+portforward.k8s.io}). It cuts frames out of the
 * bytes it is given, answers PING and every accepted SYN_STREAM at once, and hands streams and their data to a
 * {@link Handler} (exec and attach: {@link RemoteCommandStreams}; port-forward: {@link PortForwardStreams}). Mirrors
 * the server half of {@code k8s.io/apimachinery/pkg/util/httpstream/spdy}.
 *
 * <p>Reading is bounded: a handler that cannot take a data frame at once {@linkplain #hold() holds} the session, and
 * no further frame is parsed (nor more bytes read by the transport) until it {@linkplain #release() releases} it, so
 * a peer that sends faster than the far side takes is held back by TCP, never by memory here. spdystream ignores
 * WINDOW_UPDATE and SETTINGS, so the socket is the only flow control there is.
 *
 * <p>Thread-safe: {@link #receive} is called by the transport's reader, one call at a time; sends from any thread are
 * serialized under one lock (the header compression context is shared by all of them) and wait until the transport
 * wrote them. Hostile input ends the session, never the server: a malformed or oversized frame is answered by GOAWAY
 * and the connection is closed.
 */
final class SpdySession {

    private static final System.Logger LOG = System.getLogger(SpdySession.class.getName());

    /** What {@link Handler#stream} returns to accept a stream (any other value is the RST_STREAM status). */
    static final int ACCEPT = 0;
    /** How long a quiet session stays open (upstream's streaming connection idle timeout is 4h). */
    static final Duration IDLE_TIMEOUT = Duration.ofHours(4);
    private static final int INITIAL_BUFFER = 64 * 1024;

    /** The byte stream a session runs over. */
    interface Transport {

        /** Writes the buffers in order and returns once the peer's socket took them; fails within {@code timeout}. */
        void write(ByteBuffer[] buffers, Duration timeout) throws IOException;

        /**
         * The last hold was released: the transport calls {@link #receive} again (with nothing new, so the frames
         * already buffered are handled) and reads on when it returns true. Called on the releasing thread, which must
         * not be made to wait for the reader.
         */
        void resumeReading();

        /** Closes the connection; idempotent. */
        void close();
    }

    /** What a session's streams mean: exec's channels or port-forward's pairs. Called on the reader's thread. */
    interface Handler {

        /** The transport is open; reading starts after this returns. */
        void opened();

        /**
         * A new stream from the peer; {@link #ACCEPT} answers SYN_REPLY at once, any other value resets it with that
         * RST_STREAM status.
         */
        int stream(int id, Map<String, List<String>> headers, boolean fin);

        /**
         * The stream was accepted and its SYN_REPLY sent: from now on the handler may send on it. The stream's data
         * follows this call.
         */
        default void replied(int id, Map<String, List<String>> headers) {
        }

        /** Data for an accepted stream, in order; {@code fin} when the peer closed its side. Never blocks long. */
        void data(int id, byte[] data, boolean fin);

        /** The peer reset an accepted stream. */
        void reset(int id);

        /** The session is over (closed by either side, or broken); called once. */
        void closed();
    }

    private final Transport transport;
    private final Duration sendTimeout;
    private final String what;
    private Handler handler;
    private final SpdyFrames.Parser parser = new SpdyFrames.Parser();
    private final SpdyFrames.Writer writer = new SpdyFrames.Writer();
    private final Object sendLock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger holds = new AtomicInteger();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    /** Streams accepted from the peer. */
    private final Set<Integer> accepted = ConcurrentHashMap.newKeySet();
    /**
     * Streams the handler is deciding on, or accepted and not answered yet: nothing may be sent on them before their
     * SYN_REPLY (spdystream drops data and FIN that come before it). Changed and waited on under sendLock.
     */
    private final Set<Integer> unanswered = ConcurrentHashMap.newKeySet();
    /** Streams whose sending side we closed (FIN or RST); added under sendLock. */
    private final Set<Integer> finished = ConcurrentHashMap.newKeySet();
    private volatile boolean goneAway;

    // reader state: touched only inside receive, which the transport calls one at a time
    private ByteBuffer input = ByteBuffer.allocate(INITIAL_BUFFER).flip();
    private int lastStreamId;

    /**
     * @param transport   where frames are read from and written to
     * @param sendTimeout how long one write may wait for the peer to read before the session is given up
     * @param what        names the session in logs (e.g. {@code exec [sh]} or {@code portforward default/web})
     */
    SpdySession(Transport transport, Duration sendTimeout, String what) {
        this.transport = transport;
        this.sendTimeout = sendTimeout;
        this.what = what;
    }

    /** Sets the handler; called once, before the transport opens. */
    void handler(Handler handler) {
        this.handler = handler;
    }

    /** The transport is open: tells the handler, before the first {@link #receive}. */
    void opened() {
        handler.opened();
    }

    // ---------------------------------------------------------------- reading

    /**
     * Takes bytes the peer sent (copied; {@code bytes} may be reused) and handles every complete frame until the
     * session is held; returns whether the transport may read on. A protocol violation is answered by GOAWAY and
     * closes the session. Called by one reader at a time.
     */
    boolean receive(ByteBuffer bytes) {
        if (closed.get()) {
            parser.close();
            return false;
        }
        try {
            if (bytes.hasRemaining()) {
                append(bytes);
            }
            while (holds.get() == 0 && !closed.get()) {
                var frame = parser.next(input);
                if (frame.isEmpty()) {
                    break;
                }
                handle(frame.get());
            }
            if (!input.hasRemaining() && input.capacity() > INITIAL_BUFFER) {
                input = ByteBuffer.allocate(INITIAL_BUFFER).flip(); // a large frame came and went
            }
            return holds.get() == 0 && !closed.get();
        } catch (SpdyFrames.ProtocolException e) {
            LOG.log(Level.DEBUG, "SPDY protocol error session=" + what + " error=" + e.getMessage());
            goAway(e.status());
            close();
            return false;
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "SPDY session failed session=" + what + " error=" + e);
            close();
            return false;
        } finally {
            if (closed.get()) {
                parser.close(); // on the reader's thread: never while a frame is being parsed
            }
        }
    }

    /** Appends received bytes after those not yet parsed, growing the buffer for one whole frame at most. */
    private void append(ByteBuffer data) {
        int needed = input.remaining() + data.remaining();
        if (input.capacity() < needed) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(needed, input.capacity() * 2));
            bigger.put(input).flip();
            input = bigger;
        }
        input.compact().put(data).flip();
    }

    private void handle(SpdyFrames.Frame frame) {
        switch (frame) {
            case SpdyFrames.SynStream s -> synStream(s);
            case SpdyFrames.Data d -> {
                if (accepted.contains(d.streamId())) {
                    handler.data(d.streamId(), d.data(), d.fin());
                }
            }
            case SpdyFrames.RstStream r -> {
                if (accepted.contains(r.streamId())) {
                    finished.add(r.streamId());
                    handler.reset(r.streamId());
                }
            }
            case SpdyFrames.Ping p -> sendQuietly(p);
            case SpdyFrames.GoAway g -> {
                // the client is done (kubectl says so once it read our last status) or gives up
                LOG.log(Level.DEBUG, "SPDY client went away session=" + what + " status=" + g.status());
                close();
            }
            case SpdyFrames.Settings s -> {
                // the client's window is irrelevant: spdystream does no flow control
            }
            case SpdyFrames.WindowUpdate w -> {
                if (w.delta() == 0) {
                    throw new SpdyFrames.ProtocolException("WINDOW_UPDATE with a delta of 0");
                }
            }
            case SpdyFrames.Headers h -> {
                // nothing in the Kubernetes protocols uses trailing headers
            }
            case SpdyFrames.SynReply r -> throw new SpdyFrames.ProtocolException("SYN_REPLY from the client for stream "
                    + r.streamId());
            case SpdyFrames.Unknown u -> {
                // unknown control frames are ignored, as the draft requires
            }
        }
    }

    private void synStream(SpdyFrames.SynStream s) {
        if (goneAway) {
            return;
        }
        int id = s.streamId();
        if (id == 0 || id % 2 == 0 || id <= lastStreamId) {
            throw new SpdyFrames.ProtocolException("SYN_STREAM with stream id " + id + " after " + lastStreamId);
        }
        lastStreamId = id;
        unanswered.add(id);
        int verdict;
        try {
            verdict = handler.stream(id, s.headers(), s.fin());
        } catch (RuntimeException e) {
            answered(id);
            throw e;
        }
        if (verdict != ACCEPT) {
            synchronized (sendLock) {
                finished.add(id);
                answered(id);
            }
            sendQuietly(new SpdyFrames.RstStream(id, verdict));
            return;
        }
        accepted.add(id);
        // the handler may already be sending on the stream from another thread: those sends wait for this reply
        try {
            sendQuietly(new SpdyFrames.SynReply(id, 0, Map.of()));
        } finally {
            answered(id);
        }
        handler.replied(id, s.headers());
        if (s.fin()) {
            handler.data(id, new byte[0], true);
        }
    }

    /** The stream's SYN_REPLY or RST_STREAM is out (or will never be): sends waiting for it go on. */
    private void answered(int id) {
        synchronized (sendLock) {
            unanswered.remove(id);
            sendLock.notifyAll();
        }
    }

    /**
     * Waits, under sendLock, until the stream was answered: a handler that starts sending as soon as it accepted a
     * stream (from another thread) must not overtake the SYN_REPLY, which the reader sends right after.
     */
    private void awaitAnswered(int streamId) throws IOException {
        long deadline = System.nanoTime() + sendTimeout.toNanos();
        while (unanswered.contains(streamId) && !closed.get()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("stream " + streamId + " was not answered within " + sendTimeout);
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(sendLock, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("send on stream " + streamId + " interrupted", e);
            }
        }
    }

    /** Holds the session: no frame is parsed and nothing more read until as many {@link #release}s. */
    void hold() {
        holds.incrementAndGet();
    }

    /** Releases one {@link #hold}; the last one lets the transport read on. */
    void release() {
        if (holds.decrementAndGet() == 0 && !closed.get()) {
            transport.resumeReading();
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Sends data on a stream (no FIN), after its SYN_REPLY and never after its FIN; waits until the transport took
     * it.
     */
    void data(int streamId, byte[] data, int offset, int length) throws IOException {
        synchronized (sendLock) {
            awaitAnswered(streamId);
            if (finished.contains(streamId)) {
                throw new IOException("stream " + streamId + " is closed");
            }
            requireOpen();
            write(new ByteBuffer[] {writer.dataHeader(streamId, 0, length), ByteBuffer.wrap(data, offset, length)});
        }
    }

    /** Closes our side of a stream (an empty data frame with FIN), once, after its SYN_REPLY. */
    void fin(int streamId) throws IOException {
        synchronized (sendLock) {
            awaitAnswered(streamId);
            if (finished.add(streamId)) {
                send(new SpdyFrames.Data(streamId, SpdyFrames.FLAG_FIN, new byte[0]));
            }
        }
    }

    /** Resets a stream (RST_STREAM with {@code status}), unless our side of it is closed already. */
    void reset(int streamId, int status) {
        synchronized (sendLock) {
            try {
                awaitAnswered(streamId);
            } catch (IOException e) {
                close();
                return;
            }
            if (finished.add(streamId)) {
                sendQuietly(new SpdyFrames.RstStream(streamId, status));
            }
        }
    }

    /** Whether our side of the stream is closed. */
    boolean finished(int streamId) {
        return finished.contains(streamId);
    }

    /** Serializes and writes frames in order and waits until the transport took them. */
    void send(SpdyFrames.Frame... frames) throws IOException {
        synchronized (sendLock) {
            requireOpen();
            ByteBuffer[] buffers = new ByteBuffer[frames.length];
            for (int i = 0; i < frames.length; i++) {
                buffers[i] = writer.write(frames[i]);
            }
            write(buffers);
        }
    }

    private void write(ByteBuffer[] buffers) throws IOException {
        try {
            transport.write(buffers, sendTimeout);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private void requireOpen() throws IOException {
        if (closed.get()) {
            throw new IOException("SPDY connection closed (" + what + ")");
        }
    }

    /** Sends from the reader's path; a failed write ends the session. */
    private void sendQuietly(SpdyFrames.Frame frame) {
        try {
            send(frame);
        } catch (IOException e) {
            close();
        }
    }

    /** Says GOAWAY (once) with {@code status}: no new streams are accepted. */
    void goAway(int status) {
        synchronized (sendLock) {
            if (goneAway) {
                return;
            }
            goneAway = true;
        }
        try {
            send(new SpdyFrames.GoAway(lastStreamId, status));
        } catch (IOException e) {
            // the connection is gone anyway
        }
    }

    // ---------------------------------------------------------------- closing

    /** Waits up to {@code timeout} for the session to close (the peer hung up, or it was closed). */
    boolean awaitClosed(Duration timeout) throws InterruptedException {
        return closedLatch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean isClosed() {
        return closed.get();
    }

    /** Closes the connection and tells the handler; idempotent. */
    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        transport.close();
        closedLatch.countDown();
        try {
            if (handler != null) {
                handler.closed();
            }
        } finally {
            synchronized (sendLock) {
                writer.close();
                sendLock.notifyAll(); // sends waiting for a reply give up
            }
        }
    }
}
