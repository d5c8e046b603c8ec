package dev.j8s.kubelet.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link TcpProbe} and {@link GrpcProbe} against real listeners on the loopback (a grpc-java health server). */
class TcpAndGrpcProbeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private final LoopbackConnector connector = new LoopbackConnector();

    @Test
    void aListeningPortSucceedsAndAClosedOneFailsWithGosDialError() throws Exception {
        try (ServerSocket listening = new ServerSocket(0)) {
            assertThat(TcpProbe.probe("10.244.0.9", listening.getLocalPort(), connector, TIMEOUT))
                    .isEqualTo(ProbeResult.success(""));
        }
        int closed = freePort();
        assertThat(TcpProbe.probe("10.244.0.9", closed, connector, TIMEOUT)).isEqualTo(ProbeResult.failure(
                "dial tcp 10.244.0.9:" + closed + ": connect: connection refused"));
    }

    @Test
    void aConnectionNotMadeInTimeFailsAsAnIoTimeoutNotAsAnInterruption() throws Exception {
        Connector slow = (host, port, timeout) -> {
            throw new java.net.SocketTimeoutException("connect timed out");
        };
        assertThat(TcpProbe.probe("10.244.0.9", 80, slow, TIMEOUT))
                .isEqualTo(ProbeResult.failure("dial tcp 10.244.0.9:80: i/o timeout"));
        assertThat(GrpcProbe.probe("10.244.0.9", "", 9000, slow, Duration.ofSeconds(1))).isEqualTo(ProbeResult.failure(
                "timeout: failed to connect service \"10.244.0.9:9000\" within 1s: context deadline exceeded"));
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void theGrpcHealthCheckFollowsTheServingStatusOfTheServerAndOfANamedService() throws Exception {
        HealthStatusManager health = new HealthStatusManager();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(health.getHealthService()).build().start();
        try {
            int port = server.getPort();
            assertThat(GrpcProbe.probe("10.244.0.9", "", port, connector, TIMEOUT))
                    .isEqualTo(ProbeResult.success("service healthy"));

            health.setStatus("", ServingStatus.NOT_SERVING);
            assertThat(GrpcProbe.probe("10.244.0.9", "", port, connector, TIMEOUT))
                    .isEqualTo(ProbeResult.failure("service unhealthy (responded with \"NOT_SERVING\")"));

            health.setStatus("billing", ServingStatus.SERVING);
            assertThat(GrpcProbe.probe("10.244.0.9", "billing", port, connector, TIMEOUT))
                    .isEqualTo(ProbeResult.success("service healthy"));
            assertThat(GrpcProbe.probe("10.244.0.9", "unknown-service", port, connector, TIMEOUT))
                    .isEqualTo(ProbeResult.failure(
                            "error: health rpc probe failed: rpc error: code = NotFound desc = unknown service "
                                    + "unknown-service"));
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aServerWithoutTheHealthServiceIsReportedAsSuch() throws Exception {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).build().start();
        try {
            ProbeResult result = GrpcProbe.probe("10.244.0.9", "", server.getPort(), connector, TIMEOUT);
            assertThat(result.kind()).isEqualTo(ProbeResult.Kind.FAILURE);
            assertThat(result.output()).startsWith("error: this server does not implement the grpc health protocol "
                    + "(grpc.health.v1.Health): Method not found: grpc.health.v1.Health/Check");
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void nothingListeningIsTheConnectTimeoutMessage() throws Exception {
        int closed = freePort();
        assertThat(GrpcProbe.probe("10.244.0.9", "", closed, connector, Duration.ofSeconds(1))).isEqualTo(
                ProbeResult.failure("timeout: failed to connect service \"10.244.0.9:" + closed
                        + "\" within 1s: context deadline exceeded"));
    }

    @Test
    void aListenerThatNeverSpeaksHttp2TimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            assertThat(GrpcProbe.probe("10.244.0.9", "", silent.getLocalPort(), connector, Duration.ofMillis(500)))
                    .isEqualTo(ProbeResult.failure("timeout: health rpc did not complete within 500ms"));
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
