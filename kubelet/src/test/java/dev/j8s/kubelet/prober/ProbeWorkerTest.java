package dev.j8s.kubelet.prober;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.events.RecordingEventRecorder;
import dev.j8s.kubelet.kuberuntime.FakeRuntime;
import dev.j8s.kubelet.prober.results.Result;
import dev.j8s.kubelet.prober.results.ResultsManager;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.PodSandboxStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link ProbeWorker#doProbe} round by round over a {@link FakeRuntime} whose exec probes succeed or fail on demand:
 * thresholds, the initial delay, startup gating, the hold after a liveness failure, and when the worker ends.
 */
class ProbeWorkerTest {

    private static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");
    private final Clock clock = Clock.fixed(T0.plusSeconds(60), ZoneOffset.UTC);
    private final FakeRuntime runtime = new FakeRuntime(clock);
    private final RecordingEventRecorder events = new RecordingEventRecorder();
    private final List<String> changes = new ArrayList<>();
    private final ResultsManager results = new ResultsManager((uid, id, r) -> changes.add(id + "=" + r));
    private final AtomicReference<PodStatus> status = new AtomicReference<>();
    private volatile int exitCode;
    private final Prober prober = new Prober(runtime, events);

    private Pod pod(Container c) {
        return new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid("uid-1")
                .endMetadata().withNewSpec().withRestartPolicy("Always").withContainers(c).endSpec().build();
    }

    private ProbeWorker worker(ProbeType type, Pod pod) {
        runtime.onExec(cmd -> new FakeRuntime.Exec(exitCode, "", exitCode == 0 ? "" : "not yet\n", Duration.ZERO));
        String sb = runtime.addSandbox("uid-1", PodSandboxStatus.State.READY, 0);
        runtime.addContainer("uid-1", sb, "main", 0, new ContainerState.Running(T0), Map.of());
        return new ProbeWorker(type, pod, pod.getSpec().getContainers().getFirst(), ContainerKind.CONTAINER, results,
                runtime, uid -> Optional.ofNullable(status.get()), clock);
    }

    private static Probe exec(int initialDelay, int failureThreshold) {
        return new ProbeBuilder().withNewExec().withCommand("check").endExec().withInitialDelaySeconds(initialDelay)
                .withPeriodSeconds(1).withTimeoutSeconds(1).withSuccessThreshold(1)
                .withFailureThreshold(failureThreshold).build();
    }

    private void running(String id, boolean started, Instant startedAt) {
        status.set(new PodStatusBuilder().withPhase("Running").withPodIP("10.244.0.9").withContainerStatuses(
                new ContainerStatusBuilder().withName("main").withContainerID("runc://" + id).withStarted(started)
                        .withNewState().withNewRunning(startedAt.toString()).endState().build()).build());
    }

    private long execs() {
        return runtime.calls().stream().filter(c -> c.startsWith("execSync")).count();
    }

    @Test
    void readinessStartsFailedPerInstanceAndChangesOnlyAtTheThresholds() {
        Pod pod = pod(new ContainerBuilder().withName("main").withReadinessProbe(exec(0, 3)).build());
        ProbeWorker worker = worker(ProbeType.READINESS, pod);
        running("main#0", true, T0);

        exitCode = 0;
        assertThat(worker.doProbe(prober)).isTrue();
        assertThat(changes).containsExactly("main#0=FAILURE", "main#0=SUCCESS");

        exitCode = 1;
        worker.doProbe(prober);
        worker.doProbe(prober);
        assertThat(changes).as("two failures are below the threshold of 3").hasSize(2);
        worker.doProbe(prober);
        assertThat(changes).containsExactly("main#0=FAILURE", "main#0=SUCCESS", "main#0=FAILURE");
        assertThat(events.lines()).containsOnly("Warning Unhealthy Readiness probe failed: not yet\n");
        assertThat(execs()).isEqualTo(4);
    }

    @Test
    void aLivenessFailureHoldsProbingUntilANewInstanceAppears() {
        Pod pod = pod(new ContainerBuilder().withName("main").withLivenessProbe(exec(0, 1)).build());
        ProbeWorker worker = worker(ProbeType.LIVENESS, pod);
        running("main#0", true, T0);
        exitCode = 1;

        worker.doProbe(prober);
        assertThat(changes).containsExactly("main#0=SUCCESS", "main#0=FAILURE"); // liveness starts as a success
        worker.doProbe(prober);
        worker.doProbe(prober);
        assertThat(execs()).as("on hold after the failure").isEqualTo(1);

        running("main#1", true, T0);
        exitCode = 0;
        worker.doProbe(prober);
        assertThat(changes).containsExactly("main#0=SUCCESS", "main#0=FAILURE", "main#1=SUCCESS");
        assertThat(execs()).isEqualTo(2);
    }

