package dev.j8s.kubelet.kuberuntime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.kubelet.container.ContainerHash;
import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.kuberuntime.PodActions.ContainerToKill;
import dev.j8s.kubelet.kuberuntime.PodActions.KillReason;
import dev.j8s.kubelet.prober.results.ProbeResults;
import dev.j8s.kubelet.prober.results.Result;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.PodSandboxStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link KubeRuntimeManager#computePodActions} tabulated: a pod spec and what a {@link FakeRuntime} holds for it
 * give the actions of upstream's {@code computePodActions}. Pure: no call reaches the runtime.
 */
class ComputePodActionsTest {

    private static final String UID = "uid-1";
    private static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");
    private static final Container MAIN = container("main", "busybox:1.36");
    private static final Container SIDE = container("side", "busybox:1.36");
    private static final Container INIT1 = container("init-1", "busybox:1.36");
    private static final Container INIT2 = container("init-2", "busybox:1.36");
    private static final Container SIDECAR = new ContainerBuilder(container("side-a", "busybox:1.36"))
            .withRestartPolicy("Always").build();
    private static final Container SIDECAR_B = new ContainerBuilder(container("side-b", "busybox:1.36"))
            .withRestartPolicy("Always").build();
    private static final Container PROBED_SIDECAR = new ContainerBuilder(SIDECAR).withNewStartupProbe().withNewExec()
            .withCommand("cat", "/ready").endExec().endStartupProbe().withNewLivenessProbe().withNewExec()
            .withCommand("true").endExec().endLivenessProbe().build();
    private static final Container WITH_POST_START = new ContainerBuilder(MAIN).withNewLifecycle().withNewPostStart()
            .withNewExec().withCommand("touch", "/ready").endExec().endPostStart().endLifecycle().build();

