package dev.j8s.kubelet.kuberuntime;

import dev.j8s.kubelet.cm.PodCgroupConfig;
import dev.j8s.kubelet.container.ConfigException;

import dev.j8s.kubelet.container.ContainerHash;
import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.container.ContainerReferences;
import dev.j8s.kubelet.container.PodContainers;
import dev.j8s.kubelet.container.Restarts;
import dev.j8s.kubelet.container.RunContainerOptions;
import dev.j8s.kubelet.container.RuntimeHelper;
import dev.j8s.kubelet.credentials.CredentialsException;
import dev.j8s.kubelet.credentials.PodCredentials;
import dev.j8s.kubelet.dns.DnsConfigurer;
import dev.j8s.kubelet.dns.PodHostnames;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.events.EventType;
import dev.j8s.kubelet.images.ImageManager;
import dev.j8s.kubelet.images.ImagePullResult;
import dev.j8s.kubelet.lifecycle.HandlerRunner;
import dev.j8s.kubelet.lifecycle.Hook;
import dev.j8s.kubelet.lifecycle.HookJournal;
import dev.j8s.kubelet.lifecycle.HookOutput;
import dev.j8s.kubelet.lifecycle.HookResult;
import dev.j8s.kubelet.lifecycle.HookTarget;
import dev.j8s.kubelet.lifecycle.RunningHook;
import dev.j8s.kubelet.logs.PodLogs;
import dev.j8s.kubelet.qos.OomScore;
import dev.j8s.kubelet.prober.results.ProbeResults;
import dev.j8s.kubelet.prober.results.Result;
import dev.j8s.kubelet.status.CrashLoopBackOff;
import dev.j8s.kubelet.status.WaitingReason;
import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.manifest.ImageConfig;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.ContainerStatus;
import dev.j8s.runtime.PodSandboxConfig;
import dev.j8s.runtime.PodSandboxStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Syncs one pod against the container runtime as upstream's {@code kuberuntime_manager.go}: a pure
 * {@link #computePodActions} decides (sandbox, init containers one at a time, regular containers per restart
 * policy and spec hash), then {@link #syncPod} acts, with CrashLoopBackOff; and kills pods gracefully. Lifecycle hooks
 * run here as in upstream's {@code kuberuntime_container.go}: postStart right after a container starts (the sync
 * waits for it; a failure kills the container), preStop at the start of every kill of a running container, bounded
 * by the grace period; each hook's start and outcome go to the durable {@link HookJournal}, so a postStart that was
 * running when the kubelet stopped runs again. Thread-safe across pods; each pod is synced by one worker.
 */
public final class KubeRuntimeManager {

    private static final System.Logger LOG = System.getLogger(KubeRuntimeManager.class.getName());
    /** How often a pod waiting for something (an image pull back-off, a sandbox retry) is synced again. */
    static final Duration WAITING_RESYNC = Duration.ofSeconds(5);
    /** Upstream's {@code minimumGracePeriodInSeconds}: the stop signal always gets this long before SIGKILL. */
    static final Duration MINIMUM_GRACE = Duration.ofSeconds(2);

    private final ContainerRuntime runtime;
    private final ImageManager images;
    private final EventRecorder recorder;
    private final PodLogs logs;
    private final CrashLoopBackOff backOff;
    private final Clock clock;
    private final Optional<PodCredentials> credentials;
    private final NodeOptions node;

    /**
     * What the node decides for every pod's containers.
     *
     * @param seccomp whether containers default to {@code RuntimeDefault} and where {@code Localhost} profiles are
     * @param podPidsLimit the most tasks a pod may have ({@code --pod-max-pids}); {@code <= 0} for no limit
     * @param memoryCapacity the node's memory, which a Burstable container's {@code oom_score_adj} is relative to
     * @param clusterDns the cluster DNS servers of {@code ClusterFirst} pods (empty: they fall back to {@code Default})
     */
    public record NodeOptions(ContainerSpecs.SeccompSettings seccomp, long podPidsLimit, long memoryCapacity,
                              List<String> clusterDns) {
        public NodeOptions {
            clusterDns = List.copyOf(clusterDns);
        }

        public NodeOptions(ContainerSpecs.SeccompSettings seccomp, long podPidsLimit, long memoryCapacity) {
            this(seccomp, podPidsLimit, memoryCapacity, List.of());
        }

        /** No seccomp default, profiles under {@code /var/lib/j8s/seccomp}, no pids limit, 0 memory (unknown). */
        public static final NodeOptions DEFAULT = new NodeOptions(
                new ContainerSpecs.SeccompSettings(false, Path.of("/var/lib/j8s/seccomp")), 0, 0);
    }
    private final RuntimeHelper helper;
    private final HandlerRunner hooks;
    private final HookJournal journal;
    private final ProbeResults probes;
    /** Per pod UID, completed once the pod is to be terminated: a postStart still running for it stops waiting. */
    private final Map<String, CompletableFuture<Void>> terminations = new ConcurrentHashMap<>();
    private final DnsConfigurer dns;
    /** The cluster domain (a later issue makes it configurable with the cluster DNS). */
    static final String CLUSTER_DOMAIN = "cluster.local";

    /**
     * @param credentials the pods' registry credentials (pull secrets, node config, plugins); empty: anonymous
     * @param helper the kubelet's environment and mounts of each container
     * @param journal where hook starts and outcomes are recorded
     * @param probes the prober's latest results: a liveness or startup failure kills the container
     */
    public KubeRuntimeManager(ContainerRuntime runtime, ImageManager images, EventRecorder recorder, PodLogs logs,
            CrashLoopBackOff backOff, Clock clock, Path hostResolvConf, Optional<PodCredentials> credentials,
            RuntimeHelper helper, HookJournal journal, ProbeResults probes) {
        this(runtime, images, recorder, logs, backOff, clock, hostResolvConf, credentials, helper, journal, probes,
                NodeOptions.DEFAULT);
    }

    /** @param node the node's seccomp default and profile root, pids limit per pod and memory */
    public KubeRuntimeManager(ContainerRuntime runtime, ImageManager images, EventRecorder recorder, PodLogs logs,
            CrashLoopBackOff backOff, Clock clock, Path hostResolvConf, Optional<PodCredentials> credentials,
            RuntimeHelper helper, HookJournal journal, ProbeResults probes, NodeOptions node) {
        this.node = node;
        this.helper = helper;
        this.probes = probes;
        this.dns = new DnsConfigurer(hostResolvConf, node.clusterDns(), CLUSTER_DOMAIN, recorder);
        this.credentials = credentials;
        this.journal = journal;
        this.hooks = new HandlerRunner(runtime, recorder);
        this.runtime = runtime;
        this.images = images;
        this.recorder = recorder;
        this.logs = logs;
        this.backOff = backOff;
        this.clock = clock;
    }

