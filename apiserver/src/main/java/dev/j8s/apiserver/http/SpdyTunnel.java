package dev.j8s.apiserver.http;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.Function;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * A WebSocket that tunnels SPDY ({@code SPDY/3.1+portforward.k8s.io}, kubectl 1.31 and later): the SPDY bytes ride in
 * binary messages whose boundaries mean nothing, and carry one {@link SpdySession} as a raw upgrade would. Mirrors
 * client-go's {@code tools/portforward/tunneling_connection.go} from the server's side. Public only because Jetty
 * invokes the listener methods reflectively.
 *
 * <p>The next message is demanded from Jetty only while the session is not held, so a held session stops reading the
 * socket. Thread-safe: Jetty delivers one message at a time, and a released hold re-enters under the same lock.
 */
public final class SpdyTunnel implements Session.Listener, SpdySession.Transport {

    private static final System.Logger LOG = System.getLogger(SpdyTunnel.class.getName());
    /** The WebSocket sub-protocol of port-forward's tunnel. */
    static final String PROTOCOL = "SPDY/3.1+portforward.k8s.io";
    /** The largest message we take: a whole SPDY data frame of the largest size the parser accepts. */
    private static final long MAX_MESSAGE = SpdyFrames.MAX_DATA_LENGTH + SpdyFrames.HEADER_BYTES;

    private final SpdySession session;
    private final Object readLock = new Object();
    private volatile Session websocket;
    /** Whether a frame was demanded from Jetty and not yet delivered; guarded by readLock. */
    private boolean demanded;

    SpdyTunnel(Duration sendTimeout, String what, Function<SpdySession, SpdySession.Handler> handler) {
        this.session = new SpdySession(this, sendTimeout, what);
        session.handler(handler.apply(session));
    }

    @Override
    public void onWebSocketOpen(Session websocket) {
        this.websocket = websocket;
        websocket.setIdleTimeout(SpdySession.IDLE_TIMEOUT);
        websocket.setMaxBinaryMessageSize(MAX_MESSAGE);
        session.opened();
        synchronized (readLock) {
            demand();
        }
    }

    /** Asks Jetty for the next frame, once; guarded by readLock. */
    private void demand() {
        Session s = websocket;
        if (!demanded && s != null && s.isOpen()) {
            demanded = true;
            s.demand();
        }
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        synchronized (readLock) {
            demanded = false;
            boolean more = session.receive(payload);
            callback.succeed(); // the session copied what it did not parse yet
            if (more) {
                demand();
            }
        }
    }

    @Override
    public void onWebSocketText(String message) {
        // client-go's tunnel sends binary messages only ("invalid message type received" on its side)
        LOG.log(Level.DEBUG, "text message in a SPDY tunnel: closing it");
        session.close();
    }

    @Override
    public void onWebSocketPing(ByteBuffer payload) {
        Session s = websocket;
        if (s != null && s.isOpen()) {
            s.sendPong(payload, Callback.NOOP);
        }
        frameDone();
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        frameDone();
    }

    /** A control frame consumed the demand: ask for the next unless the session is held. */
    private void frameDone() {
        synchronized (readLock) {
            demanded = false;
        }
        readOn();
    }

    @Override
    public void resumeReading() {
        Thread.ofVirtual().name("j8s-spdy-tunnel-resume").start(this::readOn);
    }

    /** Handles the frames already buffered and demands more unless the session is held (again). */
    private void readOn() {
        synchronized (readLock) {
            if (session.receive(ByteBuffer.allocate(0))) {
                demand();
            }
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        session.close();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.log(Level.DEBUG, "SPDY tunnel failed error=" + cause);
        session.close();
    }

    @Override
    public void write(ByteBuffer[] buffers, Duration timeout) throws IOException {
        Session s = websocket;
        if (s == null || !s.isOpen()) {
            throw new IOException("SPDY tunnel closed");
        }
        ByteBuffer message;
        if (buffers.length == 1) {
            message = buffers[0];
        } else {
            int size = 0;
            for (ByteBuffer b : buffers) {
                size += b.remaining();
            }
            message = ByteBuffer.allocate(size);
            for (ByteBuffer b : buffers) {
                message.put(b);
            }
            message.flip();
        }
        ExecChannels.sendAndWait(callback -> s.sendBinary(message, callback), "SPDY tunnel", timeout);
    }

    @Override
    public void close() {
        Session s = websocket;
        if (s != null && s.isOpen()) {
            s.close(StatusCode.NORMAL, "", Callback.NOOP);
        }
    }
}
