package dev.j8s.apiserver.http;

import dev.j8s.apiserver.rest.KubeletClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The streams of one {@code pods/portforward} session over SPDY (kubectl's {@code port-forward}, over a raw upgrade or
 * tunnelled through a WebSocket): for every connection kubectl accepts locally it opens an error stream and a data
 * stream with the same {@code requestID} and {@code port} headers; each complete pair is one TCP connection to that
 * port inside the pod, copied both ways. A failed dial is written on the pair's error stream (kubectl prints it and
 * ends the session); the end of either side is passed on as a half-close. Mirrors the kubelet's
 * {@code pkg/kubelet/cri/streaming/portforward/httpstream.go}.
 *
 * <p>Bounded in both directions: what the pod sends is read only as fast as the client takes it (each data frame waits
 * for the connection to take it), and bytes from the client wait here for a slow pod up to {@link #MAX_QUEUED} per
 * connection, beyond which the whole session stops reading until that connection caught up (as spdystream would).
 * So a reader that stops reading slows the writer and never grows this server's memory.
 *
 * <p>Thread-safe: streams arrive on the session's reader; each connection is served by a reading and a writing virtual
 * thread of its own.
 */
final class PortForwardStreams implements SpdySession.Handler {

    private static final System.Logger LOG = System.getLogger(PortForwardStreams.class.getName());
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("j8s-portforward-timer").factory());

    /** How long one side of a pair may wait for the other (upstream's stream creation timeout). */
    static final Duration STREAM_CREATION_TIMEOUT = Duration.ofSeconds(30);
    /** How long one write may wait for a client that does not read; upstream waits as long as the connection lives. */
    static final Duration SEND_TIMEOUT = SpdySession.IDLE_TIMEOUT;
    /** The most connections one session forwards at once. */
    static final int MAX_PAIRS = 256;
    /** Bytes from the client one connection may hold for a pod that does not read, before the session stops reading. */
    static final int MAX_QUEUED = 64 * 1024;
    /** How long the client's direction may go on after the pod closed its side (containerd waits 1 s). */
    static final Duration LINGER = Duration.ofSeconds(1);
    private static final int CHUNK = 32 * 1024;
    private static final byte[] FIN = new byte[0];

    private final SpdySession session;
    private final KubeletClient.PortForwarder forwarder;
    private final String what;
    private final Map<String, Pair> pairs = new ConcurrentHashMap<>();
    private final Map<Integer, Pair> byStream = new ConcurrentHashMap<>();

    /**
     * @param what names the session in errors and logs ({@code namespace/pod} and the client's address)
     */
    PortForwardStreams(SpdySession session, KubeletClient.PortForwarder forwarder, String what) {
        this.session = session;
        this.forwarder = forwarder;
        this.what = what;
    }

    @Override
    public void opened() {
    }

    /**
     * Upstream's {@code httpStreamReceived}: a stream without a valid {@code port} or {@code streamType} header is
     * reset (the reason only logged, as upstream does).
     */
    @Override
    public int stream(int id, Map<String, List<String>> headers, boolean fin) {
        String problem = invalidHeaders(headers);
        if (problem != null) {
            LOG.log(Level.DEBUG, "port-forward stream rejected session=" + what + " stream=" + id + " error=" + problem);
            return SpdyFrames.RST_CANCEL;
        }
        if (byStream.size() >= 2 * MAX_PAIRS) {
            return SpdyFrames.RST_REFUSED_STREAM;
        }
        return SpdySession.ACCEPT;
    }

    /**
     * Why {@code port}, one of the ports {@code given} names, is not a port, worded as upstream's kubelet; null when
     * it is one (1-65535).
     */
    static String invalidPort(String given, String port) {
        if (!port.matches("[0-9]+")) {
            return "unable to parse \"" + given + "\" as a port: strconv.ParseUint: parsing \"" + port
                    + "\": invalid syntax";
        }
        if (port.length() > 5 || Integer.parseInt(port) > 65535) {
            return "unable to parse \"" + given + "\" as a port: strconv.ParseUint: parsing \"" + port
                    + "\": value out of range";
        }
        if (Integer.parseInt(port) < 1) {
            return "port \"" + given + "\" must be > 0";
        }
        return null;
    }

    /** Why the headers of a new stream are refused, worded as upstream; null when they are fine. */
    static String invalidHeaders(Map<String, List<String>> headers) {
        String port = SpdyHeaderBlock.first(headers, "port");
        if (port.isEmpty()) {
            return "\"port\" header is required";
        }
        String invalid = invalidPort(port, port);
        if (invalid != null) {
            return invalid;
        }
        String type = SpdyHeaderBlock.first(headers, "streamtype");
        if (type.isEmpty()) {
            return "\"streamType\" header is required";
        }
        if (!type.equals("error") && !type.equals("data")) {
            return "invalid stream type \"" + type + "\"";
        }
        return null;
    }

    /**
     * Pairs the accepted stream by its {@code requestID} (older clients send none: the pair is then told by stream
     * ids, error = n and data = n + 2, as upstream guesses it) and starts forwarding once both are there.
     */
    @Override
    public void replied(int id, Map<String, List<String>> headers) {
        String type = SpdyHeaderBlock.first(headers, "streamtype");
        String requestId = SpdyHeaderBlock.first(headers, "requestid");
        if (requestId.isEmpty()) {
            requestId = Integer.toString(type.equals("error") ? id : id - 2);
        }
        int port = Integer.parseInt(SpdyHeaderBlock.first(headers, "port"));
        Pair pair = pairs.computeIfAbsent(requestId, Pair::new);
        byStream.put(id, pair);
        String problem = pair.add(type, id, port);
        if (problem != null) {
            String message = "error processing stream for request " + requestId + ": " + problem;
            LOG.log(Level.DEBUG, "port-forward " + message + " session=" + what);
            Thread.ofVirtual().name("j8s-portforward-error").start(() -> pair.printError(message));
        } else if (pair.complete()) {
            pair.timeout.cancel(false);
            Thread.ofVirtual().name("j8s-portforward-" + requestId).start(pair::forward);
        }
    }

    @Override
    public void data(int id, byte[] data, boolean fin) {
        Pair pair = byStream.get(id);
        if (pair != null && id == pair.dataStream) {
            pair.fromClient(data, fin);
        }
        // the error stream carries nothing from the client; kubectl half-closes it at once
    }

    @Override
    public void reset(int id) {
        Pair pair = byStream.get(id);
        if (pair != null && id == pair.dataStream) {
            pair.close(); // kubectl resets the data stream once it has read all the pod sent, or gives up
        }
    }

    @Override
    public void closed() {
        for (Pair pair : pairs.values()) {
            pair.close();
        }
    }

    /** The error and data streams of one forwarded connection, and that connection. */
    private final class Pair {
        private final String requestId;
        private final ScheduledFuture<?> timeout;
        private final LinkedBlockingQueue<byte[]> toPod = new LinkedBlockingQueue<>();
        // set on the reader's thread before the pair is complete; read by the pair's threads after
        private volatile int errorStream = -1;
        private volatile int dataStream = -1;
        private volatile int port;
        private volatile KubeletClient.PortConnection connection;
        private volatile boolean closed;
        /** Bytes from the client not yet written to the pod, and whether the session is held for them. */
        private int queued;
        private boolean holding;

        Pair(String requestId) {
            this.requestId = requestId;
            this.timeout = TIMER.schedule(this::timedOut, STREAM_CREATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Adds a stream; the problem when that type is assigned already (upstream's wording), else null. */
        String add(String type, int id, int port) {
            if (type.equals("error")) {
                if (errorStream >= 0) {
                    return "error stream already assigned";
                }
                errorStream = id;
            } else {
                if (dataStream >= 0) {
                    return "data stream already assigned";
                }
                dataStream = id;
                this.port = port;
            }
            return null;
        }

        boolean complete() {
            return errorStream >= 0 && dataStream >= 0;
        }

        private void timedOut() {
            if (complete() || closed) {
                return;
            }
            String message = "(conn=" + what + ", request=" + requestId + ") timed out waiting for streams";
            LOG.log(Level.DEBUG, "port-forward " + message);
            printError(message);
            close();
        }

        /** Writes one message on the error stream: what kubectl prints before it ends the session. */
        void printError(String message) {
            int error = errorStream;
            if (error < 0) {
                return;
            }
            byte[] text = message.getBytes(StandardCharsets.UTF_8);
            try {
                session.data(error, text, 0, text.length);
            } catch (IOException e) {
                // the session is gone
            }
        }

        /** Dials the port in the pod and copies both ways until both sides are done. */
        void forward() {
            KubeletClient.PortConnection c;
            try {
                c = forwarder.connect(port);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "port-forward dial failed session=" + what + " port=" + port + " error="
                        + e.getMessage());
                printError(e.getMessage() == null ? e.toString() : e.getMessage());
                close();
                return;
            }
            connection = c;
            if (closed) {
                c.close(); // the client gave up meanwhile
                return;
            }
            Thread writer = Thread.ofVirtual().name("j8s-portforward-in-" + requestId).start(() -> toPod(c));
            fromPod(c);
            try {
                writer.join(LINGER);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            close();
        }

        /** Copies what the pod sends to the data stream, each frame waiting for the client; FIN at the pod's end. */
        private void fromPod(KubeletClient.PortConnection c) {
            byte[] buffer = new byte[CHUNK];
            try {
                InputStream in = c.input(); // closed with the connection: the client's direction may go on a moment
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (n > 0) {
                        session.data(dataStream, buffer, 0, n);
                    }
                }
                session.fin(dataStream);
                // no error can follow: kubectl up to 1.30 reads the error stream to its end before it closes its
                // side of the connection, so waiting for that side first would hold every connection a while
                session.fin(errorStream);
            } catch (IOException e) {
                // the client reset the stream, the session ended, or the pod's connection broke
            }
        }

        /** Takes what the client sent, in order, and writes it to the pod; a half-close at the client's FIN. */
        private void toPod(KubeletClient.PortConnection c) {
            try {
                OutputStream out = c.output();
                while (!closed) {
                    byte[] chunk = toPod.take();
                    if (chunk == FIN) {
                        c.shutdownOutput();
                        return;
                    }
                    out.write(chunk);
                    out.flush();
                    written(chunk.length);
                }
            } catch (IOException e) {
                // the pod closed its side or the connection is gone: what else the client sends is dropped
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Queues bytes from the client; the session stops reading while more than {@link #MAX_QUEUED} wait. */
        synchronized void fromClient(byte[] data, boolean fin) {
            if (closed) {
                return;
            }
            if (data.length > 0) {
                toPod.add(data);
                queued += data.length;
                if (queued > MAX_QUEUED && !holding) {
                    holding = true;
                    session.hold();
                }
            }
            if (fin) {
                toPod.add(FIN);
            }
        }

        private synchronized void written(int n) {
            queued -= n;
            if (holding && queued <= MAX_QUEUED / 2) {
                holding = false;
                session.release();
            }
        }

        /** Ends the connection and the pair: the pod's socket closed, the error stream closed, the session released. */
        void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                toPod.clear();
                toPod.add(FIN); // wakes the writer
                queued = 0;
                if (holding) {
                    holding = false;
                    session.release();
                }
            }
            timeout.cancel(false);
            KubeletClient.PortConnection c = connection;
            if (c != null) {
                c.close();
            }
            // as upstream's handler closes both when the forward returns: kubectl reads the data stream to its end,
            // then the error stream, before it moves on
            for (int stream : new int[] {errorStream, dataStream}) {
                if (stream >= 0 && !session.isClosed()) {
                    try {
                        session.fin(stream);
                    } catch (IOException e) {
                        // the session is gone
                    }
                }
            }
            pairs.remove(requestId, this);
            byStream.remove(errorStream, this);
            byStream.remove(dataStream, this);
        }
    }
}
