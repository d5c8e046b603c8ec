package dev.j8s.kubelet.kuberuntime;

import static dev.j8s.kubelet.kuberuntime.ComputePodActionsTest.container;
import static dev.j8s.kubelet.kuberuntime.ComputePodActionsTest.hash;
import static dev.j8s.kubelet.kuberuntime.ComputePodActionsTest.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.kubelet.events.RecordingEventRecorder;
import dev.j8s.kubelet.images.FakeImageService;
import dev.j8s.kubelet.images.ImageManager;
import dev.j8s.kubelet.images.ImagePullSettings;
import dev.j8s.kubelet.lifecycle.Hook;
import dev.j8s.kubelet.lifecycle.HookJournal;
import dev.j8s.kubelet.logs.PodLogs;
import dev.j8s.kubelet.status.CrashLoopBackOff;
import dev.j8s.kubelet.status.WaitingReason;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.PodSandboxStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The action phase of {@link KubeRuntimeManager#syncPod} and {@link KubeRuntimeManager#killPod}: the calls made on
 * a {@link FakeRuntime} and the events emitted, in order.
 */
class SyncPodTest {

    private static final String UID = "uid-1";
    private static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");
    private static final String PULLED = "Normal Pulled Container image \"busybox:1.36\" already present on machine";
    private static final Container MAIN = container("main", "busybox:1.36");
    private static final Container SIDE = container("side", "busybox:1.36");
    private static final Container INIT1 = container("init-1", "busybox:1.36");
    private static final Container INIT2 = container("init-2", "busybox:1.36");

    @TempDir
    Path dir;

    private final Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    private final FakeRuntime runtime = new FakeRuntime(clock);
    private final RecordingEventRecorder events = new RecordingEventRecorder();
    private KubeRuntimeManager manager;
    private HookJournal journal;
    /** The liveness, readiness and startup results the manager reads: instance ID to result. */
    private final Map<String, dev.j8s.kubelet.prober.results.Result> liveness = new java.util.HashMap<>();
    private final Map<String, dev.j8s.kubelet.prober.results.Result> startup = new java.util.HashMap<>();
    private final dev.j8s.kubelet.prober.results.ProbeResults probes = ComputePodActionsTest.probes(liveness,
            Map.of(), startup);

    @BeforeEach
    void setUp() throws Exception {
        FakeImageService images = new FakeImageService();
        images.add("docker.io/library/busybox:1.36");
        Path resolv = Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.0.0.53\n");
        manager = new KubeRuntimeManager(runtime, new ImageManager(images, events, clock, ImagePullSettings.DEFAULTS),
                events, new PodLogs(dir.resolve("logs")), new CrashLoopBackOff(clock), clock, resolv, Optional.empty(),
                dev.j8s.kubelet.container.RuntimeHelper.NONE, journal = new HookJournal(dir.resolve("pods"), clock),
                probes);
    }

    private static List<String> started(String name, int attempt, String sandbox) {
        return List.of("createContainer " + name + " attempt=" + attempt + " in " + sandbox,
                "startContainer " + name + "#" + attempt);
    }

    private static List<String> startEvents(String name) {
        return List.of(PULLED, "Normal Created Created container: " + name, "Normal Started Started container " + name);
    }

    private String readySandbox() {
        return runtime.addSandbox(UID, PodSandboxStatus.State.READY, 0);
    }

    @Test
    void aFreshPodGetsASandboxThenItsContainersAreCreatedAndStarted() {
        KubeRuntimeManager.SyncResult result = manager.syncPod(pod("Always", List.of(), MAIN, SIDE));

        assertThat(runtime.calls()).containsExactly("runPodSandbox web attempt=0",
                "createContainer main attempt=0 in sb-1", "startContainer main#0",
                "createContainer side attempt=0 in sb-1", "startContainer side#0");
        assertThat(events.lines()).containsExactly(PULLED, "Normal Created Created container: main",
                "Normal Started Started container main", PULLED, "Normal Created Created container: side",
                "Normal Started Started container side");
        assertThat(result.waiting()).isEmpty();
        assertThat(result.resyncAfter()).isEmpty();
        assertThat(runtime.instances("main")).singleElement().satisfies(c -> {
            assertThat(c.state()).isInstanceOf(ContainerState.Running.class);
            assertThat(c.annotations()).containsAllEntriesOf(hash(MAIN));
        });
    }

    @Test
    void aFreshPodsSyncReadsTheRuntimeOnceAndNotAgainAfterItsSandboxIsMade() {
        manager.syncPod(pod("Always", List.of(), MAIN));
        assertThat(runtime.containerReads()).isEqualTo(1);

        // from the state its caller read: no read of its own
        Pod other = pod("Always", List.of(), MAIN);
        other.getMetadata().setUid("uid-2");
        runtime.clearCalls();
        manager.syncPod(other, new PodRuntimeState("uid-2", List.of(), List.of()));
        assertThat(runtime.containerReads()).isEqualTo(1);
        assertThat(runtime.calls()).containsExactly("runPodSandbox web attempt=0",
                "createContainer main attempt=0 in sb-2", "startContainer main#0'"); // main#0 is uid-1's
    }

    @Test
    void aDeadSandboxIsKilledAndRemovedAndTheContainersStartOverInANewOne() {
        String old = runtime.addSandbox(UID, PodSandboxStatus.State.NOTREADY, 0);
        runtime.addContainer(UID, old, "main", 3, new ContainerState.Running(T0), hash(MAIN));

        manager.syncPod(pod("Always", List.of(), MAIN));

        assertThat(runtime.containerReads()).as("read again after the kill").isEqualTo(2);
        assertThat(runtime.calls()).containsExactly("stopContainer main#3 grace=30s", "stopPodSandbox sb-1",
                "removePodSandbox sb-1", "runPodSandbox web attempt=1", "createContainer main attempt=0 in sb-2",
                "startContainer main#0");
        assertThat(events.lines()).containsExactly("Normal Killing Stopping container main", PULLED,
                "Normal Created Created container: main", "Normal Started Started container main");
    }

    @Test
    void aSandboxThatCannotBeCreatedIsAWarningAndTheNextSyncComesSoon() {
        runtime.failNext("runPodSandbox", new ContainerRuntimeException("CNI plugin bridge failed"));

        KubeRuntimeManager.SyncResult result = manager.syncPod(pod("Always", List.of(), MAIN));

        assertThat(runtime.calls()).containsExactly("runPodSandbox web attempt=0");
        assertThat(events.lines()).containsExactly(
                "Warning FailedCreatePodSandBox Failed to create pod sandbox: CNI plugin bridge failed");
        assertThat(result.resyncAfter()).contains(KubeRuntimeManager.WAITING_RESYNC);
    }

    @Test
    void aContainerWhoseImageChangedIsKilledWithThePodsGracePeriodAndStartedAgain() {
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Running(T0), hash(MAIN));
        Pod updated = pod("Always", List.of(), container("main", "busybox:1.37"));

        manager.syncPod(updated);

        assertThat(runtime.calls()).containsExactly("stopContainer main#0 grace=30s",
                "createContainer main attempt=1 in sb-1", "startContainer main#1");
        assertThat(events.lines()).startsWith("Normal Killing Container main definition changed, will be restarted")
                .endsWith("Normal Created Created container: main", "Normal Started Started container main");
    }

    @Test
    void aCrashedContainerRestartsAtOnceThenWaitsInCrashLoopBackOff() {
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Exited(T0, T0, 1, false), hash(MAIN));
        Pod pod = pod("Always", List.of(), MAIN);

        KubeRuntimeManager.SyncResult first = manager.syncPod(pod);

        assertThat(runtime.calls()).containsExactlyElementsOf(started("main", 1, sb));
        assertThat(events.lines()).containsExactlyElementsOf(startEvents("main"));
        assertThat(first.waiting()).isEmpty();

        runtime.exit("main#1", 1);
        runtime.clearCalls();
        events.clear();
        KubeRuntimeManager.SyncResult second = manager.syncPod(pod);

        assertThat(runtime.calls()).isEmpty();
        assertThat(events.lines()).containsExactly(
                "Warning BackOff Back-off restarting failed container main in pod web_default(uid-1)");
        assertThat(second.waiting()).containsExactly(Map.entry("main", new WaitingReason("CrashLoopBackOff",
                "back-off 10s restarting failed container=main pod=web_default(uid-1)")));
        assertThat(second.resyncAfter()).contains(Duration.ofMillis(10_100));
    }

    @Test
    void initContainersStartOneAtATimeInOrderThenTheContainers() {
        Pod pod = pod("Always", List.of(INIT1, INIT2), MAIN);

        manager.syncPod(pod);
        assertThat(runtime.calls()).containsExactly("runPodSandbox web attempt=0",
                "createContainer init-1 attempt=0 in sb-1", "startContainer init-1#0");

        runtime.clearCalls();
        manager.syncPod(pod);
        assertThat(runtime.calls()).as("nothing more while init-1 runs").isEmpty();

        runtime.exit("init-1#0", 0);
        manager.syncPod(pod);
        assertThat(runtime.calls()).containsExactlyElementsOf(started("init-2", 0, "sb-1"));

        runtime.exit("init-2#0", 0);
        runtime.clearCalls();
        manager.syncPod(pod);
        assertThat(runtime.calls()).containsExactlyElementsOf(started("main", 0, "sb-1"));
        assertThat(events.events()).filteredOn(e -> e.reason().value().equals("Started"))
                .extracting(e -> e.involved().getFieldPath())
                .containsExactly("spec.initContainers{init-1}", "spec.initContainers{init-2}", "spec.containers{main}");
    }

    @Test
    void aFailedInitContainerUnderNeverStartsNothingMore() {
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "init-1", 0, new ContainerState.Exited(T0, T0, 1, false), hash(INIT1));

        KubeRuntimeManager.SyncResult result = manager.syncPod(pod("Never", List.of(INIT1, INIT2), MAIN));

        assertThat(runtime.calls()).isEmpty();
        assertThat(events.lines()).isEmpty();
        assertThat(result.waiting()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"OnFailure", "Always"})
    void aFailedInitContainerIsStartedAgainAndNothingAfterIt(String policy) {
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "init-1", 0, new ContainerState.Exited(T0, T0, 1, false), hash(INIT1));
        Pod pod = pod(policy, List.of(INIT1, INIT2), MAIN);

        manager.syncPod(pod);
        assertThat(runtime.calls()).containsExactlyElementsOf(started("init-1", 1, sb));

        runtime.exit("init-1#1", 1);
        runtime.clearCalls();
        events.clear();
        KubeRuntimeManager.SyncResult backingOff = manager.syncPod(pod);
        assertThat(runtime.calls()).isEmpty();
        assertThat(events.lines()).containsExactly(
                "Warning BackOff Back-off restarting failed container init-1 in pod web_default(uid-1)");
        assertThat(backingOff.waiting()).containsOnlyKeys("init-1");
        assertThat(backingOff.resyncAfter()).contains(Duration.ofMillis(10_100));
    }

    @Test
    void anInstanceThatNeverStartedIsRemovedBeforeItsContainerStarts() {
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Created(), hash(MAIN));

        manager.syncPod(pod("Always", List.of(), MAIN));

        assertThat(runtime.calls()).containsExactly("removeContainer main#0",
                "createContainer main attempt=1 in sb-1", "startContainer main#1");
    }

    @Test
    void aDeletedPodHasEveryContainerStoppedWithItsGracePeriodThenItsSandboxRemoved() {
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Running(T0), hash(MAIN));
        runtime.addContainer(UID, sb, "side", 0, new ContainerState.Running(T0), hash(SIDE));
        runtime.addContainer(UID, sb, "init-1", 0, new ContainerState.Exited(T0, T0, 0, false), hash(INIT1));

        manager.killPod(pod("Always", List.of(INIT1), MAIN, SIDE), Duration.ofSeconds(5), true);

        // the containers stop in parallel, then the sandbox goes and takes its containers along
        assertThat(runtime.calls().subList(0, 2)).containsExactlyInAnyOrder("stopContainer main#0 grace=5s",
                "stopContainer side#0 grace=5s");
        assertThat(runtime.calls().subList(2, runtime.calls().size())).containsExactly("stopPodSandbox " + sb,
                "removePodSandbox " + sb);
        assertThat(events.lines()).containsExactlyInAnyOrder("Normal Killing Stopping container main",
                "Normal Killing Stopping container side");
        assertThat(runtime.containerIds()).isEmpty();
        assertThat(manager.state(UID).sandboxes()).isEmpty();
    }

    @Test
    void aFinishedPodIsStoppedButKeptForItsLogs() {
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Exited(T0, T0, 0, false), hash(MAIN));

        manager.killPod(pod("Never", List.of(), MAIN), Duration.ofSeconds(30), false);

        assertThat(runtime.calls()).containsExactly("stopPodSandbox " + sb);
        assertThat(events.lines()).isEmpty();
        assertThat(runtime.containerIds()).containsExactly("main#0");
        assertThat(manager.state(UID).readySandbox()).isEqualTo(Optional.empty());
    }

    // ---- lifecycle hooks --------------------------------------------------------------------------------------

    private static Container withHooks(Container c, io.fabric8.kubernetes.api.model.LifecycleHandler postStart,
            io.fabric8.kubernetes.api.model.LifecycleHandler preStop) {
        return new io.fabric8.kubernetes.api.model.ContainerBuilder(c).withNewLifecycle().withPostStart(postStart)
                .withPreStop(preStop).endLifecycle().build();
    }

    private static io.fabric8.kubernetes.api.model.LifecycleHandler exec(String... command) {
        return new io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder().withNewExec().withCommand(command)
                .endExec().build();
    }

    private static io.fabric8.kubernetes.api.model.LifecycleHandler sleep(long seconds) {
        return new io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder().withNewSleep(seconds).build();
    }

    private static Pod withGrace(Pod pod, long seconds) {
        return new io.fabric8.kubernetes.api.model.PodBuilder(pod).editSpec()
                .withTerminationGracePeriodSeconds(seconds).endSpec().build();
    }

    @Test
    void thePostStartHookRunsRightAfterTheContainerStartsAndItsOutcomeIsJournaled() {
        Pod pod = pod("Always", List.of(), withHooks(MAIN, exec("touch", "/ready"), null));

        KubeRuntimeManager.SyncResult result = manager.syncPod(pod);

        assertThat(runtime.calls()).containsExactly("runPodSandbox web attempt=0",
                "createContainer main attempt=0 in sb-1", "startContainer main#0", "exec main#0 touch /ready");
        assertThat(events.lines()).containsExactlyElementsOf(startEvents("main"));
        assertThat(result.waiting()).isEmpty();
        assertThat(journal.last(UID, "main#0", Hook.POST_START)).contains(HookJournal.State.SUCCEEDED);
    }

    @Test
    void aFailingPostStartIsAnEventThenAKillThatRunsPreStopAndTheContainerWaitsWithTheHookError() {
        runtime.onExec(cmd -> new FakeRuntime.Exec(1, "", "boom\n", Duration.ZERO));
        Pod pod = pod("Always", List.of(), withHooks(MAIN, exec("false"), exec("cleanup")));

        KubeRuntimeManager.SyncResult result = manager.syncPod(pod);

        assertThat(runtime.calls()).containsExactly("runPodSandbox web attempt=0",
                "createContainer main attempt=0 in sb-1", "startContainer main#0", "exec main#0 false",
                "exec main#0 cleanup", "stopContainer main#0 grace=30s");
        assertThat(events.lines()).containsExactly(PULLED, "Normal Created Created container: main",
                "Normal Started Started container main", "Warning FailedPostStartHook PostStartHook failed",
                "Normal Killing FailedPostStartHook", "Warning FailedPreStopHook PreStopHook failed");
        assertThat(result.waiting()).containsExactly(Map.entry("main", new WaitingReason("PostStartHookError",
                "Exec lifecycle hook ([false]) for Container \"main\" in Pod \"web_default(uid-1)\" failed - error: "
                        + "command 'false' exited with 1: boom\n, message: \"boom\\n\"")));
        assertThat(journal.last(UID, "main#0", Hook.POST_START)).contains(HookJournal.State.FAILED);
        assertThat(journal.last(UID, "main#0", Hook.PRE_STOP)).contains(HookJournal.State.FAILED);
    }

    @Test
    void withHookOutputOnTheFailureEventEndsWithTheExitCodeAndTheLastOutputLine() {
        runtime.onExec(cmd -> new FakeRuntime.Exec(3, "first\n", "x".repeat(300) + "\n", Duration.ZERO));
        Pod pod = new io.fabric8.kubernetes.api.model.PodBuilder(
                pod("Always", List.of(), withHooks(MAIN, exec("check"), null))).editMetadata()
                .addToAnnotations("hooks.j8s.dev/output", "true").endMetadata().build();

        manager.syncPod(pod);

        assertThat(events.lines()).contains("Warning FailedPostStartHook PostStartHook failed: exit code 3: "
                + "x".repeat(256));
    }

    @Test
    void aPreStopRunsBeforeTheStopSignalAndTheWholeSecondsItTookAreSubtractedFromTheGracePeriod() {
        runtime.onExec(cmd -> new FakeRuntime.Exec(0, "", "", Duration.ofMillis(1100)));
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Running(T0), hash(MAIN));

        manager.killPod(pod("Always", List.of(), withHooks(MAIN, null, exec("drain"))), Duration.ofSeconds(5), true);

        assertThat(runtime.calls().subList(0, 2)).containsExactly("exec main#0 drain", "stopContainer main#0 grace=4s");
        assertThat(events.lines()).containsExactly("Normal Killing Stopping container main");
        assertThat(journal.last(UID, "main#0", Hook.PRE_STOP)).contains(HookJournal.State.SUCCEEDED);
    }

    @Test
    void aPreStopOutlastingTheGracePeriodIsAbandonedAndTheStopSignalStillGetsTwoSeconds() {
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Running(T0), hash(MAIN));
        long start = System.nanoTime();

        manager.killPod(pod("Always", List.of(), withHooks(MAIN, null, sleep(30))), Duration.ofSeconds(1), true);

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofSeconds(4));
        assertThat(runtime.calls().getFirst()).isEqualTo("stopContainer main#0 grace=2s");
        assertThat(events.lines()).containsExactly("Normal Killing Stopping container main");
        assertThat(journal.last(UID, "main#0", Hook.PRE_STOP)).contains(HookJournal.State.CANCELLED);
    }

    @Test
    void aPreStopTheJournalHasAsFinishedIsNotRunAgainWhenTheKillIsRepeated() {
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Running(T0), hash(MAIN));
        journal.started(UID, "main#0", Hook.PRE_STOP);
        journal.finished(UID, "main#0", Hook.PRE_STOP, HookJournal.State.SUCCEEDED);

        manager.killPod(pod("Always", List.of(), withHooks(MAIN, null, exec("drain"))), Duration.ofSeconds(5), true);

        assertThat(runtime.calls()).doesNotContain("exec main#0 drain").contains("stopContainer main#0 grace=5s");
    }

    @Test
    void aPostStartThatWasRunningWhenTheKubeletStoppedRunsAgainWithAnEvent() {
        String sb = readySandbox();
        Container c = withHooks(MAIN, exec("register"), null);
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Running(T0), hash(c));
        journal.started(UID, "main#0", Hook.POST_START);

        manager.syncPod(pod("Always", List.of(), c));

        assertThat(runtime.calls()).containsExactly("exec main#0 register");
        assertThat(events.lines()).containsExactly("Normal PostStartHookRedelivered PostStartHook of container main "
                + "was running when the kubelet stopped; running it again");
        assertThat(journal.last(UID, "main#0", Hook.POST_START)).contains(HookJournal.State.SUCCEEDED);

        runtime.clearCalls();
        manager.syncPod(pod("Always", List.of(), c));
        assertThat(runtime.calls()).as("a completed postStart is not run again").isEmpty();
    }

    @Test
    void aPostStartStillRunningStopsWhenThePodIsToBeTerminated() throws Exception {
        Pod pod = pod("Always", List.of(), withHooks(MAIN, sleep(60), null));
        Thread.ofVirtual().start(() -> {
            J8sTestClock.sleep(Duration.ofMillis(300));
            manager.requestTermination(UID);
        });
        long start = System.nanoTime();

        KubeRuntimeManager.SyncResult result = manager.syncPod(pod);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(result.waiting()).containsExactly(Map.entry("main", new WaitingReason("ContainerCreating", "")));
        assertThat(events.lines()).doesNotContain("Warning FailedPostStartHook PostStartHook failed");
        assertThat(journal.last(UID, "main#0", Hook.POST_START)).contains(HookJournal.State.CANCELLED);
    }

    @Test
    void theStopSignalIsTheSpecsOverTheImagesOverSigterm() {
        var image = image("SIGQUIT");
        Container plain = container("main", "busybox:1.36");
        Container custom = new io.fabric8.kubernetes.api.model.ContainerBuilder(plain).withNewLifecycle()
                .withStopSignal("SIGUSR1").endLifecycle().build();
        assertThat(KubeRuntimeManager.stopSignal(custom, image)).isEqualTo("SIGUSR1");
        assertThat(KubeRuntimeManager.stopSignal(plain, image)).isEqualTo("SIGQUIT");
        assertThat(KubeRuntimeManager.stopSignal(plain, image(""))).isEqualTo("SIGTERM");
    }

    private static dev.j8s.oci.manifest.ImageConfig image(String stopSignal) {
        return new dev.j8s.oci.manifest.ImageConfig(new dev.j8s.oci.manifest.Platform("linux", "amd64",
                Optional.empty()), List.of(), List.of(), List.of("sh"), "/", "", java.util.Set.of(), Map.of(),
                stopSignal, java.util.Set.of(), List.of());
    }

    // ---- probes ---------------------------------------------------------------------------------------------

    @Test
    void aFailedLivenessProbeKillsThroughPreStopWithTheProbesGracePeriodAndStartsANewInstance() {
        String sb = readySandbox();
        Container c = new io.fabric8.kubernetes.api.model.ContainerBuilder(withHooks(MAIN, null, exec("drain")))
                .withNewLivenessProbe().withNewTcpSocket().withNewPort(80).endTcpSocket()
                .withTerminationGracePeriodSeconds(7L).endLivenessProbe().build();
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Running(T0), hash(c));
        liveness.put("main#0", dev.j8s.kubelet.prober.results.Result.FAILURE);

        manager.syncPod(pod("Always", List.of(), c));

        assertThat(runtime.calls()).containsExactly("exec main#0 drain", "stopContainer main#0 grace=7s",
                "createContainer main attempt=1 in sb-1", "startContainer main#1");
        assertThat(events.lines()).startsWith("Normal Killing Container main failed liveness probe, will be restarted")
                .endsWith("Normal Created Created container: main", "Normal Started Started container main");
    }

    @Test
    void aFailedStartupProbeUnderNeverKillsWithoutARestart() {
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Running(T0), hash(MAIN));
        startup.put("main#0", dev.j8s.kubelet.prober.results.Result.FAILURE);

        manager.syncPod(pod("Never", List.of(), MAIN));

        assertThat(runtime.calls()).containsExactly("stopContainer main#0 grace=30s");
        assertThat(events.lines()).containsExactly("Normal Killing Container main failed startup probe");
    }

    // ---- sidecars ---------------------------------------------------------------------------------------------

    private static final Container SIDE_A = new io.fabric8.kubernetes.api.model.ContainerBuilder(
            container("side-a", "busybox:1.36")).withRestartPolicy("Always").build();
    private static final Container SIDE_B = new io.fabric8.kubernetes.api.model.ContainerBuilder(
            container("side-b", "busybox:1.36")).withRestartPolicy("Always").build();

    @Test
    void aSidecarThatFailsToStartDoesNotHoldBackTheNextOne() {
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "side-a", 0, new ContainerState.Exited(T0, T0, 1, false), hash(SIDE_A));
        runtime.addContainer(UID, sb, "side-b", 0, new ContainerState.Exited(T0, T0, 1, false), hash(SIDE_B));
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Running(T0), hash(MAIN));
        runtime.failNext("createContainer", new ContainerRuntimeException("no space left on device"));

        KubeRuntimeManager.SyncResult result = manager.syncPod(pod("Always", List.of(SIDE_A, SIDE_B), MAIN));

        assertThat(runtime.calls()).containsExactly("createContainer side-a attempt=1 in sb-1",
                "createContainer side-b attempt=1 in sb-1", "startContainer side-b#1");
        assertThat(result.waiting()).containsOnlyKeys("side-a");
        assertThat(result.waiting().get("side-a").reason()).isEqualTo("CreateContainerError");
    }

    @Test
    void onDeletionTheRegularContainersStopFirstThenTheSidecarsInReverseOrder() {
        String sb = readySandbox();
        runtime.addContainer(UID, sb, "side-a", 0, new ContainerState.Running(T0), hash(SIDE_A));
        runtime.addContainer(UID, sb, "side-b", 0, new ContainerState.Running(T0), hash(SIDE_B));
        runtime.addContainer(UID, sb, "main", 0, new ContainerState.Running(T0), hash(MAIN));
        runtime.addContainer(UID, sb, "side", 0, new ContainerState.Running(T0), hash(SIDE));

        manager.killPod(pod("Always", List.of(SIDE_A, SIDE_B), MAIN, SIDE), Duration.ofSeconds(10), true);

        List<String> stops = runtime.calls().stream().filter(c -> c.startsWith("stopContainer")).toList();
        assertThat(stops.subList(0, 2)).containsExactlyInAnyOrder("stopContainer main#0 grace=10s",
                "stopContainer side#0 grace=10s");
        assertThat(stops.subList(2, 4)).containsExactly("stopContainer side-b#0 grace=10s",
                "stopContainer side-a#0 grace=10s");
    }

    @Test
    void aSidecarWhoseTurnDoesNotComeWithinTheGracePeriodIsStoppedWithTheTwoSecondMinimum() {
        TerminationOrdering ordering = new TerminationOrdering(pod("Always", List.of(SIDE_A), MAIN),
                List.of("side-a", "main"));
        long start = System.nanoTime();

        long waited = ordering.waitForTurn("side-a", Duration.ofMillis(1200));

        assertThat(waited).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1150),
                Duration.ofSeconds(3));
        ordering.containerTerminated("main");
        assertThat(ordering.waitForTurn("side-a", Duration.ofSeconds(5))).isZero();
        assertThat(ordering.waitForTurn("main", Duration.ofSeconds(5))).as("regular containers never wait").isZero();
    }

    /** Sleeps without an InterruptedException to handle. */
    private static final class J8sTestClock {
        static void sleep(Duration d) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
