package dev.j8s.cli;

import dev.j8s.apiserver.ApiServer;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;

/**
 * Makes the API server reachable from pods: once the pod network's bridge carries its gateway address (the
 * kubelet's first sandbox creates it), the server listens there too, on its port, so in-cluster clients given
 * that address and port reach it with their service-account token and the cluster CA (the serving certificate
 * names the gateway). Thread-safe; one virtual thread that ends once the listener is up.
 */
final class PodGatewayListener {

    private static final System.Logger LOG = System.getLogger(PodGatewayListener.class.getName());
    /** How often the bridge is looked for until it exists; the check is one interface lookup. */
    static final Duration CHECK_EVERY = Duration.ofSeconds(2);

    private PodGatewayListener() {}

    static Thread start(ApiServer server, InetAddress gateway, int port) {
        return Thread.ofVirtual().name("j8s-pod-gateway-listener").start(() -> {
            try {
                while (!present(gateway)) {
                    Thread.sleep(CHECK_EVERY);
                }
                server.listenAlso(new InetSocketAddress(gateway, port));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "pods cannot reach the API server on the pod network gateway address="
                        + gateway.getHostAddress() + ":" + port + " error=" + e.getMessage());
            }
        });
    }

    private static boolean present(InetAddress address) {
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }
}