    /** The result of one sync: why containers wait, and when to sync again at the latest. */
    public record SyncResult(Map<String, WaitingReason> waiting, Optional<Duration> resyncAfter) {
        public SyncResult {
            waiting = Map.copyOf(waiting);
        }
    }

    /** What the runtime has for a pod UID. */
    public PodRuntimeState state(String uid) {
        List<PodSandboxStatus> sandboxes = runtime.listPodSandboxes(uid);
        List<ContainerStatus> containers = runtime.listContainers(Map.of(Labels.POD_UID, uid));
        return new PodRuntimeState(uid, sandboxes, containers);
    }

    /** Every pod UID the runtime has a sandbox or container for. */
    public List<String> podUids() {
        List<String> uids = new ArrayList<>();
        runtime.listPodSandboxes().forEach(s -> uids.add(s.config().uid()));
        runtime.listContainers().forEach(c -> uids.add(c.labels().getOrDefault(Labels.POD_UID, "")));
        return uids.stream().filter(u -> !u.isEmpty()).distinct().toList();
    }

    /**
     * Upstream {@code SyncPod} for a pod that should run: {@link #computePodActions} on what the runtime has, then
     * the actions in upstream's order — kill the pod if its sandbox changed, else kill the containers not to keep;
     * create the sandbox; run again the postStart hooks the journal says were interrupted; start the init containers,
     * then the regular containers (each after its back-off).
     */
    public SyncResult syncPod(Pod pod) {
        return syncPod(pod, state(pod.getMetadata().getUid()));
    }

    /**
     * {@link #syncPod(Pod)} from {@code state}, what the runtime had for the pod when the sync began (read by the
     * caller, e.g. while the pod's volumes were set up).
     */
    public SyncResult syncPod(Pod pod, PodRuntimeState state) {
        String uid = pod.getMetadata().getUid();
        PodActions actions = computePodActions(pod, state, probes, journal.interrupted(uid, Hook.POST_START));
        LOG.log(Level.DEBUG, () -> "computePodActions got for pod pod=" + key(pod) + " actions=" + actions);
        Map<String, WaitingReason> waiting = new HashMap<>();

        if (actions.killPod()) {
            // the sandbox died (or was stopped): upstream kills everything and starts over
            for (PodSandboxStatus old : state.sandboxes()) {
                killSandbox(pod, old, state);
            }
        }
        for (PodActions.ContainerToKill kill : actions.containersToKill()) {
            Optional<ContainerStatus> running = state.containers().stream()
                    .filter(c -> c.id().equals(kill.containerId())).findFirst();
            if (running.isPresent()) {
                killContainer(pod, running.get(), kill.kind(), kill.message(), kill.reason(), Optional.empty());
            }
        }

        String sandboxId;
        if (actions.createSandbox()) {
            PodSandboxStatus made;
            try {
                made = runtime.podSandboxStatus(runtime.runPodSandbox(sandboxConfig(pod, actions.attempt())));
                sandboxId = made.id();
            } catch (RuntimeException e) {
                recorder.event(ContainerReferences.of(pod), EventType.WARNING, EventReason.FAILED_CREATE_POD_SANDBOX,
                        "Failed to create pod sandbox: " + e.getMessage());
                LOG.log(Level.WARNING, "create sandbox of pod " + key(pod) + " failed: " + e.getMessage());
                return new SyncResult(waiting, Optional.of(WAITING_RESYNC));
            }
            // Read again only when something was killed: else the containers are as read, and the new sandbox is
            // the one just made (a pod's first start reads the runtime's records once instead of twice).
            state = actions.killPod() || !actions.containersToKill().isEmpty() ? state(uid) : state.withSandbox(made);
        } else {
            sandboxId = actions.sandboxId().orElseThrow();
        }
        actions.containersToRemove().forEach(this::remove);

        Optional<Duration> resync = Optional.empty();
        for (String id : actions.postStartHooksToRerun()) {
            Optional<ContainerStatus> c = state.containers().stream().filter(s -> s.id().equals(id)).findFirst();
            if (c.isPresent() && PodContainers.named(pod, c.get().name()) != null) {
                Container spec = PodContainers.named(pod, c.get().name());
                ContainerKind kind = kind(pod, spec.getName());
                recorder.event(ContainerReferences.of(pod, spec, kind), EventType.NORMAL,
                        EventReason.POST_START_HOOK_REDELIVERED, "PostStartHook of container " + spec.getName()
                                + " was running when the kubelet stopped; running it again");
                postStart(pod, spec, kind, id, c.get().sandboxId(), c.get().logPath())
                        .ifPresent(w -> waiting.put(spec.getName(), w));
            }
        }

        List<Container> inits = pod.getSpec().getInitContainers();
        for (int index : actions.initContainersToStart()) {
            Container c = inits.get(index);
            Optional<Wait> wait = start(pod, c, ContainerKind.INIT_CONTAINER, sandboxId, state);
            if (wait.isPresent()) {
                waiting.put(c.getName(), wait.get().reason());
                if ("Always".equals(c.getRestartPolicy())) {
                    // a sidecar that did not start does not hold the others back (upstream skips to the next)
                    resync = min(resync, wait.get().resyncAfter());
                    continue;
                }
                return new SyncResult(waiting, Optional.of(wait.get().resyncAfter()));
            }
        }
        List<Container> containers = pod.getSpec().getContainers();
        for (int index : actions.containersToStart()) {
            Container c = containers.get(index);
            Optional<Wait> wait = start(pod, c, ContainerKind.CONTAINER, sandboxId, state);
            if (wait.isPresent()) {
                waiting.put(c.getName(), wait.get().reason());
                resync = min(resync, wait.get().resyncAfter());
            }
        }
        return new SyncResult(waiting, resync);
    }

    /** {@link #computePodActions(Pod, PodRuntimeState, ProbeResults, Set)} without probes or interrupted hooks. */
    static PodActions computePodActions(Pod pod, PodRuntimeState state) {
        return computePodActions(pod, state, ProbeResults.NONE, Set.of());
    }

