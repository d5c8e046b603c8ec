package dev.j8s.kubelet.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class PodStatusGeneratorTest {

  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  private static final Instant T0 = Instant.parse("2025-03-01T11:59:00Z");
  private static final String IMAGE_ID =
      "docker.io/library/busybox@sha256:0000000000000000000000000000000000000000000000000000000000000001";

  private static Pod pod(String restartPolicy, String... containers) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName("busy").withNamespace("default").withUid("uid-1")
        .endMetadata().withNewSpec().withRestartPolicy(restartPolicy).withNodeName("node1").endSpec();
    for (String c : containers) {
      b.editSpec().addNewContainer().withName(c).withImage("busybox:1.36").endContainer().endSpec();
    }
    return b.build();
  }

  private static Pod withInit(Pod pod, String init) {
    return new PodBuilder(pod).editSpec().addNewInitContainer().withName(init).withImage("busybox:1.36")
        .endInitContainer().endSpec().build();
  }

  private static ContainerObservation running(String name, int restart, Instant created) {
    return new ContainerObservation(name, "c-" + name + "-" + restart, restart, "busybox:1.36", IMAGE_ID,
        new ContainerState.Running(created.plusSeconds(1)), created, "");
  }

  private static ContainerObservation exited(String name, int restart, int code, boolean oom, Instant created) {
    return new ContainerObservation(name, "c-" + name + "-" + restart, restart, "busybox:1.36", IMAGE_ID,
        new ContainerState.Exited(created.plusSeconds(1), created.plusSeconds(2), code, oom), created, "");
  }

  private static PodStatus generate(Pod pod, List<ContainerObservation> containers,
      Map<String, WaitingReason> waiting, boolean terminal) {
    return PodStatusGenerator.generate(new PodStatusInput(pod, containers, !containers.isEmpty(),
        List.of("192.168.1.10"), containers.isEmpty() ? List.of() : List.of("10.244.0.5"), waiting, terminal,
        NOW));
  }

  private static Pod with(Pod pod, PodStatus status) {
    return new PodBuilder(pod).withStatus(status).build();
  }

  private static PodCondition condition(PodStatus s, String type) {
    return s.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
  }

  private static ContainerStatus container(PodStatus s, String name) {
    return Stream.concat(s.getContainerStatuses().stream(), s.getInitContainerStatuses().stream())
        .filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aPodWithoutContainersYetIsPendingInContainerCreating() {
    Pod pod = pod("Always", "main");
    PodStatus s = generate(pod, List.of(), Map.of(), false);
    assertThat(s.getPhase()).isEqualTo("Pending");
    assertThat(container(s, "main").getState().getWaiting().getReason()).isEqualTo("ContainerCreating");
    assertThat(container(s, "main").getStarted()).isFalse();
    assertThat(condition(s, "PodReadyToStartContainers").getStatus()).isEqualTo("False");
    assertThat(condition(s, "Ready").getReason()).isEqualTo("ContainersNotReady");
    assertThat(condition(s, "Ready").getMessage()).isEqualTo("containers with unready status: [main]");
    assertThat(condition(s, "ContainersReady").getMessage()).isEqualTo("containers with unready status: [main]");
    assertThat(s.getConditions()).extracting(PodCondition::getType).containsExactly(
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled");
    assertThat(s.getPodIP()).isNull();
    assertThat(s.getHostIP()).isEqualTo("192.168.1.10");
    assertThat(s.getStartTime()).isEqualTo("2025-03-01T12:00:00Z");
    assertThat(s.getQosClass()).isEqualTo("BestEffort");
    assertThat(KubectlPodPrinter.status(with(pod, s))).isEqualTo("ContainerCreating");
  }

  @Test
  void aRunningContainerIsStartedReadyAndNamedByItsRuncId() {
    Pod pod = pod("Always", "main");
    PodStatus s = generate(pod, List.of(running("main", 0, T0)), Map.of(), false);
    assertThat(s.getPhase()).isEqualTo("Running");
    ContainerStatus c = container(s, "main");
    assertThat(c.getContainerID()).isEqualTo("runc://c-main-0");
    assertThat(c.getImageID()).isEqualTo(IMAGE_ID);
    assertThat(c.getImage()).isEqualTo("busybox:1.36");
    assertThat(c.getState().getRunning().getStartedAt()).isEqualTo("2025-03-01T11:59:01Z");
    assertThat(c.getReady()).isTrue();
    assertThat(c.getStarted()).isTrue();
    assertThat(c.getRestartCount()).isZero();
    assertThat(c.getLastState().getTerminated()).isNull();
    assertThat(condition(s, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(s, "ContainersReady").getStatus()).isEqualTo("True");
    assertThat(condition(s, "PodReadyToStartContainers").getStatus()).isEqualTo("True");
    assertThat(s.getPodIP()).isEqualTo("10.244.0.5");
    assertThat(s.getPodIPs()).extracting(ip -> ip.getIp()).containsExactly("10.244.0.5");
    Pod shown = with(pod, s);
    assertThat(KubectlPodPrinter.status(shown)).isEqualTo("Running");
    assertThat(KubectlPodPrinter.ready(shown)).isEqualTo("1/1");
  }

  @Test
  void aPodWithoutProbesGoesFromScheduledToRunningAndReadyInOneStatusWriteAndItsResyncsWriteNothing() {
    // upstream folds the transitions: with no probe the container is ready as soon as it runs, so the first status
    // after the start says Running and Ready together; a later sync that observes the same makes no write
    List<PodStatus> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
    StatusManager manager = new StatusManager((ns, name, uid, status) -> {
      writes.add(status);
      return java.util.Optional.of(new Pod());
    });
    Pod pod = pod("Always", "main");
    for (Instant at : List.of(NOW, NOW.plusSeconds(1), NOW.plusSeconds(10))) {
      Pod base = manager.podStatus("uid-1").map(last -> with(pod, last)).orElse(pod);
      manager.setPodStatus(pod, PodStatusGenerator.generate(new PodStatusInput(base, List.of(running("main", 0, T0)),
          true, List.of("192.168.1.10"), List.of("10.244.0.5"), Map.of(), false, at)));
    }

    assertThat(writes).hasSize(1);
    PodStatus only = writes.get(0);
    assertThat(only.getPhase()).isEqualTo("Running");
    assertThat(container(only, "main").getReady()).isTrue();
    assertThat(condition(only, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(only, "ContainersReady").getStatus()).isEqualTo("True");
  }

  @Test
  void aContainerThatExitedZeroUnderNeverCompletesThePod() {
    Pod pod = pod("Never", "main");
    PodStatus s = generate(pod, List.of(exited("main", 0, 0, false, T0)), Map.of(), false);
    assertThat(s.getPhase()).isEqualTo("Succeeded");
    var t = container(s, "main").getState().getTerminated();
    assertThat(t.getReason()).isEqualTo("Completed");
    assertThat(t.getExitCode()).isZero();
    assertThat(t.getContainerID()).isEqualTo("runc://c-main-0");
    assertThat(t.getFinishedAt()).isEqualTo("2025-03-01T11:59:02Z");
    assertThat(condition(s, "Ready").getReason()).isEqualTo("PodCompleted");
    assertThat(condition(s, "ContainersReady").getReason()).isEqualTo("PodCompleted");
    assertThat(KubectlPodPrinter.status(with(pod, s))).isEqualTo("Completed");
  }

  @Test
  void aFailedContainerUnderNeverFailsThePodAndPrintsError() {
    Pod pod = pod("Never", "main");
    PodStatus s = generate(pod, List.of(exited("main", 0, 1, false, T0)), Map.of(), false);
    assertThat(s.getPhase()).isEqualTo("Failed");
    assertThat(container(s, "main").getState().getTerminated().getReason()).isEqualTo("Error");
    assertThat(condition(s, "ContainersReady").getReason()).isEqualTo("PodFailed");
    assertThat(condition(s, "Ready").getReason()).isEqualTo("PodFailed");
    assertThat(KubectlPodPrinter.status(with(pod, s))).isEqualTo("Error");
  }

  @Test
  void anOomKilledContainerSaysSo() {
    Pod pod = pod("Never", "main");
    PodStatus s = generate(pod, List.of(exited("main", 0, 137, true, T0)), Map.of(), false);
    assertThat(container(s, "main").getState().getTerminated().getReason()).isEqualTo("OOMKilled");
    assertThat(KubectlPodPrinter.status(with(pod, s))).isEqualTo("OOMKilled");
  }

  @Test
  void aCrashingContainerWaitsInCrashLoopBackOffWithItsLastTermination() {
    Pod pod = pod("Always", "main");
    String message = "back-off 10s restarting failed container=main pod=busy_default(uid-1)";
    PodStatus s = generate(pod, List.of(exited("main", 1, 2, false, T0), exited("main", 0, 2, false, T0.minusSeconds(20))),
        Map.of("main", new WaitingReason("CrashLoopBackOff", message)), false);
    assertThat(s.getPhase()).isEqualTo("Running");
    ContainerStatus c = container(s, "main");
    assertThat(c.getState().getWaiting().getReason()).isEqualTo("CrashLoopBackOff");
    assertThat(c.getState().getWaiting().getMessage()).isEqualTo(message);
    assertThat(c.getLastState().getTerminated().getReason()).isEqualTo("Error");
    assertThat(c.getLastState().getTerminated().getExitCode()).isEqualTo(2);
    assertThat(c.getLastState().getTerminated().getContainerID()).isEqualTo("runc://c-main-1");
    assertThat(c.getRestartCount()).isEqualTo(1);
    assertThat(c.getReady()).isFalse();
    assertThat(KubectlPodPrinter.status(with(pod, s))).isEqualTo("CrashLoopBackOff");
  }

  @Test
  void theNewestInstanceIsTheStateAndTheOneBeforeItTheLastState() {
    Pod pod = pod("Always", "main");
    PodStatus s = generate(pod, List.of(exited("main", 0, 1, false, T0.minusSeconds(30)), running("main", 1, T0)),
        Map.of(), false);
    ContainerStatus c = container(s, "main");
    assertThat(c.getState().getRunning()).isNotNull();
    assertThat(c.getRestartCount()).isEqualTo(1);
    assertThat(c.getLastState().getTerminated().getExitCode()).isEqualTo(1);
  }

  @Test
  void aPodBeingDeletedPrintsTerminating() {
    Pod pod = new PodBuilder(pod("Always", "main")).editMetadata()
        .withDeletionTimestamp("2025-03-01T12:00:30Z").endMetadata().build();
    PodStatus s = generate(pod, List.of(running("main", 0, T0)), Map.of(), false);
    assertThat(KubectlPodPrinter.status(with(pod, s))).isEqualTo("Terminating");
  }

  @Test
  void aDeletedPodWhoseContainerDiedOfSigtermEndsFailedEvenUnderAlways() {
    Pod pod = pod("Always", "main");
    PodStatus s = generate(pod, List.of(exited("main", 0, 143, false, T0)), Map.of(), true);
    assertThat(s.getPhase()).isEqualTo("Failed");
    PodStatus ok = generate(pod, List.of(exited("main", 0, 0, false, T0)), Map.of(), true);
    assertThat(ok.getPhase()).isEqualTo("Succeeded");
  }

  @Test
  void aRunningInitContainerKeepsThePodPendingAsInit0Of1() {
    Pod pod = withInit(pod("Always", "main"), "setup");
    PodStatus s = generate(pod, List.of(running("setup", 0, T0)), Map.of(), false);
    assertThat(s.getPhase()).isEqualTo("Pending");
    assertThat(container(s, "main").getState().getWaiting().getReason()).isEqualTo("PodInitializing");
    assertThat(container(s, "setup").getReady()).isFalse();
    assertThat(condition(s, "Initialized").getStatus()).isEqualTo("False");
    assertThat(condition(s, "Initialized").getReason()).isEqualTo("ContainersNotInitialized");
    assertThat(condition(s, "Initialized").getMessage()).isEqualTo("containers with incomplete status: [setup]");
    assertThat(KubectlPodPrinter.status(with(pod, s))).isEqualTo("Init:0/1");
  }

  @Test
  void aSucceededInitContainerIsReadyAndThePodInitialized() {
    Pod pod = withInit(pod("Always", "main"), "setup");
    PodStatus s = generate(pod, List.of(exited("setup", 0, 0, false, T0.minusSeconds(10)), running("main", 0, T0)),
        Map.of(), false);
    assertThat(s.getPhase()).isEqualTo("Running");
    assertThat(container(s, "setup").getReady()).isTrue();
    assertThat(condition(s, "Initialized").getStatus()).isEqualTo("True");
    assertThat(KubectlPodPrinter.status(with(pod, s))).isEqualTo("Running");
  }

  @Test
  void aFailedInitContainerUnderNeverFailsThePod() {
    Pod pod = withInit(pod("Never", "main"), "setup");
    PodStatus s = generate(pod, List.of(exited("setup", 0, 3, false, T0)), Map.of(), false);
    assertThat(s.getPhase()).isEqualTo("Failed");
    assertThat(KubectlPodPrinter.status(with(pod, s))).isEqualTo("Init:Error");
  }

  @Test
  void unreadyContainersAreListedByNameInGoSliceFormat() {
    Pod pod = pod("Always", "web", "side", "app");
    PodStatus s = generate(pod, List.of(running("web", 0, T0)), Map.of(), false);
    assertThat(s.getContainerStatuses()).extracting(ContainerStatus::getName).containsExactly("app", "side", "web");
    assertThat(condition(s, "Ready").getMessage()).isEqualTo("containers with unready status: [side app]");
    assertThat(s.getPhase()).isEqualTo("Pending");
  }

  @Test
  void conditionTransitionTimesAreKeptWhileTheStatusStaysAndMovedWhenItChanges() {
    Pod pod = pod("Always", "main");
    PodStatus first = PodStatusGenerator.generate(new PodStatusInput(pod, List.of(), false, List.of("192.168.1.10"),
        List.of(), Map.of(), false, T0));
    PodStatus second = generate(with(pod, first), List.of(running("main", 0, T0)), Map.of(), false);
    assertThat(condition(second, "PodScheduled").getLastTransitionTime()).isEqualTo("2025-03-01T11:59:00Z");
    assertThat(condition(second, "Initialized").getLastTransitionTime()).isEqualTo("2025-03-01T11:59:00Z");
    assertThat(condition(second, "Ready").getLastTransitionTime()).isEqualTo("2025-03-01T12:00:00Z");
    assertThat(second.getStartTime()).isEqualTo("2025-03-01T11:59:00Z");
  }

  @Test
  void aTerminalPhaseIsNeverTurnedBack() {
    Pod pod = pod("Never", "main");
    PodStatus done = generate(pod, List.of(exited("main", 0, 0, false, T0)), Map.of(), false);
    PodStatus later = generate(with(pod, done), List.of(), Map.of(), false);
    assertThat(later.getPhase()).isEqualTo("Succeeded");
    assertThat(container(later, "main").getState().getTerminated().getReason()).isEqualTo("Completed");
  }

  @Test
  void aContainerSeenRunningThatVanishedIsReportedAsUnknownTermination() {
    Pod pod = pod("Always", "main");
    PodStatus runningStatus = generate(pod, List.of(running("main", 0, T0)), Map.of(), false);
    PodStatus s = generate(with(pod, runningStatus), List.of(), Map.of(), false);
    ContainerStatus c = container(s, "main");
    assertThat(c.getLastState().getTerminated().getReason()).isEqualTo("ContainerStatusUnknown");
    assertThat(c.getLastState().getTerminated().getExitCode()).isEqualTo(137);
    assertThat(c.getLastState().getTerminated().getMessage())
        .isEqualTo("The container could not be located when the pod was deleted.  The container used to be Running");
    assertThat(c.getRestartCount()).isEqualTo(1);
    assertThat(s.getPodIP()).as("the address stays until the pod ends").isEqualTo("10.244.0.5");
  }

  @Test
  void aFinishedPodKeepsItsPodIpsAfterItsSandboxIsTornDown() {
    Pod pod = pod("Never", "main");
    PodStatus running = generate(pod, List.of(running("main", 0, T0)), Map.of(), false);
    // The container exited and the kubelet stopped the sandbox: the runtime reports no address any more.
    PodStatus done = PodStatusGenerator.generate(new PodStatusInput(with(pod, running),
        List.of(exited("main", 0, 0, false, T0)), false, List.of("192.168.1.10"), List.of(), Map.of(), true, NOW));
    assertThat(done.getPhase()).isEqualTo("Succeeded");
    assertThat(done.getPodIP()).isEqualTo("10.244.0.5");
    assertThat(done.getPodIPs()).extracting(ip -> ip.getIp()).containsExactly("10.244.0.5");

    PodStatus failed = PodStatusGenerator.generate(new PodStatusInput(with(pod, running),
        List.of(exited("main", 0, 1, false, T0)), false, List.of("192.168.1.10"), List.of(), Map.of(), true, NOW));
    assertThat(failed.getPhase()).isEqualTo("Failed");
    assertThat(failed.getPodIPs()).extracting(ip -> ip.getIp()).containsExactly("10.244.0.5");

    PodStatus later = PodStatusGenerator.generate(new PodStatusInput(with(pod, done), List.of(), false,
        List.of("192.168.1.10"), List.of(), Map.of(), true, NOW.plusSeconds(60)));
    assertThat(later.getPodIP()).as("still there on later syncs").isEqualTo("10.244.0.5");
  }

  record Qos(String name, Map<String, String> requests, Map<String, String> limits, String expected) {}

  static Stream<Qos> qos() {
    return Stream.of(
        new Qos("nothing", Map.of(), Map.of(), "BestEffort"),
        new Qos("equal cpu and memory", Map.of("cpu", "100m", "memory", "64Mi"),
            Map.of("cpu", "0.1", "memory", "64Mi"), "Guaranteed"),
        new Qos("limits only, requests not yet defaulted", Map.of(), Map.of("cpu", "1", "memory", "1Gi"), "Burstable"),
        new Qos("requests below limits", Map.of("cpu", "50m"), Map.of("cpu", "100m", "memory", "64Mi"), "Burstable"),
        new Qos("memory only", Map.of("memory", "64Mi"), Map.of(), "Burstable"),
        new Qos("only non-compute", Map.of("ephemeral-storage", "1Gi"), Map.of(), "BestEffort"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("qos")
  void theQosClassFollowsRequestsAndLimits(Qos q) {
    Map<String, Quantity> requests = new java.util.HashMap<>();
    q.requests().forEach((k, v) -> requests.put(k, new Quantity(v)));
    Map<String, Quantity> limits = new java.util.HashMap<>();
    q.limits().forEach((k, v) -> limits.put(k, new Quantity(v)));
    Pod pod = new PodBuilder(pod("Always", "main")).editSpec().editFirstContainer()
        .withResources(new ResourceRequirementsBuilder().withRequests(requests).withLimits(limits).build())
        .endContainer().endSpec().build();
    assertThat(QosClass.of(pod.getSpec())).isEqualTo(q.expected());
  }

  // ---- probes ----------------------------------------------------------------------------------------------

  private static Pod probed(boolean startup, boolean readiness) {
    var probe = new io.fabric8.kubernetes.api.model.ProbeBuilder().withNewTcpSocket()
        .withPort(new io.fabric8.kubernetes.api.model.IntOrString(80)).endTcpSocket().build();
    return new PodBuilder(pod("Always", "main")).editSpec().editFirstContainer()
        .withStartupProbe(startup ? probe : null).withReadinessProbe(readiness ? probe : null).endContainer()
        .endSpec().build();
  }

  private static PodStatus generate(Pod pod, List<ContainerObservation> containers, ProbeVerdicts probes) {
    return PodStatusGenerator.generate(new PodStatusInput(pod, containers, true, List.of("192.168.1.10"),
        List.of("10.244.0.5"), Map.of(), false, NOW, probes));
  }

  private static ProbeVerdicts results(Map<String, Boolean> startup, Map<String, Boolean> readiness) {
    return new ProbeVerdicts() {
      @Override
      public java.util.Optional<Boolean> startupSucceeded(String id) {
        return java.util.Optional.ofNullable(startup.get(id));
      }

      @Override
      public java.util.Optional<Boolean> readinessSucceeded(String id) {
        return java.util.Optional.ofNullable(readiness.get(id));
      }
    };
  }

  @Test
  void aRunningContainerIsStartedOnceItsStartupProbeSucceededAndReadyOnceItsReadinessProbeDid() {
    var success = true;
    var failure = false;
    List<ContainerObservation> main = List.of(running("main", 0, T0));

    PodStatus waitingForStartup = generate(probed(true, true), main, results(Map.of(), Map.of("c-main-0", success)));
    assertThat(container(waitingForStartup, "main").getStarted()).isFalse();
    assertThat(container(waitingForStartup, "main").getReady()).as("not ready before started").isFalse();

    PodStatus startedNotReady = generate(probed(true, true), main,
        results(Map.of("c-main-0", success), Map.of("c-main-0", failure)));
    assertThat(container(startedNotReady, "main").getStarted()).isTrue();
    assertThat(container(startedNotReady, "main").getReady()).isFalse();
    assertThat(condition(startedNotReady, "ContainersReady").getMessage())
        .isEqualTo("containers with unready status: [main]");
    assertThat(condition(startedNotReady, "Ready").getStatus()).isEqualTo("False");

    PodStatus ready = generate(probed(false, true), main, results(Map.of(), Map.of("c-main-0", success)));
    assertThat(container(ready, "main").getReady()).isTrue();
    assertThat(condition(ready, "Ready").getStatus()).isEqualTo("True");

    PodStatus noResultYet = generate(probed(false, true), main, results(Map.of(), Map.of()));
    assertThat(container(noResultYet, "main").getReady()).isFalse();
  }

  @Test
  void aReadinessChangeFlipsTheContainerAndTheConditionsAndMovesOnlyTheirTransitionTimes() {
    Pod pod = probed(false, true);
    var success = true;
    PodStatus before = generate(pod, List.of(running("main", 0, T0)), results(Map.of(), Map.of()));
    assertThat(condition(before, "Ready").getStatus()).isEqualTo("False");

    Instant later = NOW.plusSeconds(30);
    PodStatus after = PodStatusGenerator.withContainerReadiness(pod, before, "c-main-0", true, later);

    assertThat(container(after, "main").getReady()).isTrue();
    assertThat(condition(after, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(after, "Ready").getLastTransitionTime()).isEqualTo("2025-03-01T12:00:30Z");
    assertThat(condition(after, "ContainersReady").getStatus()).isEqualTo("True");
    assertThat(condition(after, "Initialized").getLastTransitionTime())
        .isEqualTo(condition(before, "Initialized").getLastTransitionTime());
    assertThat(container(before, "main").getReady()).as("the old status is not changed").isFalse();
    assertThat(PodStatusGenerator.withContainerReadiness(pod, after, "c-main-0", true, later)).isSameAs(after);
    assertThat(PodStatusGenerator.withContainerReadiness(pod, after, "c-other", false, later)).isSameAs(after);
    assertThat(generate(pod, List.of(running("main", 0, T0)), results(Map.of(), Map.of("c-main-0", success))))
        .as("the next full generation agrees").isNotNull();
  }

  @Test
  void theConditionsOthersOwnComeFromTheApiAndTheKubeletsFromItsLastStatus() {
    PodStatus last = new io.fabric8.kubernetes.api.model.PodStatusBuilder()
        .addNewCondition().withType("Ready").withStatus("False").endCondition()
        .addNewCondition().withType("example.com/gate").withStatus("False").endCondition().build();
    PodStatus api = new io.fabric8.kubernetes.api.model.PodStatusBuilder()
        .addNewCondition().withType("Ready").withStatus("True").endCondition()
        .addNewCondition().withType("example.com/gate").withStatus("True").endCondition().build();

    PodStatus merged = PodStatusGenerator.withApiConditions(last, api);

    assertThat(merged.getConditions()).extracting(c -> c.getType() + "=" + c.getStatus())
        .containsExactly("Ready=False", "example.com/gate=True");
  }
}
