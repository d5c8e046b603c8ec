package dev.j8s.e2e;

import static dev.j8s.e2e.PodQueries.awaitRunning;
import static dev.j8s.e2e.PodQueries.events;
import static dev.j8s.e2e.PodQueries.field;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.runtime.netns.NetworkNamespaces;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Probes through the real kubectl: an httpGet readiness probe flips {@code Ready} as busybox httpd in the pod starts
 * and stops answering; a failing liveness probe restarts the container through its preStop; a startup probe holds the
 * liveness probe off; a tcpSocket probe on busybox nc; a grpc probe answered by a grpc-java health server that
 * listens inside the pod's network namespace.
 */
class ProbesIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("probes-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    private static void apply(Kubectl kubectl, String name, String yaml) {
        kubectl.run("apply", "-f", SERVERS.file(name + ".yaml", yaml.formatted(REGISTRY.image("1.0"))).toString())
                .ok();
    }


    private static String ready(Kubectl kubectl, String pod) {
        return field(kubectl, pod, "{.status.conditions[?(@.type==\"Ready\")].status} "
                + "{.status.containerStatuses[0].ready}");
    }



    @Test
    void anHttpGetReadinessProbeFlipsReadyAsTheServerStartsAndStopsAnswering() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "web", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "mkdir -p /www; echo ok > /www/healthz; while true; do sleep 1; done"]
                    readinessProbe:
                      httpGet:
                        path: /healthz
                        port: 8080
                      periodSeconds: 1
                      failureThreshold: 1
                """);
        awaitRunning(kubectl, "web");
        assertThat(Await.until(Duration.ofSeconds(20), "the readiness probe failed", () -> events(kubectl, "web"),
                out -> out.contains("Readiness probe failed")))
                .containsPattern("Warning\\s+Unhealthy\\s+\\d+\\s+Readiness probe failed: Get \"http://10\\.[0-9.]+:8080"
                        + "/healthz\": dial tcp 10\\.[0-9.]+:8080: connect: connection refused");
        assertThat(ready(kubectl, "web")).isEqualTo("False false");
        assertThat(kubectl.run("get", "pod", "web").ok().cells().get(1).get(1)).isEqualTo("0/1");

        kubectl.run("exec", "web", "--", "sh", "-c", "httpd -f -p 8080 -h /www >/dev/null 2>&1 & echo $! > /httpd.pid")
                .ok();
        Await.until(Duration.ofSeconds(20), "the pod is Ready once httpd answers", () -> ready(kubectl, "web"),
                "True true"::equals);
        assertThat(kubectl.run("get", "pod", "web").ok().cells().get(1).get(1)).isEqualTo("1/1");

        kubectl.run("exec", "web", "--", "sh", "-c", "kill $(cat /httpd.pid)").ok();
        Await.until(Duration.ofSeconds(20), "the pod is not Ready once httpd is gone", () -> ready(kubectl, "web"),
                "False false"::equals);
        assertThat(field(kubectl, "web", "{.status.conditions[?(@.type==\"ContainersReady\")].message}"))
                .isEqualTo("containers with unready status: [main]");
        assertThat(field(kubectl, "web", "{.status.containerStatuses[0].restartCount}")).isEqualTo("0");
        kubectl.run("delete", "pod", "web").ok();
    }

    @Test
    void aFailingLivenessProbeRestartsTheContainerAndRunsItsPreStop() throws IOException {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "alive", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: alive
                spec:
                  terminationGracePeriodSeconds: 5
                  volumes:
                  - name: data
                    emptyDir: {}
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "echo > /healthy; trap 'exit 0' TERM; while true; do sleep 0.2; done"]
                    volumeMounts:
                    - name: data
                      mountPath: /data
                    livenessProbe:
                      exec:
                        command: ["cat", "/healthy"]
                      periodSeconds: 1
                      failureThreshold: 2
                    lifecycle:
                      preStop:
                        exec:
                          command: ["sh", "-c", "echo preStop ran >> /data/prestop"]
                """);
        awaitRunning(kubectl, "alive");
        String uid = field(kubectl, "alive", "{.metadata.uid}");
        Path prestop = PodQueries.emptyDir(SERVERS.server(), uid, "data").resolve("prestop");
        assertThat(prestop).doesNotExist();

        kubectl.run("exec", "alive", "--", "sh", "-c", "rm /healthy").ok();

        Await.until(Duration.ofSeconds(60), "the container was restarted",
                () -> field(kubectl, "alive", "{.status.containerStatuses[0].restartCount}"), "1"::equals);
        assertThat(prestop).hasContent("preStop ran");
        assertThat(events(kubectl, "alive"))
                .containsPattern("Warning\\s+Unhealthy\\s+\\d+\\s+Liveness probe failed: cat: can't open '/healthy'")
                .containsPattern("Normal\\s+Killing\\s+\\d+\\s+Container main failed liveness probe, will be restarted");
        assertThat(field(kubectl, "alive", "{.status.containerStatuses[0].lastState.terminated.exitCode}"))
                .as("the trap made SIGTERM a clean exit").isEqualTo("0");
        awaitRunning(kubectl, "alive");
        kubectl.run("delete", "pod", "alive").ok();
    }

    @Test
    void aStartupProbeHoldsTheLivenessProbeOffUntilItSucceeds() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "slow", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: slow
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
                    startupProbe:
                      exec:
                        command: ["cat", "/started"]
                      periodSeconds: 1
                      failureThreshold: 120
                    livenessProbe:
                      exec:
                        command: ["cat", "/live"]
                      periodSeconds: 1
                      failureThreshold: 1
                """);
        awaitRunning(kubectl, "slow");

        // four startup failures take at least three seconds, in which a live liveness probe would have fired
        String whileStarting = Await.until(Duration.ofSeconds(30), "four startup probe failures",
                () -> events(kubectl, "slow"), out -> count(out, "Startup probe failed: cat: can't open '/started'") >= 4);
        assertThat(whileStarting).doesNotContain("Liveness probe failed");
        assertThat(field(kubectl, "slow", "{.status.containerStatuses[0].started} "
                + "{.status.containerStatuses[0].restartCount}")).isEqualTo("false 0");

        kubectl.run("exec", "slow", "--", "sh", "-c", "echo > /started").ok();

        Await.until(Duration.ofSeconds(30), "once started the liveness probe runs, fails and restarts it",
                () -> field(kubectl, "slow", "{.status.containerStatuses[0].restartCount}"), "1"::equals);
        assertThat(events(kubectl, "slow")).contains("Liveness probe failed: cat: can't open '/live'")
                .contains("Container main failed liveness probe, will be restarted");
        kubectl.run("delete", "pod", "slow").ok();
    }

    /** The count of an event with {@code reason text}, as its COUNT column says. */
    private static int count(String events, String message) {
        return events.lines().filter(l -> l.contains(message)).mapToInt(l -> Integer.parseInt(
                l.strip().split("\\s+")[2])).sum();
    }

    @Test
    void aTcpSocketProbeSucceedsOnceNcListens() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "tcp", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: tcp
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "while true; do sleep 1; done"]
                    ports:
                    - name: echo
                      containerPort: 7000
                    readinessProbe:
                      tcpSocket:
                        port: echo
                      periodSeconds: 1
                      failureThreshold: 1
                """);
        awaitRunning(kubectl, "tcp");
        assertThat(Await.until(Duration.ofSeconds(20), "the tcp probe failed", () -> events(kubectl, "tcp"),
                out -> out.contains("Readiness probe failed")))
                .containsPattern("Readiness probe failed: dial tcp 10\\.[0-9.]+:7000: connect: connection refused");

        try (Kubectl.Background nc = kubectl.start("exec", "tcp", "--", "sh", "-c", "nc -ll -p 7000 -e true")) {
            Await.until(Duration.ofSeconds(20), "the pod is Ready once nc listens", () -> ready(kubectl, "tcp"),
                    "True true"::equals);
        }
        kubectl.run("delete", "pod", "tcp").ok();
    }

    @Test
    void aGrpcProbeFollowsAHealthServerListeningInsideThePodsNetworkNamespace() throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "grpc", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: grpc
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: %s
                    command: ["sleep", "3600"]
                    readinessProbe:
                      grpc:
                        port: 9000
                        service: billing
                      periodSeconds: 1
                      failureThreshold: 1
                """);
        awaitRunning(kubectl, "grpc");
        Path netns = netnsOf(field(kubectl, "grpc", "{.metadata.uid}"));

        HealthStatusManager health = new HealthStatusManager();
        health.setStatus("billing", ServingStatus.SERVING);
        ServerSocketChannel inPod = NetworkNamespaces.shared().open(netns, ServerSocketChannel::open);
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(9000))
                .channelFactory(() -> new NioServerSocketChannel(inPod)).bossEventLoopGroup(group)
                .workerEventLoopGroup(group).addService(health.getHealthService()).build().start();
        try {
            Await.until(Duration.ofSeconds(20), "the grpc probe made the pod Ready", () -> ready(kubectl, "grpc"),
                    "True true"::equals);

            health.setStatus("billing", ServingStatus.NOT_SERVING);
            Await.until(Duration.ofSeconds(20), "NOT_SERVING made the pod unready", () -> ready(kubectl, "grpc"),
                    "False false"::equals);
            assertThat(events(kubectl, "grpc"))
                    .contains("Readiness probe failed: service unhealthy (responded with \"NOT_SERVING\")");
        } finally {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        kubectl.run("delete", "pod", "grpc").ok();
    }

    @Test
    void aReadinessGateHoldsReadyUntilItsConditionIsTrue() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "gated", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: gated
                spec:
                  terminationGracePeriodSeconds: 1
                  readinessGates:
                  - conditionType: example.com/feature-1
                  containers:
                  - name: main
                    image: %s
                    command: ["sleep", "3600"]
                """);
        awaitRunning(kubectl, "gated");
        String gate = "{.status.conditions[?(@.type==\"Ready\")].status} "
                + "{.status.conditions[?(@.type==\"Ready\")].reason}: "
                + "{.status.conditions[?(@.type==\"Ready\")].message}";
        assertThat(Await.until(Duration.ofSeconds(20), "Ready waits for the gate", () -> field(kubectl, "gated", gate),
                out -> out.startsWith("False"))).isEqualTo("False ReadinessGatesNotReady: corresponding condition of "
                        + "pod readiness gate \"example.com/feature-1\" does not exist.");
        assertThat(ready(kubectl, "gated")).endsWith("true"); // the container itself is ready

        kubectl.run("patch", "pod", "gated", "--subresource=status", "-p",
                "{\"status\":{\"conditions\":[{\"type\":\"example.com/feature-1\",\"status\":\"True\"}]}}").ok();

        Await.until(Duration.ofSeconds(20), "the pod is Ready once its gate is", () -> ready(kubectl, "gated"),
                "True true"::equals);
        assertThat(field(kubectl, "gated", "{.status.conditions[?(@.type==\"example.com/feature-1\")].status}"))
                .as("the kubelet keeps the condition it does not own").isEqualTo("True");
        kubectl.run("delete", "pod", "gated").ok();
    }

    /** The network namespace of the pod's sandbox: its bind mount under the server's run dir. */
    private static Path netnsOf(String uid) throws IOException {
        Path dataDir = SERVERS.server().dataDir();
        try (Stream<Path> sandboxes = Files.list(dataDir.resolve("sandboxes"))) {
            for (Path dir : sandboxes.toList()) {
                JsonNode meta = Json.MAPPER.readTree(dir.resolve("sandbox.json").toFile());
                if (uid.equals(meta.path("config").path("uid").asText())
                        && meta.path("state").asText().equals("READY")) {
                    return SERVERS.server().runDir().resolve("ns").resolve(dir.getFileName()).resolve("net");
                }
            }
        }
        throw new AssertionError("no ready sandbox for pod uid " + uid);
    }
}