    /**
     * Upstream {@code computePodActions}: what a sync of {@code pod} does given what the runtime has, decided
     * without calling anything. A pod without a ready sandbox gets a new one (killing what is left of the old)
     * and starts from its first init container, or all its containers; in a ready sandbox the init containers
     * run one at a time in order (a failed one is restarted unless the policy is {@code Never}, which fails the
     * pod), then every container not running is started when {@link Restarts#shouldContainerBeRestarted} says
     * so, and a running one whose hash no longer matches its spec is killed and started again, as is one whose
     * liveness or startup probe failed ({@code probes}; started again when the restart policy allows). A running
     * container whose postStart the hook journal has as started and never finished ({@code interruptedPostStarts},
     * container IDs) gets that hook run again.
     */
    static PodActions computePodActions(Pod pod, PodRuntimeState state, ProbeResults probes,
            Set<String> interruptedPostStarts) {
        Optional<PodSandboxStatus> ready = state.readySandbox();
        if (ready.isEmpty()) {
            Optional<String> replaced = state.sandboxes().stream().max(Comparator.comparing(PodSandboxStatus::createdAt))
                    .map(PodSandboxStatus::id);
            boolean hasInit = !pod.getSpec().getInitContainers().isEmpty();
            List<Integer> containers = hasInit ? List.of() : indexes(pod.getSpec().getContainers());
            return new PodActions(!state.sandboxes().isEmpty(), true, replaced, state.sandboxes().size(),
                    hasInit ? List.of(0) : List.of(), containers, List.of(), List.of(), List.of());
        }
        String sandboxId = ready.get().id();
        int attempt = ready.get().config().attempt();
        String policy = restartPolicy(pod);
        List<String> rerun = postStartsToRerun(pod, state, interruptedPostStarts);

        // Init containers (upstream computeInitContainerActions, which handles sidecars too).
        List<Integer> initStarts = new ArrayList<>();
        List<PodActions.ContainerToKill> kill = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        InitProgress init = computeInitContainerActions(pod, state, probes, initStarts, kill, remove);
        if (init == InitProgress.FAILED) {
            return PodActions.keep(sandboxId, attempt); // the pod failed; the kubelet kills it from its phase
        }
        if (init == InitProgress.INITIALIZING) {
            return new PodActions(false, false, Optional.of(sandboxId), attempt, initStarts, List.of(), kill, remove,
                    rerun.stream().filter(id -> kill.stream().noneMatch(k -> k.containerId().equals(id))).toList());
        }

        // Regular containers.
        boolean deleted = pod.getMetadata().getDeletionTimestamp() != null;
        List<Integer> start = new ArrayList<>();
        int keep = 0;
        List<Container> containers = pod.getSpec().getContainers();
        for (int i = 0; i < containers.size(); i++) {
            Container c = containers.get(i);
            Optional<ContainerStatus> latest = state.latest(c.getName());
            if (latest.isPresent() && latest.get().state() instanceof ContainerState.Running) {
                ContainerStatus s = latest.get();
                String message;
                PodActions.KillReason reason;
                boolean restart = !policy.equals("Never");
                if (!ContainerHash.matches(s.annotations().getOrDefault(Labels.CONTAINER_HASH, ""), c)) {
                    message = "Container " + c.getName() + " definition changed";
                    reason = PodActions.KillReason.DEFINITION_CHANGED;
                    restart = true; // whatever the restart policy: the spec changed
                } else if (probes.liveness(s.id()).orElse(Result.UNKNOWN) == Result.FAILURE) {
                    message = "Container " + c.getName() + " failed liveness probe";
                    reason = PodActions.KillReason.LIVENESS_PROBE;
                } else if (probes.startup(s.id()).orElse(Result.UNKNOWN) == Result.FAILURE) {
                    message = "Container " + c.getName() + " failed startup probe";
                    reason = PodActions.KillReason.STARTUP_PROBE;
                } else {
                    keep++;
                    continue;
                }
                if (restart) {
                    message += ", will be restarted";
                    start.add(i);
                }
                kill.add(new PodActions.ContainerToKill(s.id(), c.getName(), ContainerKind.CONTAINER, reason, message));
                continue;
            }
            if (Restarts.shouldContainerBeRestarted(policy, deleted, latest.map(ContainerStatus::state))) {
                latest.filter(s -> !(s.state() instanceof ContainerState.Exited)).ifPresent(s -> remove.add(s.id()));
                start.add(i);
            }
        }
        if (keep == 0 && start.isEmpty()) {
            // every regular container is done for good: sidecars must not keep the pod alive (upstream kills it)
            initStarts.clear();
        }
        List<String> rerunKept = rerun.stream().filter(id -> kill.stream().noneMatch(k -> k.containerId().equals(id)))
                .toList();
        return new PodActions(false, false, Optional.of(sandboxId), attempt, initStarts, start, kill, remove,
                rerunKept);
    }

    /** Where the init containers of a pod stand after {@link #computeInitContainerActions}. */
    private enum InitProgress {
        /** Every init container did its part: the regular containers may run. */
        INITIALIZED,
        /** Initialization goes on: nothing but init containers starts. */
        INITIALIZING,
        /** An init container failed under restart policy {@code Never}: the pod failed. */
        FAILED
    }