    /**
     * One row: the pod, what the runtime has for it, the containers whose postStart the hook journal has as
     * interrupted, and the actions expected.
     */
    record Case(String name, Pod pod, Consumer<FakeRuntime> runtime, Set<String> interrupted, ProbeResults probes,
            PodActions expected) {
        Case(String name, Pod pod, Consumer<FakeRuntime> runtime, PodActions expected) {
            this(name, pod, runtime, Set.of(), ProbeResults.NONE, expected);
        }

        Case(String name, Pod pod, Consumer<FakeRuntime> runtime, Set<String> interrupted, PodActions expected) {
            this(name, pod, runtime, interrupted, ProbeResults.NONE, expected);
        }

        Case(String name, Pod pod, Consumer<FakeRuntime> runtime, ProbeResults probes, PodActions expected) {
            this(name, pod, runtime, Set.of(), probes, expected);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void computePodActionsDecidesAsUpstream(Case c) {
        FakeRuntime runtime = new FakeRuntime(Clock.fixed(T0, ZoneOffset.UTC));
        c.runtime().accept(runtime);
        runtime.clearCalls();
        PodRuntimeState state = new PodRuntimeState(UID, runtime.listPodSandboxes(UID), runtime.listContainers());

        assertThat(KubeRuntimeManager.computePodActions(c.pod(), state, c.probes(), c.interrupted()))
                .isEqualTo(c.expected());
        assertThat(runtime.calls()).as("computePodActions calls nothing").isEmpty();
    }

    static Stream<Case> cases() {
        return Stream.of(
                // sandbox
                new Case("a fresh pod gets a sandbox and starts every container",
                        pod("Always", List.of(), MAIN, SIDE), rt -> {},
                        new PodActions(false, true, Optional.empty(), 0, List.of(), List.of(0, 1), List.of(), List.of(), List.of())),
                new Case("a fresh pod with init containers starts only the first one",
                        pod("Always", List.of(INIT1, INIT2), MAIN), rt -> {},
                        new PodActions(false, true, Optional.empty(), 0, List.of(0), List.of(), List.of(), List.of(), List.of())),
                new Case("a dead sandbox is killed and replaced with the next attempt",
                        pod("Always", List.of(), MAIN), rt -> {
                            String sb = rt.addSandbox(UID, PodSandboxStatus.State.NOTREADY, 0);
                            running(rt, sb, MAIN, 0);
                        },
                        new PodActions(true, true, Optional.of("sb-1"), 1, List.of(), List.of(0), List.of(), List.of(), List.of())),
                new Case("of two dead sandboxes the newest is the one replaced",
                        pod("Always", List.of(INIT1), MAIN), rt -> {
                            rt.addSandbox(UID, PodSandboxStatus.State.NOTREADY, 0);
                            String sb = rt.addSandbox(UID, PodSandboxStatus.State.NOTREADY, 1);
                            exited(rt, sb, INIT1, 0, 0);
                            exited(rt, sb, MAIN, 0, 0);
                        },
                        new PodActions(true, true, Optional.of("sb-2"), 2, List.of(0), List.of(), List.of(), List.of(), List.of())),
                // regular containers
                new Case("running containers with their spec's hash are kept",
                        pod("Always", List.of(), MAIN, SIDE), rt -> {
                            String sb = ready(rt);
                            running(rt, sb, MAIN, 0);
                            running(rt, sb, SIDE, 3);
                        },
                        PodActions.keep("sb-1", 0)),
                new Case("a running container whose image changed is killed and started again",
                        pod("Never", List.of(), container("main", "busybox:1.37"), SIDE), rt -> {
                            String sb = ready(rt);
                            running(rt, sb, MAIN, 0);
                            running(rt, sb, SIDE, 0);
                        },
                        new PodActions(false, false, Optional.of("sb-1"), 0, List.of(), List.of(0),
                                List.of(new ContainerToKill("main#0", "main", ContainerKind.CONTAINER,
                                        KillReason.DEFINITION_CHANGED,
                                        "Container main definition changed, will be restarted")),
                                List.of(), List.of())),
                new Case("only the container that is not running is started",
                        pod("Always", List.of(), MAIN, SIDE), rt -> {
                            String sb = ready(rt);
                            running(rt, sb, MAIN, 0);
                        },
                        starts(1)),
                exitedCase("Always", 0, true),
                exitedCase("Always", 1, true),
                exitedCase("OnFailure", 0, false),
                exitedCase("OnFailure", 1, true),
                exitedCase("Never", 0, false),
                exitedCase("Never", 1, false),
                new Case("an instance that never started is removed and the container started",
                        pod("Never", List.of(), MAIN), rt -> {
                            String sb = ready(rt);
                            rt.addContainer(UID, sb, "main", 0, new ContainerState.Created(), hash(MAIN));
                        },
                        new PodActions(false, false, Optional.of("sb-1"), 0, List.of(), List.of(0), List.of(),
                                List.of("main#0"), List.of())),
                new Case("a lost instance is removed and the container started",
                        pod("Never", List.of(), MAIN), rt -> {
                            String sb = ready(rt);
                            rt.addContainer(UID, sb, "main", 2, new ContainerState.Unknown("conmon died"), hash(MAIN));
                        },
                        new PodActions(false, false, Optional.of("sb-1"), 0, List.of(), List.of(0), List.of(),
                                List.of("main#2"), List.of())),
                new Case("a deleted pod starts nothing",
                        deleted(pod("Always", List.of(), MAIN)), rt -> {
                            String sb = ready(rt);
                            exited(rt, sb, MAIN, 0, 1);
                        },
                        PodActions.keep("sb-1", 0)),
                // init containers
                new Case("init containers run in order: the second after the first succeeded",
                        pod("Always", List.of(INIT1, INIT2), MAIN), rt -> {
                            String sb = ready(rt);
                            exited(rt, sb, INIT1, 0, 0);
                        },
                        initStarts(1)),
                new Case("while an init container runs nothing else starts",
                        pod("Always", List.of(INIT1, INIT2), MAIN), rt -> {
                            String sb = ready(rt);
                            exited(rt, sb, INIT1, 0, 0);
                            running(rt, sb, INIT2, 0);
                        },
                        PodActions.keep("sb-1", 0)),
                new Case("once every init container succeeded the containers start",
                        pod("Always", List.of(INIT1, INIT2), MAIN, SIDE), rt -> {
                            String sb = ready(rt);
                            exited(rt, sb, INIT1, 0, 0);
                            exited(rt, sb, INIT2, 1, 0);
                        },
                        starts(0, 1)),
                failedInitCase("Never", PodActions.keep("sb-1", 0)),
                failedInitCase("OnFailure", initStarts(0)),
                failedInitCase("Always", initStarts(0)),
                // probes
                probeKillCase("Always", "liveness", true),
                probeKillCase("OnFailure", "liveness", true),
                probeKillCase("Never", "liveness", false),
                probeKillCase("Always", "startup", true),
                probeKillCase("Never", "startup", false),
                new Case("a running container whose liveness probe succeeds or has no result yet is kept",
                        pod("Always", List.of(), MAIN, SIDE), rt -> {
                            String sb = ready(rt);
                            running(rt, sb, MAIN, 0);
                            running(rt, sb, SIDE, 0);
                        }, probes(Map.of("main#0", Result.SUCCESS), Map.of(), Map.of()),
                        PodActions.keep("sb-1", 0)),
                new Case("a failed readiness probe kills nothing",
                        pod("Always", List.of(), MAIN), rt -> running(rt, ready(rt), MAIN, 0),
                        probes(Map.of(), Map.of("main#0", Result.FAILURE), Map.of()),
                        PodActions.keep("sb-1", 0)),
                // sidecars (restartable init containers, KEP-753)
                new Case("a fresh pod with a sidecar starts it first",
                        pod("Always", List.of(SIDECAR, INIT1), MAIN), rt -> {},
                        new PodActions(false, true, Optional.empty(), 0, List.of(0), List.of(), List.of(), List.of(),
                                List.of())),
                new Case("a running sidecar without a startup probe lets the next init container start",
                        pod("Always", List.of(SIDECAR, INIT1), MAIN), rt -> running(rt, ready(rt), SIDECAR, 0),
                        initStarts(1)),
                new Case("a sidecar whose startup probe has not succeeded holds the next init container",
                        pod("Always", List.of(PROBED_SIDECAR, SIDECAR_B), MAIN),
                        rt -> running(rt, ready(rt), PROBED_SIDECAR, 0),
                        probes(Map.of(), Map.of(), Map.of("side-a#0", Result.UNKNOWN)),
                        PodActions.keep("sb-1", 0)),
                new Case("a sidecar whose startup probe succeeded lets the next sidecar start",
                        pod("Always", List.of(PROBED_SIDECAR, SIDECAR_B), MAIN),
                        rt -> running(rt, ready(rt), PROBED_SIDECAR, 0),
                        probes(Map.of(), Map.of(), Map.of("side-a#0", Result.SUCCESS)),
                        initStarts(1)),
                new Case("a sidecar whose startup probe failed is killed and started again",
                        pod("Always", List.of(PROBED_SIDECAR), MAIN),
                        rt -> running(rt, ready(rt), PROBED_SIDECAR, 0),
                        probes(Map.of(), Map.of(), Map.of("side-a#0", Result.FAILURE)),
                        new PodActions(false, false, Optional.of("sb-1"), 0, List.of(0), List.of(),
                                List.of(new ContainerToKill("side-a#0", "side-a", ContainerKind.INIT_CONTAINER,
                                        KillReason.STARTUP_PROBE, "Init container side-a failed startup probe")),
                                List.of(), List.of())),
                new Case("once the last init container is a started sidecar the containers start beside it",
                        pod("Always", List.of(INIT1, SIDECAR), MAIN), rt -> {
                            String sb = ready(rt);
                            exited(rt, sb, INIT1, 0, 0);
                            running(rt, sb, SIDECAR, 0);
                        },
                        starts(0)),
                new Case("a sidecar that exited while the main container runs is started again, alone",
                        pod("Never", List.of(SIDECAR), MAIN), rt -> {
                            String sb = ready(rt);
                            exited(rt, sb, SIDECAR, 0, 1);
                            running(rt, sb, MAIN, 0);
                        },
                        initStarts(0)),
                new Case("a sidecar whose liveness probe failed while the main container runs is killed and started"
                        + " again", pod("Always", List.of(PROBED_SIDECAR), MAIN), rt -> {
                            String sb = ready(rt);
                            running(rt, sb, PROBED_SIDECAR, 0);
                            running(rt, sb, MAIN, 0);
                        }, probes(Map.of("side-a#0", Result.FAILURE), Map.of(), Map.of("side-a#0", Result.SUCCESS)),
                        new PodActions(false, false, Optional.of("sb-1"), 0, List.of(0), List.of(),
                                List.of(new ContainerToKill("side-a#0", "side-a", ContainerKind.INIT_CONTAINER,
                                        KillReason.LIVENESS_PROBE, "Init container side-a failed liveness probe")),
                                List.of(), List.of())),
                new Case("once the pod's containers ran a regular init container whose instance is gone does not run"
                        + " again but a gone sidecar does", pod("Always", List.of(INIT1, SIDECAR), MAIN), rt -> {
                            String sb = ready(rt);
                            running(rt, sb, MAIN, 0);
                        },
                        initStarts(1)),
                new Case("sidecars do not keep a pod alive whose containers are done for good: none is restarted",
                        pod("Never", List.of(SIDECAR_B, SIDECAR), MAIN), rt -> {
                            String sb = ready(rt);
                            exited(rt, sb, SIDECAR_B, 0, 137);
                            running(rt, sb, SIDECAR, 0);
                            exited(rt, sb, MAIN, 0, 0);
                        },
                        PodActions.keep("sb-1", 0)),
                // lifecycle hooks
                new Case("a running container whose postStart the journal has as interrupted gets it run again",
                        pod("Always", List.of(), WITH_POST_START), rt -> {
                            String sb = ready(rt);
                            running(rt, sb, WITH_POST_START, 0);
                        }, Set.of("main#0"),
                        PodActions.keep("sb-1", 0).withPostStartHooksToRerun(List.of("main#0"))),
                new Case("an interrupted postStart of a pod being deleted is not run again",
                        deleted(pod("Always", List.of(), WITH_POST_START)), rt -> {
                            String sb = ready(rt);
                            running(rt, sb, WITH_POST_START, 0);
                        }, Set.of("main#0"),
                        PodActions.keep("sb-1", 0)),
                new Case("an interrupted postStart of an instance that exited is not run: the container restarts",
                        pod("Always", List.of(), WITH_POST_START), rt -> {
                            String sb = ready(rt);
                            exited(rt, sb, WITH_POST_START, 0, 137);
                        }, Set.of("main#0"),
                        starts(0)),
                new Case("an init container instance that never started is removed and started again",
                        pod("Always", List.of(INIT1), MAIN), rt -> {
                            String sb = ready(rt);
                            rt.addContainer(UID, sb, "init-1", 0, new ContainerState.Created(), hash(INIT1));
                        },
                        new PodActions(false, false, Optional.of("sb-1"), 0, List.of(0), List.of(), List.of(),
                                List.of("init-1#0"), List.of())));
    }

    private static Case exitedCase(String policy, int exitCode, boolean restarted) {
        return new Case("a container that exited " + exitCode + " under " + policy
                + (restarted ? " is started again" : " stays exited"),
                pod(policy, List.of(), MAIN), rt -> {
                    String sb = ready(rt);
                    exited(rt, sb, MAIN, 0, exitCode);
                },
                restarted ? starts(0) : PodActions.keep("sb-1", 0));
    }

    private static Case probeKillCase(String policy, String probe, boolean restarted) {
        Map<String, Result> failed = Map.of("main#0", Result.FAILURE);
        ProbeResults results = probe.equals("liveness") ? probes(failed, Map.of(), Map.of())
                : probes(Map.of(), Map.of(), failed);
        KillReason reason = probe.equals("liveness") ? KillReason.LIVENESS_PROBE : KillReason.STARTUP_PROBE;
        String message = "Container main failed " + probe + " probe" + (restarted ? ", will be restarted" : "");
        return new Case("a failed " + probe + " probe under " + policy + " kills the container"
                + (restarted ? " and starts it again" : " for good"),
                pod(policy, List.of(), MAIN, SIDE), rt -> {
                    String sb = ready(rt);
                    running(rt, sb, MAIN, 0);
                    running(rt, sb, SIDE, 0);
                }, results,
                new PodActions(false, false, Optional.of("sb-1"), 0, List.of(), restarted ? List.of(0) : List.of(),
                        List.of(new ContainerToKill("main#0", "main", ContainerKind.CONTAINER, reason, message)),
                        List.of(), List.of()));
    }

    /** Probe results by container instance ID. */
    static ProbeResults probes(Map<String, Result> liveness, Map<String, Result> readiness,
            Map<String, Result> startup) {
        return new ProbeResults() {
            @Override
            public Optional<Result> liveness(String containerId) {
                return Optional.ofNullable(liveness.get(containerId));
            }

            @Override
            public Optional<Result> readiness(String containerId) {
                return Optional.ofNullable(readiness.get(containerId));
            }

            @Override
            public Optional<Result> startup(String containerId) {
                return Optional.ofNullable(startup.get(containerId));
            }
        };
    }

    private static Case failedInitCase(String policy, PodActions expected) {
        return new Case("a failed init container under " + policy
                + (expected.initContainersToStart().isEmpty() ? " fails the pod" : " is started again"),
                pod(policy, List.of(INIT1, INIT2), MAIN), rt -> {
                    String sb = ready(rt);
                    exited(rt, sb, INIT1, 0, 1);
                },
                expected);
    }

    private static PodActions starts(Integer... containers) {
        return new PodActions(false, false, Optional.of("sb-1"), 0, List.of(), List.of(containers), List.of(),
                List.of(), List.of());
    }

    private static PodActions initStarts(int index) {
        return new PodActions(false, false, Optional.of("sb-1"), 0, List.of(index), List.of(), List.of(), List.of(), List.of());
    }

    static Container container(String name, String image) {
        return new ContainerBuilder().withName(name).withImage(image).build();
    }

    /** A pod with {@code dnsPolicy: Default}, so its sandbox brings no MissingClusterDNS event. */
    static Pod pod(String restartPolicy, List<Container> inits, Container... containers) {
        return new PodBuilder().withNewMetadata().withName("web").withNamespace("default").withUid(UID).endMetadata()
                .withNewSpec().withDnsPolicy("Default").withRestartPolicy(restartPolicy).withTerminationGracePeriodSeconds(30L)
                .withInitContainers(inits).withContainers(containers)
                .endSpec().build();
    }

    private static Pod deleted(Pod pod) {
        return new PodBuilder(pod).editMetadata().withDeletionTimestamp("2025-06-01T12:00:00Z")
                .withDeletionGracePeriodSeconds(30L).endMetadata().build();
    }

    static Map<String, String> hash(Container c) {
        return Map.of(Labels.CONTAINER_HASH, ContainerHash.of(c));
    }

    private static String ready(FakeRuntime rt) {
        return rt.addSandbox(UID, PodSandboxStatus.State.READY, 0);
    }

    private static void running(FakeRuntime rt, String sandbox, Container c, int attempt) {
        rt.addContainer(UID, sandbox, c.getName(), attempt, new ContainerState.Running(T0), hash(c));
    }

    private static void exited(FakeRuntime rt, String sandbox, Container c, int attempt, int exitCode) {
        rt.addContainer(UID, sandbox, c.getName(), attempt, new ContainerState.Exited(T0, T0, exitCode, false),
                hash(c));
    }
}
