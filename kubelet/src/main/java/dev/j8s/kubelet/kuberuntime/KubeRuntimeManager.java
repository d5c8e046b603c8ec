package dev.j8s.kubelet.kuberuntime;

import dev.j8s.kubelet.container.ConfigException;

import dev.j8s.kubelet.container.ContainerHash;
import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.container.ContainerReferences;
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
import dev.j8s.kubelet.logs.PodLogs;
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
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * Syncs one pod against the container runtime as upstream's {@code kuberuntime_manager.go}: a pure
 * {@link #computePodActions} decides (sandbox, init containers one at a time, regular containers per restart
 * policy and spec hash), then {@link #syncPod} acts, with CrashLoopBackOff; and kills pods gracefully.
 * Thread-safe across pods; each pod is synced by one worker.
 */
public final class KubeRuntimeManager {

    private static final System.Logger LOG = System.getLogger(KubeRuntimeManager.class.getName());
    /** How often a pod waiting for something (an image pull back-off, a sandbox retry) is synced again. */
    static final Duration WAITING_RESYNC = Duration.ofSeconds(5);

    private final ContainerRuntime runtime;
    private final ImageManager images;
    private final EventRecorder recorder;
    private final PodLogs logs;
    private final CrashLoopBackOff backOff;
    private final Clock clock;
    private final Optional<PodCredentials> credentials;
    private final RuntimeHelper helper;
    private final DnsConfigurer dns;
    /** The cluster domain (a later issue makes it configurable with the cluster DNS). */
    static final String CLUSTER_DOMAIN = "cluster.local";

    /** Pulls every image anonymously. */
    public KubeRuntimeManager(ContainerRuntime runtime, ImageManager images, EventRecorder recorder, PodLogs logs,
            CrashLoopBackOff backOff, Clock clock, Path hostResolvConf) {
        this(runtime, images, recorder, logs, backOff, clock, hostResolvConf, Optional.empty());
    }

    /** @param credentials the pods' registry credentials (pull secrets, node config, plugins); empty: anonymous */
    public KubeRuntimeManager(ContainerRuntime runtime, ImageManager images, EventRecorder recorder, PodLogs logs,
            CrashLoopBackOff backOff, Clock clock, Path hostResolvConf, Optional<PodCredentials> credentials) {
        this(runtime, images, recorder, logs, backOff, clock, hostResolvConf, credentials, RuntimeHelper.NONE);
    }

    /** @param helper the kubelet's environment and mounts of each container */
    public KubeRuntimeManager(ContainerRuntime runtime, ImageManager images, EventRecorder recorder, PodLogs logs,
            CrashLoopBackOff backOff, Clock clock, Path hostResolvConf, Optional<PodCredentials> credentials,
            RuntimeHelper helper) {
        this.helper = helper;
        this.dns = new DnsConfigurer(hostResolvConf, List.of(), CLUSTER_DOMAIN, recorder);
        this.credentials = credentials;
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
     * create the sandbox; start the init containers, then the regular containers (each after its back-off).
     */
    public SyncResult syncPod(Pod pod) {
        String uid = pod.getMetadata().getUid();
        PodRuntimeState state = state(uid);
        PodActions actions = computePodActions(pod, state);
        LOG.log(Level.DEBUG, () -> "computePodActions got for pod pod=" + key(pod) + " actions=" + actions);
        Map<String, WaitingReason> waiting = new HashMap<>();

        if (actions.killPod()) {
            // the sandbox died (or was stopped): upstream kills everything and starts over
            for (PodSandboxStatus old : state.sandboxes()) {
                killSandbox(pod, old, state, Duration.ZERO);
            }
        }
        for (PodActions.ContainerToKill kill : actions.containersToKill()) {
            killContainer(pod, kill.containerId(), kill.name(), kill.kind(), kill.message(), gracePeriod(pod));
        }

        String sandboxId;
        if (actions.createSandbox()) {
            try {
                String id = runtime.runPodSandbox(sandboxConfig(pod, actions.attempt()));
                sandboxId = runtime.podSandboxStatus(id).id();
            } catch (RuntimeException e) {
                recorder.event(ContainerReferences.of(pod), EventType.WARNING, EventReason.FAILED_CREATE_POD_SANDBOX,
                        "Failed to create pod sandbox: " + e.getMessage());
                LOG.log(Level.WARNING, "create sandbox of pod " + key(pod) + " failed: " + e.getMessage());
                return new SyncResult(waiting, Optional.of(WAITING_RESYNC));
            }
            state = state(uid);
        } else {
            sandboxId = actions.sandboxId().orElseThrow();
        }
        actions.containersToRemove().forEach(this::remove);

        Optional<Duration> resync = Optional.empty();
        List<Container> inits = pod.getSpec().getInitContainers();
        for (int index : actions.initContainersToStart()) {
            Container c = inits.get(index);
            Optional<Wait> wait = start(pod, c, ContainerKind.INIT_CONTAINER, sandboxId, state);
            if (wait.isPresent()) {
                waiting.put(c.getName(), wait.get().reason());
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

    /**
     * Upstream {@code computePodActions}: what a sync of {@code pod} does given what the runtime has, decided
     * without calling anything. A pod without a ready sandbox gets a new one (killing what is left of the old)
     * and starts from its first init container, or all its containers; in a ready sandbox the init containers
     * run one at a time in order (a failed one is restarted unless the policy is {@code Never}, which fails the
     * pod), then every container not running is started when {@link Restarts#shouldContainerBeRestarted} says
     * so, and a running one whose hash no longer matches its spec is killed and started again.
     */
    static PodActions computePodActions(Pod pod, PodRuntimeState state) {
        Optional<PodSandboxStatus> ready = state.readySandbox();
        if (ready.isEmpty()) {
            Optional<String> replaced = state.sandboxes().stream().max(Comparator.comparing(PodSandboxStatus::createdAt))
                    .map(PodSandboxStatus::id);
            boolean hasInit = !pod.getSpec().getInitContainers().isEmpty();
            List<Integer> containers = hasInit ? List.of() : indexes(pod.getSpec().getContainers());
            return new PodActions(!state.sandboxes().isEmpty(), true, replaced, state.sandboxes().size(),
                    hasInit ? List.of(0) : List.of(), containers, List.of(), List.of());
        }
        String sandboxId = ready.get().id();
        int attempt = ready.get().config().attempt();
        String policy = restartPolicy(pod);

        // Init containers, one at a time, in order (upstream findNextInitContainerToRun).
        List<Container> inits = pod.getSpec().getInitContainers();
        for (int i = 0; i < inits.size(); i++) {
            Optional<ContainerStatus> latest = state.latest(inits.get(i).getName());
            if (latest.isPresent() && latest.get().state() instanceof ContainerState.Exited e && e.exitCode() == 0) {
                continue;
            }
            if (latest.isPresent() && latest.get().state() instanceof ContainerState.Running) {
                return PodActions.keep(sandboxId, attempt); // still initializing
            }
            if (latest.isPresent() && latest.get().state() instanceof ContainerState.Exited && policy.equals("Never")) {
                return PodActions.keep(sandboxId, attempt); // the pod failed; the kubelet kills it from its phase
            }
            List<String> remove = latest.filter(s -> !(s.state() instanceof ContainerState.Exited))
                    .map(ContainerStatus::id).stream().toList();
            return new PodActions(false, false, Optional.of(sandboxId), attempt, List.of(i), List.of(), List.of(),
                    remove);
        }

        // Regular containers.
        boolean deleted = pod.getMetadata().getDeletionTimestamp() != null;
        List<Integer> start = new ArrayList<>();
        List<PodActions.ContainerToKill> kill = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        List<Container> containers = pod.getSpec().getContainers();
        for (int i = 0; i < containers.size(); i++) {
            Container c = containers.get(i);
            Optional<ContainerStatus> latest = state.latest(c.getName());
            if (latest.isPresent() && latest.get().state() instanceof ContainerState.Running) {
                ContainerStatus s = latest.get();
                if (!ContainerHash.matches(s.annotations().getOrDefault(Labels.CONTAINER_HASH, ""), c)) {
                    kill.add(new PodActions.ContainerToKill(s.id(), c.getName(), ContainerKind.CONTAINER,
                            PodActions.KillReason.DEFINITION_CHANGED,
                            "Container " + c.getName() + " definition changed, will be restarted"));
                    start.add(i);
                }
                continue;
            }
            if (Restarts.shouldContainerBeRestarted(policy, deleted, latest.map(ContainerStatus::state))) {
                latest.filter(s -> !(s.state() instanceof ContainerState.Exited)).ifPresent(s -> remove.add(s.id()));
                start.add(i);
            }
        }
        return new PodActions(false, false, Optional.of(sandboxId), attempt, List.of(), start, kill, remove);
    }

    private static List<Integer> indexes(List<?> list) {
        return IntStream.range(0, list.size()).boxed().toList();
    }

    /** Why a container did not start this sync, and when to sync again for it. */
    private record Wait(WaitingReason reason, Duration resyncAfter) {}

    /**
     * Upstream SyncPod's {@code start}: the back-off of a container whose latest instance exited, then
     * {@link #startContainer} with the next attempt number.
     */
    private Optional<Wait> start(Pod pod, Container c, ContainerKind kind, String sandboxId, PodRuntimeState state) {
        Optional<ContainerStatus> latest = state.latest(c.getName());
        if (latest.isPresent() && latest.get().state() instanceof ContainerState.Exited e) {
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
        return Optional.empty();
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
        String stopSignal = image.stopSignal().isEmpty() ? "SIGTERM" : image.stopSignal();
        List<String> envList = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        return new ContainerConfig(c.getName(), attempt, c.getImage(), record.layers(), argv, envList,
                ContainerSpecs.workingDir(c, image), ContainerSpecs.user(pod, c, image), options.mounts(),
                ContainerSpecs.resources(c), logPath, false, stopSignal, labels, annotations);
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
                meta.getName(), Labels.POD_NAMESPACE, meta.getNamespace()), Map.of(), names.domain(), aliases);
    }

    /**
     * The sandbox's port mappings as upstream's {@code generatePodSandboxConfig} makes them with
     * {@code MakePortMappings}: every port of the regular containers, in order, a port whose name (or, unnamed,
     * {@code <family>-<protocol>-<hostIP>:<containerPort>}) repeats one of the same container skipped; of those,
     * the ones with a {@code hostPort}, as the CRI runtime (containerd's {@code toCNIPortMappings}) keeps them.
     */
    static List<PodSandboxConfig.PortMapping> portMappings(Pod pod) {
        List<PodSandboxConfig.PortMapping> mappings = new ArrayList<>();
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
     * Killing event each), then stops the sandboxes and, when {@code remove}, removes them.
     */
    public void killPod(Pod pod, Duration grace, boolean remove) {
        PodRuntimeState state = state(pod.getMetadata().getUid());
        killContainers(pod, state, grace);
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

    private void killSandbox(Pod pod, PodSandboxStatus sandbox, PodRuntimeState state, Duration grace) {
        killContainers(pod, state, grace);
        try {
            runtime.stopPodSandbox(sandbox.id());
            runtime.removePodSandbox(sandbox.id());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "remove sandbox " + sandbox.id() + " failed: " + e.getMessage());
        }
    }

    /** Stops every running container of the pod in parallel, each as {@link #killContainer} with "Stopping container". */
    private void killContainers(Pod pod, PodRuntimeState state, Duration grace) {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ContainerStatus c : state.containers()) {
                if (!(c.state() instanceof ContainerState.Running)) {
                    continue;
                }
                executor.submit(() -> {
                    try {
                        killContainer(pod, c.id(), c.name(), kind(pod, c.name()), "Stopping container " + c.name(),
                                grace);
                    } catch (ContainerRuntimeException e) {
                        LOG.log(Level.WARNING, "stop container " + c.id() + " failed: " + e.getMessage());
                    }
                });
            }
        }
    }

    /**
     * Upstream {@code killContainer}: the {@code Killing} event with {@code message} (none for a container the spec
     * does not name, as an orphan's), then the stop signal and SIGKILL after {@code grace}.
     *
     * @throws ContainerRuntimeException when the runtime could not stop it
     */
    private void killContainer(Pod pod, String containerId, String name, ContainerKind kind, String message,
            Duration grace) {
        Container spec = findContainer(pod, name);
        if (spec != null) {
            recorder.event(ContainerReferences.of(pod, spec, kind), EventType.NORMAL,
                    EventReason.KILLING_CONTAINER, message);
        }
        runtime.stopContainer(containerId, grace);
    }

    private void remove(String containerId) {
        try {
            runtime.removeContainer(containerId);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "remove container " + containerId + " failed: " + e.getMessage());
        }
    }

    private static Container findContainer(Pod pod, String name) {
        for (Container c : pod.getSpec().getContainers()) {
            if (c.getName().equals(name)) {
                return c;
            }
        }
        for (Container c : pod.getSpec().getInitContainers()) {
            if (c.getName().equals(name)) {
                return c;
            }
        }
        return null;
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