    /**
     * Upstream {@code computeInitContainerActions}: walks the init containers from the last one back (so init
     * containers removed from the runtime after they succeeded do not run again), starting the first that has not run
     * and the one after an init container that succeeded or a sidecar ({@code restartPolicy: Always}) that has
     * started (its startup probe succeeded, or it has none); sidecars that exited are started again, killed and
     * started again when their liveness or startup probe failed or their spec changed; a failed regular init
     * container is started again unless the pod's policy is {@code Never}. Once a regular container was created or
     * runs, the pod counts as initialized and only sidecars are kept running. Fills {@code starts} in spec order.
     */
    private static InitProgress computeInitContainerActions(Pod pod, PodRuntimeState state, ProbeResults probes,
            List<Integer> starts, List<PodActions.ContainerToKill> kill, List<String> remove) {
        List<Container> inits = pod.getSpec().getInitContainers();
        if (inits.isEmpty()) {
            return InitProgress.INITIALIZED;
        }
        boolean initialized = pod.getSpec().getContainers().stream().map(c -> state.latest(c.getName()))
                .flatMap(Optional::stream).anyMatch(s -> s.state() instanceof ContainerState.Created
                        || s.state() instanceof ContainerState.Running);
        boolean previouslyInitialized = initialized;
        boolean restartOnFailure = !restartPolicy(pod).equals("Never");
        List<Integer> reversed = new ArrayList<>();
        for (int i = inits.size() - 1; i >= 0; i--) {
            Container c = inits.get(i);
            boolean sidecar = "Always".equals(c.getRestartPolicy());
            Optional<ContainerStatus> latest = state.latest(c.getName());
            if (latest.isEmpty()) {
                if (previouslyInitialized && sidecar) {
                    reversed.add(i); // its instance is gone: a sidecar is started again
                }
                continue;
            }
            if (previouslyInitialized && !sidecar) {
                continue; // after initialization only sidecars are kept running
            }
            ContainerStatus s = latest.get();
            switch (s.state()) {
                case ContainerState.Created x -> {
                    // created but never started (the start failed): removed and started again
                    remove.add(s.id());
                    reversed.add(i);
                }
                case ContainerState.Running r -> {
                    if (!sidecar) {
                        break; // a regular init container runs: wait for it
                    }
                    if (c.getStartupProbe() != null) {
                        Optional<Result> startup = probes.startup(s.id());
                        if (startup.isEmpty() || startup.get() != Result.SUCCESS) {
                            if (startup.isPresent() && startup.get() == Result.FAILURE) {
                                kill.add(new PodActions.ContainerToKill(s.id(), c.getName(),
                                        ContainerKind.INIT_CONTAINER, PodActions.KillReason.STARTUP_PROBE,
                                        "Init container " + c.getName() + " failed startup probe"));
                                reversed.add(i);
                            }
                            break; // not started yet: the next init container waits
                        }
                    }
                    if (i == inits.size() - 1) {
                        initialized = true;
                    } else if (!previouslyInitialized) {
                        reversed.add(i + 1); // started for the first time: the next one starts
                    }
                    if (!ContainerHash.matches(s.annotations().getOrDefault(Labels.CONTAINER_HASH, ""), c)) {
                        kill.add(new PodActions.ContainerToKill(s.id(), c.getName(), ContainerKind.INIT_CONTAINER,
                                PodActions.KillReason.DEFINITION_CHANGED,
                                "Init container " + c.getName() + " definition changed"));
                        reversed.add(i);
                        break;
                    }
                    if (c.getLivenessProbe() != null
                            && probes.liveness(s.id()).orElse(Result.UNKNOWN) == Result.FAILURE) {
                        kill.add(new PodActions.ContainerToKill(s.id(), c.getName(), ContainerKind.INIT_CONTAINER,
                                PodActions.KillReason.LIVENESS_PROBE,
                                "Init container " + c.getName() + " failed liveness probe"));
                        reversed.add(i);
                    }
                }
                case ContainerState.Exited e -> {
                    if (sidecar) {
                        reversed.add(i);
                    } else if (e.exitCode() != 0 || e.oomKilled()) {
                        if (!restartOnFailure) {
                            starts.clear();
                            return InitProgress.FAILED;
                        }
                        reversed.add(i);
                    } else if (i == inits.size() - 1) {
                        initialized = true;
                    } else {
                        reversed.add(i + 1);
                    }
                }
                case ContainerState.Unknown u -> {
                    if (!sidecar && !restartOnFailure) {
                        starts.clear();
                        return InitProgress.FAILED;
                    }
                    remove.add(s.id()); // lost: removed (which kills it if it still runs) and started again
                    reversed.add(i);
                }
            }
            previouslyInitialized = true;
        }
        if (!previouslyInitialized) {
            reversed.add(0);
        }
        for (int i = reversed.size() - 1; i >= 0; i--) {
            if (!starts.contains(reversed.get(i))) {
                starts.add(reversed.get(i));
            }
        }
        return initialized ? InitProgress.INITIALIZED : InitProgress.INITIALIZING;
    }

    /** The running containers (by ID) with a postStart in their spec that the journal says never finished. */
    private static List<String> postStartsToRerun(Pod pod, PodRuntimeState state, Set<String> interrupted) {
        if (interrupted.isEmpty() || pod.getMetadata().getDeletionTimestamp() != null) {
            return List.of();
        }
        List<String> ids = new ArrayList<>();
        List<Container> all = new ArrayList<>(pod.getSpec().getInitContainers());
        all.addAll(pod.getSpec().getContainers());
        for (Container c : all) {
            if (c.getLifecycle() == null || c.getLifecycle().getPostStart() == null) {
                continue;
            }
            state.latest(c.getName()).filter(s -> s.state() instanceof ContainerState.Running)
                    .filter(s -> interrupted.contains(s.id())).ifPresent(s -> ids.add(s.id()));
        }
        return ids;
    }

    private static List<Integer> indexes(List<?> list) {
        return IntStream.range(0, list.size()).boxed().toList();
    }

    /** Why a container did not start this sync, and when to sync again for it. */
    private record Wait(WaitingReason reason, Duration resyncAfter) {}

    /**
     * Upstream SyncPod's {@code start}: the back-off of a container from its newest exited instance (upstream's
     * {@code doBackOff}, so a container killed again and again by its liveness probe backs off too), then
     * {@link #startContainer} with the next attempt number.
     */
    private Optional<Wait> start(Pod pod, Container c, ContainerKind kind, String sandboxId, PodRuntimeState state) {
        Optional<ContainerStatus> latest = state.latest(c.getName());
        Optional<ContainerState.Exited> exited = state.instances(c.getName()).stream()
                .map(ContainerStatus::state).filter(ContainerState.Exited.class::isInstance)
                .map(ContainerState.Exited.class::cast).findFirst();
        if (exited.isPresent()) {
            ContainerState.Exited e = exited.get();
            Optional<WaitingReason> wait = backOff(pod, c, e, kind);
            if (wait.isPresent()) {
                return Optional.of(new Wait(wait.get(), remaining(pod, c, e)));
            }
        }
        int attempt = latest.map(s -> s.attempt() + 1).orElse(0);
        return startContainer(pod, c, kind, sandboxId, attempt, state).map(r -> new Wait(r, WAITING_RESYNC));
    }

