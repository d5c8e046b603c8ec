package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 2000 connections from other loopback addresses (127.0.0.2-21) that trickle a TLS handshake and never
 * authenticate do not take the server from kubectl, although the server may hold only 1800 file descriptors:
 * it keeps at most 1024 such connections (64 per address), closing the oldest, and kubectl's connections, which
 * authenticate, are never among those it closes.
 *
 * <p>The test JVM holds the 2000 sockets itself: HotSpot raises its soft open-files limit to the hard one (20000
 * here) at start, so nothing more is needed; the server's limit is set with {@code prlimit}, well below the hard
 * limit.
 */
class UnauthenticatedConnectionsIT {

    static final int SOCKETS = 2000;
    static final int ADDRESSES = 20;
    static final int SERVER_FILES = 1800;

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("trickle-node",
            List.of("prlimit", "--nofile=" + SERVER_FILES + ":" + SERVER_FILES, "--"), List.of());

    @Test
    void twoThousandTricklingUnauthenticatedSocketsFromOtherAddressesLeaveKubectlAnswered() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")), "prlimit (util-linux) is needed");
        J8sServer server = SERVERS.server();
        Kubectl kubectl = SERVERS.kubectl();
        int port = server.access().server().getPort();
        List<SocketChannel> sockets = new ArrayList<>();
        AtomicBoolean trickling = new AtomicBoolean(true);
        try {
            for (int i = 0; i < SOCKETS; i++) {
                SocketChannel socket = SocketChannel.open();
                socket.bind(new InetSocketAddress("127.0.0." + (2 + i % ADDRESSES), 0));
                socket.connect(new InetSocketAddress("127.0.0.1", port));
                socket.configureBlocking(false);
                sockets.add(socket);
            }
            // a TLS handshake record header, then one byte of the handshake every 500 ms
            Thread trickler = Thread.ofVirtual().start(() -> {
                byte[] next = {0x16, 0x03, 0x01, 0x02, 0x00};
                for (int round = 0; trickling.get(); round++) {
                    byte b = round < next.length ? next[round] : 0x01;
                    for (SocketChannel s : sockets) {
                        try {
                            s.write(ByteBuffer.wrap(new byte[] {b}));
                        } catch (IOException e) {
                            // closed by the server
                        }
                    }
                    J8sServer.sleep(Duration.ofMillis(500));
                }
            });

            for (int i = 0; i < 3; i++) {
                Kubectl.Result pods = kubectl.run("get", "pods", "-A");
                assertThat(pods.exitCode()).as("kubectl get pods with %d trickling sockets: %s", SOCKETS, pods).isZero();
                assertThat(pods.elapsed()).isLessThan(Duration.ofSeconds(10));
                J8sServer.sleep(Duration.ofSeconds(1));
            }
            long held = sockets.stream().filter(UnauthenticatedConnectionsIT::openAtTheServer).count();
            System.out.printf("%d trickling sockets, %d still held by the server, %d open files in the server%n",
                    SOCKETS, held, openFiles(server));
            assertThat(held).as("trickling sockets the server still holds").isLessThanOrEqualTo(1024);
            trickling.set(false);
            trickler.join(Duration.ofSeconds(10));
        } finally {
            trickling.set(false);
            for (SocketChannel s : sockets) {
                s.close();
            }
        }
        assertThat(kubectl.run("get", "pods", "-A").exitCode()).isZero();
    }

    /** Whether the server has not closed the connection (a read sees no end of stream). */
    private static boolean openAtTheServer(SocketChannel socket) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(256);
            int n;
            while ((n = socket.read(buffer)) > 0) {
                buffer.clear();
            }
            return n == 0;
        } catch (IOException e) {
            return false; // reset
        }
    }

    private static long openFiles(J8sServer server) throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(server.pid()), "fd"))) {
            return fds.count();
        }
    }
}
