package dev.j8s.kubelet.probe;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Connector} for tests: every host is the loopback, so a request to the pod's address {@code 10.244.0.9:80}
 * reaches a test server listening on {@code 127.0.0.1:80}'s stand-in port; records the hosts asked for. Thread-safe.
 */
final class LoopbackConnector implements Connector {
    private final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public SocketChannel connect(String host, int port, Duration timeout) throws IOException {
        asked.add(host + ":" + port);
        SocketChannel channel = SocketChannel.open();
        try {
            channel.socket().connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    List<String> asked() {
        return new ArrayList<>(asked);
    }
}