    private Optional<WaitingReason> backOff(Pod pod, Container c, ContainerState.Exited e, ContainerKind kind) {
        CrashLoopBackOff.Key k = new CrashLoopBackOff.Key(pod.getMetadata().getUid(), c.getName());
        Optional<WaitingReason> wait = backOff.check(k, pod.getMetadata().getName(), pod.getMetadata().getNamespace(),
                e.finishedAt());
        wait.ifPresent(w -> recorder.event(ContainerReferences.of(pod, c, kind), EventType.WARNING,
                EventReason.BACK_OFF_START_CONTAINER, CrashLoopBackOff.eventMessage(c.getName(),
                        pod.getMetadata().getName(), pod.getMetadata().getNamespace(), pod.getMetadata().getUid())));
        return wait;
    }

    private Duration remaining(Pod pod, Container c, ContainerState.Exited e) {
        Duration current = backOff.current(new CrashLoopBackOff.Key(pod.getMetadata().getUid(), c.getName()));
        Duration left = Duration.between(clock.instant(), e.finishedAt().plus(current));
        return left.isNegative() ? Duration.ofMillis(100) : left.plusMillis(100);
    }

    /**
     * The credentials {@code c}'s image may be pulled with: the pod's {@link dev.j8s.kubelet.credentials.Resolution}
     * (tried in keyring order by the image service); a malformed pull secret fails the pull with its error.
     */
    private CredentialSupplier pullCredentials(Pod pod, Container c, ContainerKind kind) {
        if (credentials.isEmpty()) {
            return CredentialSupplier.ANONYMOUS;
        }
        ImageReference ref;
        try {
            ref = ImageReference.parse(c.getImage() == null ? "" : c.getImage()).withDefaultTag();
        } catch (IllegalArgumentException e) {
            return CredentialSupplier.ANONYMOUS; // the image manager reports InvalidImageName
        }
        try {
            var resolution = credentials.get().forPod(pod).resolve(ref);
            // A failed helper or plugin is said as an event (its message names the source, never a value).
            for (String problem : resolution.problems()) {
                recorder.event(ContainerReferences.of(pod, c, kind), EventType.WARNING,
                        EventReason.FAILED_TO_GET_CREDENTIALS, problem);
            }
            return resolution;
        } catch (CredentialsException e) {
            return (host, repository) -> {
                throw e;
            };
        }
    }

    /** Pulls the image, creates and starts one container; the waiting reason when it could not. */
    private Optional<WaitingReason> startContainer(Pod pod, Container c, ContainerKind kind, String sandboxId,
            int attempt, PodRuntimeState state) {
        var ref = ContainerReferences.of(pod, c, kind);
        ImagePullResult image = images.ensureImageExists(pod, c, kind, pullCredentials(pod, c, kind));
        if (image instanceof ImagePullResult.Waiting w) {
            return Optional.of(new WaitingReason(w.reason(), w.message()));
        }
        ImagePullResult.Ready ready = (ImagePullResult.Ready) image;
        ContainerConfig config;
        try {
            List<String> known = state.podIps();
            config = containerConfig(pod, c, ready, attempt,
                    () -> known.isEmpty() ? runtime.podSandboxIps(sandboxId) : known);
        } catch (ConfigException | IllegalArgumentException e) {
            recorder.event(ref, EventType.WARNING, EventReason.FAILED_TO_CREATE_CONTAINER, "Error: " + e.getMessage());
            return Optional.of(new WaitingReason("CreateContainerConfigError", e.getMessage()));
        }
        // keep the latest exited instance (for logs --previous), remove older ones
        List<ContainerStatus> old = state.instances(c.getName());
        for (int i = 1; i < old.size(); i++) {
            remove(old.get(i).id());
        }
        String id;
        try {
            id = runtime.createContainer(sandboxId, config);
        } catch (RuntimeException e) {
            recorder.event(ref, EventType.WARNING, EventReason.FAILED_TO_CREATE_CONTAINER, "Error: " + e.getMessage());
            return Optional.of(new WaitingReason("CreateContainerError", e.getMessage()));
        }
        recorder.event(ref, EventType.NORMAL, EventReason.CREATED_CONTAINER, "Created container: " + c.getName());
        boolean hasPostStart = c.getLifecycle() != null && c.getLifecycle().getPostStart() != null;
        if (hasPostStart) {
            // recorded before the process starts: a kubelet that dies from here on runs the hook (again) when back
            journal.started(pod.getMetadata().getUid(), id, Hook.POST_START);
        }
        try {
            runtime.startContainer(id);
        } catch (ContainerRuntimeException.SandboxFailed e) {
            // The sandbox's network came up after the container was created, and failed: upstream's sandbox error.
            recorder.event(ContainerReferences.of(pod), EventType.WARNING, EventReason.FAILED_CREATE_POD_SANDBOX,
                    "Failed to create pod sandbox: " + e.getMessage());
            LOG.log(Level.WARNING, "create sandbox of pod " + key(pod) + " failed: " + e.getMessage());
            return Optional.of(new WaitingReason("ContainerCreating", ""));
        } catch (RuntimeException e) {
            recorder.event(ref, EventType.WARNING, EventReason.FAILED_TO_START_CONTAINER, "Error: " + e.getMessage());
            return Optional.of(new WaitingReason("RunContainerError", e.getMessage()));
        }
        recorder.event(ref, EventType.NORMAL, EventReason.STARTED_CONTAINER, "Started container " + c.getName());
        if (hasPostStart) {
            return postStart(pod, c, kind, id, sandboxId, config.logPath());
        }
        return Optional.empty();
    }

