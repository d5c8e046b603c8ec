package dev.j8s.kubelet.probe;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * Opens the TCP connections of one probe or hook run: to the pod's own address inside the pod's network namespace,
 * to any other host from the node's; implementations are thread-safe.
 */
@FunctionalInterface
public interface Connector {

    /**
     * A blocking, connected channel to {@code host:port}, connected within {@code timeout}.
     *
     * @throws java.net.ConnectException refused or unreachable
     * @throws java.net.SocketTimeoutException not connected in time
     * @throws java.net.UnknownHostException a name that does not resolve
     */
    SocketChannel connect(String host, int port, Duration timeout) throws IOException;
}
