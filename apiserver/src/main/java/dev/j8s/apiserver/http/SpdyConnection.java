package dev.j8s.apiserver.http;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.FutureCallback;

/**
 * The connection an HTTP/1.1 {@code Upgrade: SPDY/3.1} turns into (kubectl 1.27-1.30, and the fallback of later ones,
 * for exec, attach and port-forward): the bytes of the socket carry one {@link SpdySession}. Jetty installs it once the
 * 101 is written. Reading stops while the session is held, so the socket holds a fast client back. Thread-safe: Jetty
 * calls {@link #onFillable} one at a time, and a released hold re-enters it through the executor.
 */
final class SpdyConnection extends AbstractConnection implements Connection.UpgradeTo, SpdySession.Transport {

    private static final System.Logger LOG = System.getLogger(SpdyConnection.class.getName());
    private static final int READ_BUFFER = 64 * 1024;

    private final SpdySession session;
    private final Object readLock = new Object();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER);
    private ByteBuffer leftover;

    /**
     * @param handler makes the session's handler (exec's channels, port-forward's pairs) for the session
     */
    SpdyConnection(EndPoint endPoint, Executor executor, Duration sendTimeout, String what,
            Function<SpdySession, SpdySession.Handler> handler) {
        super(endPoint, executor);
        this.session = new SpdySession(this, sendTimeout, what);
        session.handler(handler.apply(session));
    }

    @Override
    public void onUpgradeTo(ByteBuffer buffer) {
        if (buffer != null && buffer.hasRemaining()) {
            // bytes the client sent right behind its request: handled once open
            leftover = ByteBuffer.allocate(buffer.remaining()).put(buffer).flip();
        }
    }

    @Override
    public void onOpen() {
        super.onOpen();
        getEndPoint().setIdleTimeout(SpdySession.IDLE_TIMEOUT.toMillis());
        session.opened();
        getExecutor().execute(this::onFillable);
    }

    /**
     * Checks a SPDY upgrade request and picks the first of our {@code protocols} its {@code X-Stream-Protocol-Version}
     * offers, refusing as upstream's {@code httpstream.Handshake} does.
     *
     * @throws dev.j8s.apiserver.errors.ApiError 400 without the upgrade headers or a version, 403 (upstream's
     *     {@code unable to negotiate protocol}) when none of ours is offered
     */
    static String negotiate(ApiHandler.Exchange ex, java.util.List<String> protocols) {
        if (!ex.header("Upgrade").equalsIgnoreCase(ExecEndpoint.SPDY)) {
            throw new dev.j8s.apiserver.errors.ApiError.BadRequest("Upgrade request required");
        }
        java.util.List<String> offered = ex.request.getHeaders().getValuesList("X-Stream-Protocol-Version").stream()
                .flatMap(v -> java.util.Arrays.stream(v.split(","))).map(String::trim).filter(v -> !v.isEmpty())
                .toList();
        if (offered.isEmpty()) {
            throw new dev.j8s.apiserver.errors.ApiError.BadRequest(
                    "unable to upgrade: X-Stream-Protocol-Version is required");
        }
        return offered.stream().filter(protocols::contains).findFirst()
                .orElseThrow(() -> new dev.j8s.apiserver.errors.ApiError.Forbidden("unable to upgrade: unable to "
                        + "negotiate protocol: client supports " + offered + ", server accepts " + protocols));
    }

    /** The upgrade did not happen (the 101 could not be sent): ends the session and what it started. */
    void abort() {
        session.close();
    }

    @Override
    public void onFillable() {
        synchronized (readLock) {
            try {
                ByteBuffer pending = leftover;
                leftover = null;
                if (pending != null && !session.receive(pending)) {
                    return;
                }
                if (!session.receive(ByteBuffer.allocate(0))) {
                    return; // held, or closed
                }
                while (true) {
                    readBuffer.clear().flip();
                    int n = getEndPoint().fill(readBuffer);
                    if (n < 0) {
                        LOG.log(Level.DEBUG, "SPDY connection closed by the client");
                        session.close();
                        return;
                    }
                    if (n == 0) {
                        if (!isFillInterested()) {
                            fillInterested();
                        }
                        return;
                    }
                    if (!session.receive(readBuffer)) {
                        return; // the releasing thread resumes us
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, "SPDY read failed error=" + e);
                session.close();
            }
        }
    }

    @Override
    public void resumeReading() {
        getExecutor().execute(this::onFillable);
    }

    @Override
    public void write(ByteBuffer[] buffers, Duration timeout) throws IOException {
        FutureCallback sent = new FutureCallback();
        getEndPoint().write(sent, buffers);
        try {
            sent.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("SPDY send interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("SPDY send failed: " + e, e);
        }
    }

    @Override
    protected boolean onReadTimeout(TimeoutException timeout) {
        LOG.log(Level.DEBUG, "SPDY session idle for " + SpdySession.IDLE_TIMEOUT);
        session.close();
        return true;
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        session.close();
    }

    @Override
    public void close() {
        getEndPoint().close();
    }
}
