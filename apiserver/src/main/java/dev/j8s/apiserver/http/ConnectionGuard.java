package dev.j8s.apiserver.http;

import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Request;

/**
 * Bounds what clients that have not authenticated can hold: every accepted connection must send the headers of
 * an authenticated request within the read-header timeout (else it is closed), and at most so many such
 * connections are held in all and per client address, the oldest closed to make room. A connection leaves this
 * bound at its first authenticated request: an authenticated client is never closed by it, and a new client
 * always gets its chance, so trickling connections cannot exhaust file descriptors or lock anyone out.
 * Thread-safe; one instance per connector (register it as the connector's event listener).
 */
public final class ConnectionGuard implements Connection.Listener {

    private static final System.Logger LOG = System.getLogger(ConnectionGuard.class.getName());
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("j8s-api-header-timeout").factory());
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final ServingLimits limits;
    private final Object lock = new Object();
    /** Connections not authenticated yet by remote address (one per TCP connection), oldest first; guarded by lock. */
    private final LinkedHashMap<SocketAddress, Pending> pending = new LinkedHashMap<>();
    /** How many of them each client address holds; guarded by lock. */
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private final AtomicLong closedOverLimit = new AtomicLong();
    private final AtomicLong closedAtDeadline = new AtomicLong();
    private volatile long lastWarning = System.nanoTime() - WARN_EVERY_NANOS;

    private record Pending(EndPoint endPoint, InetAddress address, ScheduledFuture<?> deadline) {}

    public ConnectionGuard(ServingLimits limits) {
        this.limits = limits;
    }

    @Override
    public void onOpened(Connection connection) {
        EndPoint endPoint = connection.getEndPoint();
        // TLS and HTTP connections share one socket: count the socket's own connection only
        if (!(endPoint instanceof SocketChannelEndPoint)
                || !(endPoint.getRemoteSocketAddress() instanceof InetSocketAddress remote)) {
            return;
        }
        List<EndPoint> over = new ArrayList<>();
        EndPoint stale = null;
        synchronized (lock) {
            ScheduledFuture<?> deadline = TIMER.schedule(() -> expire(remote), limits.readHeaderTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            Pending replaced = pending.put(remote, new Pending(endPoint, remote.getAddress(), deadline));
            if (replaced != null) {
                // its close was not seen yet: the address and port are the new connection's now
                forget(replaced);
                stale = replaced.endPoint();
            }
            if (perAddress.merge(remote.getAddress(), 1, Integer::sum) > limits.maxUnauthenticatedPerAddress()) {
                over.add(removeOldest(remote.getAddress()));
            }
            if (pending.size() > limits.maxUnauthenticated()) {
                over.add(removeOldest(null));
            }
        }
        if (stale != null) {
            stale.close();
        }
        if (!over.isEmpty()) {
            long total = closedOverLimit.addAndGet(over.size());
            warn("connections that have not authenticated are over the limit, closing the oldest address=" + remote.getAddress().getHostAddress()
                    + " max=" + limits.maxUnauthenticated() + " maxPerAddress=" + limits.maxUnauthenticatedPerAddress()
                    + " closedSoFar=" + total);
            over.forEach(EndPoint::close);
        }
    }

    @Override
    public void onClosed(Connection connection) {
        if (connection.getEndPoint() instanceof SocketChannelEndPoint endPoint
                && endPoint.getRemoteSocketAddress() instanceof InetSocketAddress remote) {
            synchronized (lock) {
                // a late close of an earlier connection from the same address and port leaves the new one alone
                Pending p = pending.get(remote);
                if (p != null && p.endPoint() == endPoint) {
                    remove(remote);
                }
            }
        }
    }

    /** Releases the connection of {@code request}, which authenticated, from the bound. */
    public void authenticated(Request request) {
        SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
        if (remote != null) {
            remove(remote);
        }
    }

    /** Connections holding no authenticated request yet, for tests and diagnostics. */
    public int unauthenticated() {
        synchronized (lock) {
            return pending.size();
        }
    }

    private void expire(SocketAddress remote) {
        Pending p = remove(remote);
        if (p != null) {
            long total = closedAtDeadline.incrementAndGet();
            warn("connection sent no authenticated request within the read-header timeout, closing it address=" + remote
                    + " timeout=" + limits.readHeaderTimeout().toSeconds() + "s closedSoFar=" + total);
            p.endPoint().close();
        }
    }

    private Pending remove(SocketAddress remote) {
        synchronized (lock) {
            Pending p = pending.remove(remote);
            if (p != null) {
                forget(p);
            }
            return p;
        }
    }

    /** Removes the oldest connection of {@code address} (any address when null) and returns its end point. */
    private EndPoint removeOldest(InetAddress address) {
        for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (address == null || p.address().equals(address)) {
                it.remove();
                forget(p);
                return p.endPoint();
            }
        }
        throw new IllegalStateException("no pending connection" + (address == null ? "" : " of " + address));
    }

    private void forget(Pending p) {
        p.deadline().cancel(false);
        perAddress.computeIfPresent(p.address(), (a, n) -> n == 1 ? null : n - 1);
    }

    /** Logs at WARNING at most once a minute (an attack would flood the log), at DEBUG otherwise. */
    private void warn(String message) {
        long now = System.nanoTime();
        long last = lastWarning;
        if (now - last >= WARN_EVERY_NANOS) {
            lastWarning = now;
            LOG.log(Level.WARNING, message);
        } else {
            LOG.log(Level.DEBUG, message);
        }
    }
}
