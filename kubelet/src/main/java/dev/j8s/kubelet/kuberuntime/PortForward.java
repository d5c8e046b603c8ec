package dev.j8s.kubelet.kuberuntime;

import dev.j8s.kubelet.format.GoErrors;
import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.ContainerRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Port-forwarding into one pod's sandbox, as containerd's CRI {@code PortForward} does it
 * ({@code internal/cri/server/sandbox_portforward_linux.go}): {@code localhost:port} is dialled from inside the pod's
 * network namespace, IPv4 first and then IPv6 (a server bound to {@code 127.0.0.1} in the pod is reached, which a
 * dial of the pod's IP from the node would miss). Immutable and thread-safe.
 *
 * @param sandboxId the pod's ready sandbox, found once for a port-forward session (upstream's {@code GetPortForward})
 * @param netns     its network namespace, named in errors
 */
public record PortForward(ContainerRuntime runtime, String sandboxId, Path netns) {

    /** How long one dial may take; a loopback connect answers at once, so this only bounds a stuck namespace. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    /**
     * A new connection to {@code localhost:port} in the pod.
     *
     * @throws IOException when neither address answers, with the text upstream's kubelet writes on the port-forward
     *     error stream: {@code error forwarding port 80 to pod <sandbox>, uid : failed to execute portforward in
     *     network namespace "<netns>": failed to connect to localhost:80 inside namespace "<sandbox>", IPv4: dial tcp4
     *     127.0.0.1:80: connect: connection refused IPv6 dial tcp6 [::1]:80: connect: connection refused }
     */
    public SocketChannel connect(int port) throws IOException {
        IOException v4;
        try {
            return runtime.connect(sandboxId, new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port),
                    CONNECT_TIMEOUT);
        } catch (IOException e) {
            v4 = e;
        } catch (ContainerRuntimeException e) {
            throw failed(port, e.getMessage());
        }
        try {
            return runtime.connect(sandboxId, new InetSocketAddress(InetAddress.ofLiteral("::1"), port),
                    CONNECT_TIMEOUT);
        } catch (IOException v6) {
            throw failed(port, "failed to execute portforward in network namespace \"" + netns + "\": failed to "
                    + "connect to localhost:" + port + " inside namespace \"" + sandboxId + "\", IPv4: "
                    + GoErrors.dial("tcp4", "127.0.0.1", port, v4) + " IPv6 " + GoErrors.dial("tcp6", "::1", port, v6)
                    + " ");
        } catch (ContainerRuntimeException e) {
            throw failed(port, e.getMessage());
        }
    }

    /** The streaming server's wrapping: the CRI names the pod by its sandbox and passes no UID. */
    private IOException failed(int port, String cause) {
        return new IOException("error forwarding port " + port + " to pod " + sandboxId + ", uid : " + cause);
    }
}