    @Test
    void nothingIsProbedDuringTheInitialDelay() {
        Pod pod = pod(new ContainerBuilder().withName("main").withLivenessProbe(exec(90, 1)).build());
        ProbeWorker worker = worker(ProbeType.LIVENESS, pod);
        running("main#0", true, T0); // started 60 s before the clock

        assertThat(worker.doProbe(prober)).isTrue();
        assertThat(execs()).isZero();
        assertThat(changes).containsExactly("main#0=SUCCESS"); // the initial value of liveness
    }

    @Test
    void theStartupProbeRunsUntilStartedAndTheOthersOnlyAfter() {
        Pod pod = pod(new ContainerBuilder().withName("main").withStartupProbe(exec(0, 3))
                .withLivenessProbe(exec(0, 3)).build());
        ProbeWorker startup = worker(ProbeType.STARTUP, pod);
        ProbeWorker liveness = new ProbeWorker(ProbeType.LIVENESS, pod, pod.getSpec().getContainers().getFirst(),
                ContainerKind.CONTAINER, new ResultsManager((u, i, r) -> { }), runtime,
                uid -> Optional.ofNullable(status.get()), clock);
        running("main#0", false, T0);

        liveness.doProbe(prober);
        assertThat(execs()).as("liveness waits for the startup probe").isZero();
        startup.doProbe(prober);
        assertThat(execs()).isEqualTo(1);

        running("main#0", true, T0);
        startup.doProbe(prober);
        liveness.doProbe(prober);
        assertThat(execs()).as("the startup probe stops once started; liveness begins").isEqualTo(2);
        assertThat(runtime.calls().getLast()).isEqualTo("execSync main#0 check");
    }

    @Test
    void aDeletedPodEndsLivenessWithASuccessAndATerminalPodEndsEveryWorker() {
        Pod pod = pod(new ContainerBuilder().withName("main").withLivenessProbe(exec(0, 1)).build());
        ProbeWorker worker = worker(ProbeType.LIVENESS, pod);
        running("main#0", true, T0);
        worker.updatePod(new PodBuilder(pod).editMetadata().withDeletionTimestamp(T0.toString()).endMetadata()
                .build());

        assertThat(worker.doProbe(prober)).isFalse();
        assertThat(execs()).isZero();

        ProbeWorker readiness = worker(ProbeType.READINESS, pod(new ContainerBuilder().withName("main")
                .withReadinessProbe(exec(0, 1)).build()));
        status.set(new PodStatusBuilder(status.get()).withPhase("Succeeded").build());
        assertThat(readiness.doProbe(prober)).isFalse();
    }

    @Test
    void anExecProbePastItsTimeoutFailsAsUpstreamSaysIt() {
        Pod pod = pod(new ContainerBuilder().withName("main").withLivenessProbe(exec(0, 1)).build());
        ProbeWorker worker = worker(ProbeType.LIVENESS, pod);
        runtime.onExec(cmd -> new FakeRuntime.Exec(0, "", "", Duration.ofSeconds(5)));
        running("main#0", true, T0);

        worker.doProbe(prober);

        assertThat(events.lines()).containsExactly("Warning Unhealthy Liveness probe failed: command \"check\" timed out");
        assertThat(changes).containsExactly("main#0=SUCCESS", "main#0=FAILURE");
    }

    @Test
    void theLoopRunsARoundOncePerPeriodATriggerRunsOneNowAndStopEndsThem() throws Exception {
        Pod pod = pod(new ContainerBuilder().withName("main").withReadinessProbe(exec(0, 1)).build());
        ProbeWorker worker = worker(ProbeType.READINESS, pod);
        running("main#0", true, T0);
        var exited = new java.util.concurrent.CountDownLatch(1);
        try (ProbeLoop loop = new ProbeLoop(prober, runtime)) {
            loop.start(worker, false, exited::countDown);
            awaitExecs(1);
            loop.trigger(worker);
            awaitExecs(2);
            long atTrigger = System.nanoTime();
            awaitExecs(3);
            assertThat(Duration.ofNanos(System.nanoTime() - atTrigger)).as("the next round one period on")
                    .isGreaterThan(Duration.ofMillis(500));
            loop.stop(worker);
            assertThat(exited.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            long after = execs();
            Thread.sleep(1500);
            assertThat(execs()).as("no round after stop").isLessThanOrEqualTo(after + 1);
        }
    }

    private void awaitExecs(long n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (execs() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(execs()).isGreaterThanOrEqualTo(n);
    }
}
