package dev.j8s.kubelet.probe;

import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.Sockets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * The {@link Connector} of one pod: its own address is reached from inside its network namespace (through the
 * runtime's sandbox), any other host from the node's, as upstream's kubelet reaches a {@code host} given in the spec.
 * Immutable and thread-safe.
 */
public record PodConnector(ContainerRuntime runtime, String sandboxId, String podIp) implements Connector {

    @Override
    public SocketChannel connect(String host, int port, Duration timeout) throws IOException {
        if (!podIp.isEmpty() && host.equals(podIp)) {
            return runtime.connect(sandboxId, new InetSocketAddress(InetAddress.ofLiteral(podIp), port), timeout);
        }
        InetSocketAddress target = new InetSocketAddress(host, port);
        if (target.isUnresolved()) {
            throw new UnknownHostException(host);
        }
        return Sockets.connect(SocketChannel.open(Sockets.familyOf(target)), target, timeout);
    }
}
