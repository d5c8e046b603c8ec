package dev.j8s.kubelet.probe;

import dev.j8s.kubelet.format.GoErrors;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * Upstream {@code pkg/probe/tcp}: a connection accepted within the timeout succeeds (and is closed at once), any dial
 * error fails with Go's text ({@code dial tcp 10.244.0.5:80: connect: connection refused}). Stateless and thread-safe.
 */
public final class TcpProbe {
    private TcpProbe() {}

    public static ProbeResult probe(String host, int port, Connector connector, Duration timeout)
            throws InterruptedIOException {
        try (SocketChannel ignored = connector.connect(host, port, timeout)) {
            return ProbeResult.success("");
        } catch (java.net.SocketTimeoutException e) {
            return ProbeResult.failure(GoErrors.dial(host, port, e));
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted probing " + host + ":" + port);
        } catch (IOException e) {
            return ProbeResult.failure(GoErrors.dial(host, port, e));
        }
    }
}