    /**
     * Upstream {@code startContainer}'s step 4: runs the container's postStart and waits for it (no deadline, as
     * upstream), unless the pod is to be terminated meanwhile (then the hook is stopped: the kill that follows runs
     * preStop). A failure is a {@code FailedPostStartHook} event and a kill with that reason, and the container waits
     * with {@code PostStartHookError} and upstream's detailed message. The journal records the outcome.
     */
    private Optional<WaitingReason> postStart(Pod pod, Container c, ContainerKind kind, String containerId,
            String sandboxId, Path logPath) {
        String uid = pod.getMetadata().getUid();
        recorder.flush(); // the sync's events so far (Started) are not held back while the hook runs
        HookTarget target = new HookTarget(pod, c, kind, containerId, sandboxId, podIps(pod, sandboxId), logPath);
        RunningHook hook = hooks.start(target, Hook.POST_START);
        HookResult result = hook.awaitUnless(termination(uid)).orElseGet(hook::cancel);
        HookOutput.write(pod, logPath, Hook.POST_START, result, clock.instant());
        journal.finished(uid, containerId, Hook.POST_START, outcome(result));
        switch (result) {
            case HookResult.Succeeded s -> {
                return Optional.empty();
            }
            case HookResult.Cancelled x -> {
                LOG.log(Level.INFO, "postStart hook stopped: the pod is being terminated pod=" + key(pod)
                        + " container=" + c.getName());
                return Optional.of(new WaitingReason("ContainerCreating", ""));
            }
            case HookResult.Failed f -> {
                LOG.log(Level.WARNING, "Failed to execute PostStartHook pod=" + key(pod) + " container=" + c.getName()
                        + " error=" + f.message());
                // the event never carries the detail (it may hold secrets) unless the pod asks for hook output
                recorder.event(ContainerReferences.of(pod, c, kind), EventType.WARNING,
                        EventReason.FAILED_POST_START_HOOK, HookOutput.failedEventMessage(pod, Hook.POST_START, f));
                ContainerStatus started = runtime.containerStatus(containerId);
                try {
                    killContainer(pod, started, kind, "FailedPostStartHook", PodActions.KillReason.FAILED_POST_START_HOOK,
                            Optional.empty());
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "Failed to kill container pod=" + key(pod) + " container=" + c.getName()
                            + " error=" + e.getMessage());
                }
                return Optional.of(new WaitingReason("PostStartHookError", f.message()));
            }
        }
    }

    private static HookJournal.State outcome(HookResult result) {
        return switch (result) {
            case HookResult.Succeeded s -> HookJournal.State.SUCCEEDED;
            case HookResult.Failed f -> HookJournal.State.FAILED;
            case HookResult.Cancelled c -> HookJournal.State.CANCELLED;
        };
    }

    /** The sandbox's addresses now (its network may have come up after the state this sync read). */
    private List<String> podIps(Pod pod, String sandboxId) {
        if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            // the sandbox has the host's network and no address of its own: the pod's IP is the node's
            String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            return ip == null || ip.isEmpty() ? List.of() : List.of(ip);
        }
        try {
            return runtime.podSandboxIps(sandboxId);
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /** Completed once the pod is to be terminated. */
    private CompletableFuture<Void> termination(String uid) {
        return terminations.computeIfAbsent(uid, u -> new CompletableFuture<>());
    }

    /**
     * The pod is to be terminated (deleted, or its removal seen): a postStart still running for it stops, so the
     * pod worker gets to the kill, whose preStop and grace period bound the deletion as upstream's do. Beyond
     * upstream, where a hanging postStart blocks deletion (kubernetes#116032).
     */
    public void requestTermination(String uid) {
        termination(uid).complete(null);
    }

    /** Forgets a pod that is gone from the node: its termination signal and its hook journal. */
    public void forgetPod(String uid) {
        terminations.remove(uid);
        journal.forget(uid);
    }

    ContainerConfig containerConfig(Pod pod, Container c, ImagePullResult.Ready ready, int attempt,
            Supplier<List<String>> podIps) {
        RunContainerOptions options = helper.generateRunContainerOptions(pod, c, podIps);
        ImageRecord record = ready.image();
        ImageConfig image = record.config();
        Map<String, String> env = ContainerSpecs.env(image, options.env());
        List<String> argv = ContainerSpecs.argv(c, image, options.env());
        Path logPath = logs.createLogFile(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                pod.getMetadata().getUid(), c.getName(), attempt);
        String imageId = record.references().stream().filter(r -> r.contains("@")).findFirst()
                .orElse(ready.imageRef());
        Map<String, String> labels = Map.of(Labels.POD_UID, pod.getMetadata().getUid(),
                Labels.POD_NAME, pod.getMetadata().getName(), Labels.POD_NAMESPACE, pod.getMetadata().getNamespace(),
                Labels.CONTAINER_NAME, c.getName());
        Map<String, String> annotations = Map.of(Labels.CONTAINER_HASH, ContainerHash.of(c), Labels.IMAGE_ID, imageId);
        String stopSignal = stopSignal(c, image);
        List<String> envList = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        return new ContainerConfig(c.getName(), attempt, c.getImage(), record.layers(), argv, envList,
                ContainerSpecs.workingDir(c, image), ContainerSpecs.user(pod, c, image), options.mounts(),
                ContainerSpecs.resources(c).withOomScoreAdj(OomScore.of(pod, c, node.memoryCapacity())), logPath,
                ContainerSpecs.readOnlyRootfs(c), stopSignal, labels, annotations,
                ContainerSpecs.security(pod, c, node.seccomp()), ContainerSpecs.stdio(c));
    }

    /**
     * The signal that stops the container (KEP-4960): the spec's {@code lifecycle.stopSignal}, else the image's
     * {@code STOPSIGNAL}, else {@code SIGTERM}, as containerd chooses it.
     */
    static String stopSignal(Container c, ImageConfig image) {
        if (c.getLifecycle() != null && c.getLifecycle().getStopSignal() != null
                && !c.getLifecycle().getStopSignal().isEmpty()) {
            return c.getLifecycle().getStopSignal();
        }
        return image.stopSignal().isEmpty() ? "SIGTERM" : image.stopSignal();
    }

    /**
     * Upstream {@code generatePodSandboxConfig}: names, hostname and domain ({@link PodHostnames}), resolv.conf
     * ({@link DnsConfigurer}), host aliases, port mappings and the shared PID namespace.
     *
     * @throws dev.j8s.kubelet.container.ConfigException when the pod's FQDN is too long
     */
    PodSandboxConfig sandboxConfig(Pod pod, int attempt) {
        var meta = pod.getMetadata();
        PodHostnames.Names names = PodHostnames.of(pod, CLUSTER_DOMAIN);
        boolean sharedPid = Boolean.TRUE.equals(pod.getSpec().getShareProcessNamespace());
        List<PodSandboxConfig.HostAlias> aliases = pod.getSpec().getHostAliases().stream()
                .map(a -> new PodSandboxConfig.HostAlias(a.getIp(), a.getHostnames())).toList();
        return new PodSandboxConfig(meta.getName(), meta.getNamespace(), meta.getUid(), attempt, names.kernel(),
                dns.podDns(pod), portMappings(pod), sharedPid, Map.of(Labels.POD_UID, meta.getUid(), Labels.POD_NAME,
                meta.getName(), Labels.POD_NAMESPACE, meta.getNamespace()), Map.of(), names.domain(), aliases)
                .withLinux(linux(pod));
    }

    /**
     * The sandbox's Linux options as upstream's {@code generatePodSandboxLinuxConfig}: the host namespaces the pod
     * shares ({@code hostNetwork}, {@code hostPID}, {@code hostIPC}), its sysctls, and the limits of its pod cgroup
     * ({@link PodCgroupConfig}).
     */
    PodSandboxConfig.Linux linux(Pod pod) {
        var spec = pod.getSpec();
        Map<String, String> sysctls = new java.util.LinkedHashMap<>();
        if (spec.getSecurityContext() != null && spec.getSecurityContext().getSysctls() != null) {
            // upstream accepts a/b/c and hands the runtime a.b.c
            spec.getSecurityContext().getSysctls().forEach(sysctl -> sysctls.put(
                    dev.j8s.kubelet.sysctl.Sysctls.dotted(sysctl.getName()), sysctl.getValue()));
        }
        return new PodSandboxConfig.Linux(Boolean.TRUE.equals(spec.getHostNetwork()),
                Boolean.TRUE.equals(spec.getHostPID()), Boolean.TRUE.equals(spec.getHostIPC()), sysctls,
                PodCgroupConfig.of(pod, node.podPidsLimit()));
    }

    /**
     * The sandbox's port mappings as upstream's {@code generatePodSandboxConfig} makes them with
     * {@code MakePortMappings}: every port of the regular containers, in order, a port whose name (or, unnamed,
     * {@code <family>-<protocol>-<hostIP>:<containerPort>}) repeats one of the same container skipped; of those,
     * the ones with a {@code hostPort}, as the CRI runtime (containerd's {@code toCNIPortMappings}) keeps them.
     */
    static List<PodSandboxConfig.PortMapping> portMappings(Pod pod) {
        List<PodSandboxConfig.PortMapping> mappings = new ArrayList<>();
        if (Boolean.TRUE.equals(pod.getSpec().getHostNetwork())) {
            return mappings; // the pod's ports are the host's: no portmap rules (containerd runs no CNI for it)
        }
        for (Container c : pod.getSpec().getContainers()) {
            java.util.Set<String> names = new java.util.HashSet<>();
            for (ContainerPort p : c.getPorts()) {
                String hostIp = p.getHostIP() == null ? "" : p.getHostIP();
                String protocol = p.getProtocol() == null || p.getProtocol().isEmpty() ? "TCP" : p.getProtocol();
                String family = hostIp.isEmpty() ? "any" : hostIp.contains(":") ? "v6" : "v4";
                String name = p.getName() != null && !p.getName().isEmpty() ? p.getName()
                        : family + "-" + protocol + "-" + hostIp + ":" + p.getContainerPort();
                if (!names.add(name)) {
                    LOG.log(Level.INFO, "Port name conflicted, it is defined more than once portName=" + name);
                    continue;
                }
                int hostPort = p.getHostPort() == null ? 0 : p.getHostPort();
                int containerPort = p.getContainerPort() == null ? 0 : p.getContainerPort();
                if (hostPort <= 0 || containerPort <= 0) {
                    continue;
                }
                mappings.add(new PodSandboxConfig.PortMapping(runtimeProtocol(protocol), containerPort, hostPort,
                        hostIp));
            }
        }
        return mappings;
    }

    /** Upstream {@code toRuntimeProtocol}: an unknown protocol is TCP. */
    private static PodSandboxConfig.Protocol runtimeProtocol(String protocol) {
        return switch (protocol) {
            case "UDP" -> PodSandboxConfig.Protocol.UDP;
            case "SCTP" -> PodSandboxConfig.Protocol.SCTP;
            default -> PodSandboxConfig.Protocol.TCP;
        };
    }

    /**
     * Upstream {@code KillPod}: stops every running container with the grace period (in parallel, a
     * Killing event each, each running its preStop), then stops the sandboxes and, when {@code remove}, removes them.
     */
    public void killPod(Pod pod, Duration grace, boolean remove) {
        PodRuntimeState state = state(pod.getMetadata().getUid());
        killContainers(pod, state, Optional.of(grace));
        for (PodSandboxStatus s : state.sandboxes()) {
            try {
                runtime.stopPodSandbox(s.id());
                if (remove) {
                    runtime.removePodSandbox(s.id());
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "stop sandbox " + s.id() + " of pod " + key(pod) + " failed: " + e.getMessage());
            }
        }
        if (remove) {
            for (ContainerStatus c : state(pod.getMetadata().getUid()).containers()) {
                remove(c.id());
            }
        }
    }

    /** Upstream {@code killPodWithSyncResult} without an override: each container by its own grace period. */
    private void killSandbox(Pod pod, PodSandboxStatus sandbox, PodRuntimeState state) {
        killContainers(pod, state, Optional.empty());
        try {
            runtime.stopPodSandbox(sandbox.id());
            runtime.removePodSandbox(sandbox.id());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "remove sandbox " + sandbox.id() + " failed: " + e.getMessage());
        }
    }

    /**
     * Upstream {@code killContainersWithSyncResult}: every running container of the pod is stopped in parallel, each
     * as {@link #killContainer} with the grace period given as override, if any.
     */
    private void killContainers(Pod pod, PodRuntimeState state, Optional<Duration> grace) {
        List<ContainerStatus> running = state.containers().stream()
                .filter(c -> c.state() instanceof ContainerState.Running).toList();
        Optional<TerminationOrdering> ordering = pod.getSpec() != null && pod.getSpec().getInitContainers().stream()
                .anyMatch(c -> "Always".equals(c.getRestartPolicy()))
                ? Optional.of(new TerminationOrdering(pod, running.stream().map(ContainerStatus::name).toList()))
                : Optional.empty();
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ContainerStatus c : running) {
                executor.submit(() -> {
                    try {
                        killContainer(pod, c, kind(pod, c.name()), "", PodActions.KillReason.UNKNOWN, grace,
                                ordering);
                    } catch (ContainerRuntimeException e) {
                        LOG.log(Level.WARNING, "stop container " + c.id() + " failed: " + e.getMessage());
                    }
                });
            }
        }
    }

    /**
     * Upstream {@code killContainer}: the grace period (the override, else as {@link #terminationGracePeriod}), the
     * {@code Killing} event with {@code message} ({@code Stopping container <name>} when empty; none for a container
     * the spec does not name, as an orphan's), the preStop hook bounded by the grace period (its whole seconds
     * subtracted; abandoned when it runs out, a failure only a {@code FailedPreStopHook} event), then the stop signal
     * with what is left, never less than {@link #MINIMUM_GRACE}, then SIGKILL. A preStop the journal has as finished
     * for this instance (the kubelet restarted during the kill) is not run again.
     *
     * @throws ContainerRuntimeException when the runtime could not stop it
     */
    private void killContainer(Pod pod, ContainerStatus container, ContainerKind kind, String message,
            PodActions.KillReason reason, Optional<Duration> graceOverride) {
        killContainer(pod, container, kind, message, reason, graceOverride, Optional.empty());
    }

    /**
     * {@link #killContainer} within a pod's termination: with sidecars, after its preStop a container waits its turn
     * ({@link TerminationOrdering}: regular containers first, then the sidecars in reverse order) for what is left of
     * its grace period before its stop signal.
     */
    private void killContainer(Pod pod, ContainerStatus container, ContainerKind kind, String message,
            PodActions.KillReason reason, Optional<Duration> graceOverride, Optional<TerminationOrdering> ordering) {
        Container spec = PodContainers.named(pod, container.name());
        long grace = graceOverride.map(Duration::toSeconds)
                .orElseGet(() -> terminationGracePeriod(pod, spec, reason));
        if (spec != null) {
            recorder.event(ContainerReferences.of(pod, spec, kind), EventType.NORMAL,
                    EventReason.KILLING_CONTAINER, message.isEmpty() ? "Stopping container " + spec.getName() : message);
        }
        String uid = pod.getMetadata().getUid();
        Optional<RunningHook> abandoned = Optional.empty();
        boolean hasPreStop = spec != null && spec.getLifecycle() != null && spec.getLifecycle().getPreStop() != null;
        if (hasPreStop && grace > 0 && journal.last(uid, container.id(), Hook.PRE_STOP)
                .filter(s -> s != HookJournal.State.STARTED).isEmpty()) {
            journal.started(uid, container.id(), Hook.PRE_STOP);
            HookTarget target = new HookTarget(pod, spec, kind, container.id(), container.sandboxId(),
                    podIps(pod, container.sandboxId()), container.logPath());
            RunningHook hook = hooks.start(target, Hook.PRE_STOP);
            Optional<HookResult> result = hook.awaitFor(Duration.ofSeconds(grace));
            if (result.isPresent()) {
                preStopDone(pod, spec, kind, container, result.get());
            } else {
                LOG.log(Level.INFO, "PreStop hook not completed in grace period pod=" + key(pod) + " container="
                        + spec.getName() + " gracePeriod=" + grace);
                abandoned = Optional.of(hook);
            }
            grace -= hook.elapsedSeconds();
        }
        if (ordering.isPresent() && grace > 0) {
            grace -= ordering.get().waitForTurn(container.name(), Duration.ofSeconds(grace));
        }
        Duration stopGrace = Duration.ofSeconds(Math.max(grace, MINIMUM_GRACE.toSeconds()));
        try {
            runtime.stopContainer(container.id(), stopGrace);
        } finally {
            ordering.ifPresent(o -> o.containerTerminated(container.name()));
            // upstream leaves an abandoned hook running; here it ends with its container
            abandoned.ifPresent(hook -> preStopDone(pod, spec, kind, container, hook.cancel()));
        }
    }

    private void preStopDone(Pod pod, Container spec, ContainerKind kind, ContainerStatus container,
            HookResult result) {
        HookOutput.write(pod, container.logPath(), Hook.PRE_STOP, result, clock.instant());
        journal.finished(pod.getMetadata().getUid(), container.id(), Hook.PRE_STOP, outcome(result));
        if (result instanceof HookResult.Failed f) {
            LOG.log(Level.WARNING, "PreStop hook failed pod=" + key(pod) + " container=" + spec.getName() + " error="
                    + f.message());
            recorder.event(ContainerReferences.of(pod, spec, kind), EventType.WARNING,
                    EventReason.FAILED_PRE_STOP_HOOK, HookOutput.failedEventMessage(pod, Hook.PRE_STOP, f));
        }
    }

    /**
     * Upstream {@code setTerminationGracePeriod}, in seconds: the pod's {@code deletionGracePeriodSeconds} when it is
     * being deleted; else for a liveness or startup kill that probe's {@code terminationGracePeriodSeconds} if set;
     * else the pod's {@code terminationGracePeriodSeconds}; else 2.
     */
    static long terminationGracePeriod(Pod pod, Container spec, PodActions.KillReason reason) {
        if (pod.getMetadata().getDeletionGracePeriodSeconds() != null) {
            return pod.getMetadata().getDeletionGracePeriodSeconds();
        }
        Long podGrace = pod.getSpec() == null ? null : pod.getSpec().getTerminationGracePeriodSeconds();
        if (podGrace == null) {
            return MINIMUM_GRACE.toSeconds();
        }
        io.fabric8.kubernetes.api.model.Probe probe = spec == null ? null : switch (reason) {
            case LIVENESS_PROBE -> spec.getLivenessProbe();
            case STARTUP_PROBE -> spec.getStartupProbe();
            default -> null;
        };
        if (probe != null && probe.getTerminationGracePeriodSeconds() != null) {
            return probe.getTerminationGracePeriodSeconds();
        }
        return podGrace;
    }

    private void remove(String containerId) {
        try {
            runtime.removeContainer(containerId);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "remove container " + containerId + " failed: " + e.getMessage());
        }
    }

    private static ContainerKind kind(Pod pod, String name) {
        return pod.getSpec().getInitContainers().stream().anyMatch(c -> c.getName().equals(name))
                ? ContainerKind.INIT_CONTAINER : ContainerKind.CONTAINER;
    }

    /** The pod's grace period: its deletion grace period when deleted, else its terminationGracePeriodSeconds (30 s). */
    public static Duration gracePeriod(Pod pod) {
        Long g = pod.getMetadata().getDeletionGracePeriodSeconds();
        if (g == null) {
            g = pod.getSpec().getTerminationGracePeriodSeconds();
        }
        if (g == null) {
            g = 30L;
        }
        return Duration.ofSeconds(Math.max(g, 1)); // upstream's minimum: 0 means "immediately" but still asks nicely
    }

    static String restartPolicy(Pod pod) {
        String p = pod.getSpec().getRestartPolicy();
        return p == null || p.isEmpty() ? "Always" : p;
    }

    private static Optional<Duration> min(Optional<Duration> a, Duration b) {
        return Optional.of(a.isEmpty() || b.compareTo(a.get()) < 0 ? b : a.get());
    }

    private static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    Instant now() {
        return clock.instant();
    }
}
