package dev.j8s.kubelet.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.events.RecordingEventRecorder;
import dev.j8s.kubelet.kuberuntime.FakeRuntime;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.PodSandboxStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link HandlerRunner} over a {@link FakeRuntime}: upstream's outcomes and messages per handler type. */
class HandlerRunnerTest {

    private final FakeRuntime runtime = new FakeRuntime(Clock.fixed(Instant.parse("2025-06-01T12:00:00Z"),
            ZoneOffset.UTC));
    private final RecordingEventRecorder events = new RecordingEventRecorder();
    private final HandlerRunner runner = new HandlerRunner(runtime, events);
    private String sandbox;
    private String container;

    @BeforeEach
    void runningContainer() {
        sandbox = runtime.addSandbox("uid-1", PodSandboxStatus.State.READY, 0);
        container = runtime.addContainer("uid-1", sandbox, "main", 0, new ContainerState.Running(Instant.EPOCH),
                Map.of());
    }

    private HookResult run(LifecycleHandler handler) {
        Container c = new ContainerBuilder().withName("main").withImage("busybox").withNewLifecycle()
                .withPostStart(handler).endLifecycle().addNewPort().withName("web").withContainerPort(8080).endPort()
                .build();
        Pod pod = new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("uid-1")
                .endMetadata().withNewSpec().withContainers(c).endSpec().build();
        HookTarget target = new HookTarget(pod, c, ContainerKind.CONTAINER, container, sandbox,
                List.of("10.244.0.9"), Path.of("/nowhere"));
        return runner.start(target, Hook.POST_START).awaitFor(Duration.ofSeconds(10)).orElseThrow();
    }

    @Test
    void anExecThatExitsZeroSucceedsWithItsOutputAsLines() {
        runtime.onExec(cmd -> new FakeRuntime.Exec(0, "one\ntwo\n", "warn\n", Duration.ZERO));

        HookResult result = run(new LifecycleHandlerBuilder().withNewExec().withCommand("sh", "-c", "echo")
                .endExec().build());

        assertThat(result).isEqualTo(new HookResult.Succeeded(List.of(new HookResult.OutputLine(false, "one"),
                new HookResult.OutputLine(false, "two"), new HookResult.OutputLine(true, "warn"))));
        assertThat(runtime.calls()).containsExactly("exec " + container + " sh -c echo");
    }

    @Test
    void anExecThatFailsCarriesUpstreamsMessageWithTheQuotedOutput() {
        runtime.onExec(cmd -> new FakeRuntime.Exec(3, "out\n", "no db\n", Duration.ZERO));

        HookResult result = run(new LifecycleHandlerBuilder().withNewExec().withCommand("sh", "-c", "exit 3")
                .endExec().build());

        assertThat(result).isInstanceOfSatisfying(HookResult.Failed.class, f -> {
            assertThat(f.message()).isEqualTo("Exec lifecycle hook ([sh -c exit 3]) for Container \"main\" in Pod "
                    + "\"web_default(uid-1)\" failed - error: command 'sh -c exit 3' exited with 3: no db\n"
                    + ", message: \"out\\nno db\\n\"");
            assertThat(f.exitCode()).isEqualTo(OptionalInt.of(3));
            assertThat(f.eventDetail()).isEqualTo("exit code 3: no db");
        });
    }

    @Test
    void anHttpHookSucceedsOnAnyResponseEvenAnErrorStatus() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        server.start();
        try {
            runtime.route(8080, server.getAddress());
            HookResult result = run(new LifecycleHandlerBuilder().withNewHttpGet().withPath("/stop")
                    .withPort(new IntOrString("web")).endHttpGet().build());
            assertThat(result).isEqualTo(new HookResult.Succeeded(List.of(
                    new HookResult.OutputLine(false, "HTTP/1.1 500 Internal Server Error"))));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anHttpHookThatCannotConnectFailsWithUpstreamsMessage() {
        HookResult result = run(new LifecycleHandlerBuilder().withNewHttpGet().withPath("/stop")
                .withPort(new IntOrString(8080)).endHttpGet().build());

        assertThat(result).isInstanceOfSatisfying(HookResult.Failed.class, f -> assertThat(f.message())
                .isEqualTo("HTTP lifecycle hook (/stop) for Container \"main\" in Pod \"web_default(uid-1)\" failed "
                        + "- error: Get \"http://10.244.0.9:8080/stop\": dial tcp 10.244.0.9:8080: connect: "
                        + "connection refused"));
    }

    @Test
    void aTcpSocketHandlerIsRefusedAsUpstreamRefusesIt() {
        HookResult result = run(new LifecycleHandlerBuilder().withNewTcpSocket().withPort(new IntOrString(8080))
                .endTcpSocket().build());

        assertThat(result).isEqualTo(new HookResult.Failed("Cannot run handler: invalid handler: "
                + "&LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:&TCPSocketAction{Port:{0 8080 },Host:,},"
                + "Sleep:nil,}", OptionalInt.empty(), List.of()));
    }

    @Test
    void aSleepEndsEarlyWhenCancelled() {
        Container c = new ContainerBuilder().withName("main").withNewLifecycle().withNewPostStart().withNewSleep(60L)
                .endPostStart().endLifecycle().build();
        Pod pod = new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("uid-1")
                .endMetadata().withNewSpec().withContainers(c).endSpec().build();
        RunningHook hook = runner.start(new HookTarget(pod, c, ContainerKind.CONTAINER, container, sandbox, List.of(),
                Path.of("/nowhere")), Hook.POST_START);

        assertThat(hook.awaitFor(Duration.ofMillis(200))).isEmpty();
        long start = System.nanoTime();
        assertThat(hook.cancel()).isInstanceOf(HookResult.Cancelled.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
}
