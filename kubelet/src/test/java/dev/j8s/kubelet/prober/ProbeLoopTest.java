package dev.j8s.kubelet.prober;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.events.RecordingEventRecorder;
import dev.j8s.kubelet.kuberuntime.FakeRuntime;
import dev.j8s.kubelet.prober.results.ResultsManager;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.PodSandboxStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * {@link ProbeLoop}'s non-blocking HTTP and TCP probes against real listeners (the pod's address is the loopback
 * here): the same verdicts and event texts as the blocking probes, and a hanging endpoint ends with the timeout.
 */
class ProbeLoopTest {

    private static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");
    private final Clock clock = Clock.fixed(T0.plusSeconds(60), ZoneOffset.UTC);
    private final FakeRuntime runtime = new FakeRuntime(clock);
    private final RecordingEventRecorder events = new RecordingEventRecorder();
    private final List<String> changes = new CopyOnWriteArrayList<>();

    private ProbeWorker worker(ProbeType type, Container c) {
        return worker(type, c, true);
    }

    private ProbeWorker worker(ProbeType type, Container c, boolean started) {
        Pod pod = new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("uid-1")
                .endMetadata().withNewSpec().withContainers(c).endSpec().build();
        String sb = runtime.addSandbox("uid-1", PodSandboxStatus.State.READY, 0);
        runtime.addContainer("uid-1", sb, "main", 0, new ContainerState.Running(T0), Map.of());
        var status = new PodStatusBuilder().withPhase("Running").withPodIP("127.0.0.1").withContainerStatuses(
                new ContainerStatusBuilder().withName("main").withContainerID("runc://main#0").withStarted(started)
                        .withNewState().withNewRunning(T0.toString()).endState().build()).build();
        return new ProbeWorker(type, pod, c, ContainerKind.CONTAINER,
                new ResultsManager((uid, id, r) -> changes.add(id + "=" + r)), runtime, uid -> Optional.of(status),
                clock);
    }

    private void awaitChanges(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (changes.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Test
    void httpAndTcpProbesRunWithoutBlockingAndSayWhatTheBlockingOnesSay() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = "fine".getBytes();
            exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/ok") ? 200 : 503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        int port = server.getAddress().getPort();
        Container c = new ContainerBuilder().withName("main")
                .withReadinessProbe(new ProbeBuilder().withNewHttpGet().withPath("/ok").withPort(new IntOrString(port))
                        .withScheme("HTTP").endHttpGet().withPeriodSeconds(1).withFailureThreshold(1).build())
                .withLivenessProbe(new ProbeBuilder().withNewHttpGet().withPath("/down")
                        .withPort(new IntOrString(port)).endHttpGet().withPeriodSeconds(1).withFailureThreshold(1)
                        .build())
                .withStartupProbe(new ProbeBuilder().withNewTcpSocket().withPort(new IntOrString(closed))
                        .endTcpSocket().withPeriodSeconds(1).withFailureThreshold(1).build())
                .build();
        try (ProbeLoop loop = new ProbeLoop(new Prober(runtime, events), runtime)) {
            loop.start(worker(ProbeType.READINESS, c), false, () -> { });
            loop.start(worker(ProbeType.LIVENESS, c), false, () -> { });
            awaitChanges(4);
            assertThat(changes).contains("main#0=SUCCESS", "main#0=FAILURE");
            assertThat(events.lines()).contains("Warning Unhealthy Liveness probe failed: HTTP probe failed with "
                    + "statuscode: 503");
        } finally {
            server.stop(0);
        }

        changes.clear();
        events.clear();
        // the startup probe (TCP, to a closed port) only runs before the container has started
        ProbeWorker tcp = worker(ProbeType.STARTUP, c, false);
        try (ProbeLoop loop = new ProbeLoop(new Prober(runtime, events), runtime)) {
            loop.start(tcp, false, () -> { });
            awaitChanges(2);
        }
        assertThat(changes).containsExactly("main#0=UNKNOWN", "main#0=FAILURE");
        assertThat(events.lines()).first().isEqualTo("Warning Unhealthy Startup probe failed: dial tcp 127.0.0.1:"
                + closed + ": connect: connection refused");
    }

    @Test
    void aListenerThatNeverAnswersEndsWithTheClientTimeoutAndHoldsNothingElse() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Container c = new ContainerBuilder().withName("main").withReadinessProbe(new ProbeBuilder().withNewHttpGet()
                    .withPath("/").withPort(new IntOrString(silent.getLocalPort())).endHttpGet().withPeriodSeconds(1)
                    .withTimeoutSeconds(1).withFailureThreshold(1).build()).build();
            long start = System.nanoTime();
            try (ProbeLoop loop = new ProbeLoop(new Prober(runtime, events), runtime)) {
                loop.start(worker(ProbeType.READINESS, c), false, () -> { });
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (events.lines().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            assertThat(events.lines()).first().isEqualTo("Warning Unhealthy Readiness probe failed: Get "
                    + "\"http://127.0.0.1:" + silent.getLocalPort() + "/\": context deadline exceeded "
                    + "(Client.Timeout exceeded while awaiting headers)");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
                    Duration.ofSeconds(5));
        }
    }
}
