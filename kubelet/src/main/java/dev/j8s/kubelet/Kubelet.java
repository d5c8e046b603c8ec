package dev.j8s.kubelet;

import dev.j8s.api.Cluster;
import dev.j8s.api.PodEvent;
import dev.j8s.api.PodSource;
import dev.j8s.kubelet.credentials.KubeletCredentials;
import dev.j8s.kubelet.envvars.DownwardApi;
import dev.j8s.kubelet.envvars.EnvironmentVariables;
import dev.j8s.kubelet.images.ImageManager;
import dev.j8s.kubelet.images.ImagePullSettings;
import dev.j8s.kubelet.images.ImageService;
import dev.j8s.kubelet.kuberuntime.KubeRuntimeManager;
import dev.j8s.kubelet.lifecycle.HookJournal;
import dev.j8s.kubelet.kuberuntime.PodRuntimeState;
import dev.j8s.kubelet.logs.ContainerLogManager;
import dev.j8s.kubelet.logs.LogOptions;
import dev.j8s.kubelet.logs.LogRotator;
import dev.j8s.kubelet.logs.LogTarget;
import dev.j8s.kubelet.logs.PodLogs;
import dev.j8s.kubelet.manager.ObjectCache;
import dev.j8s.kubelet.nodestatus.HostFacts;
import dev.j8s.kubelet.nodestatus.NodeHeartbeat;
import dev.j8s.kubelet.nodestatus.NodeStatuses;
import dev.j8s.kubelet.pleg.Pleg;
import dev.j8s.kubelet.pods.PodSyncHandler;
import dev.j8s.kubelet.pods.PodWorkers;
import dev.j8s.kubelet.prober.ProberManager;
import dev.j8s.kubelet.status.CrashLoopBackOff;
import dev.j8s.kubelet.status.PodStatusGenerator;
import dev.j8s.kubelet.status.PodStatusInput;
import dev.j8s.kubelet.status.StatusManager;
import dev.j8s.kubelet.status.WaitingReason;
import dev.j8s.kubelet.token.TokenManager;
import dev.j8s.kubelet.sysctl.Sysctls;
import dev.j8s.kubelet.eviction.EvictionManager;
import dev.j8s.kubelet.stats.SummaryProvider;
import dev.j8s.kubelet.container.ContainerReferences;
import dev.j8s.kubelet.events.EventType;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.volumemanager.VolumeManager;
import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.ContainerStatus;
import dev.j8s.runtime.ExecSession;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The node agent: registers the Node and heartbeats its Lease, watches the pods bound to the node through
 * {@link Cluster}, runs each through a pod worker that syncs it against the container runtime, notices
 * container exits through the PLEG, rotates container logs, hands pod statuses to the status manager and confirms
 * deletions. The in-process kubelet of {@code j8s server}; thread-safe. Closing it leaves the containers running
 * (conmon owns them) for the next start to re-adopt.
 */
public final class Kubelet implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Kubelet.class.getName());
    private static final Duration FACTS_TTL = Duration.ofMinutes(1);

    private final KubeletConfig config;
    private final Cluster cluster;
    private final ContainerRuntime runtime;
    private final Clock clock;
    private final ClusterEventRecorder recorder;
    private final PodLogs logs;
    private final CrashLoopBackOff backOff;
    private final KubeRuntimeManager manager;
    private final PodWorkers workers;
    private final NodeHeartbeat heartbeat;
    private final Pleg pleg;
    private final ContainerLogManager logRotation;
    private final String nodeIp;
    private final StatusManager statusManager;
    /** By pod UID, the resourceVersion of the status a sync wrote last (see {@link #needsSync}). */
    private final Map<String, String> syncedStatusVersions = new ConcurrentHashMap<>();
    private final ProberManager prober;
    private final VolumeManager volumes;
    private final ObjectCache objects;
    /** Why containers wait, per pod UID, from the last sync (for logs of waiting containers). */
    private final Map<String, Map<String, WaitingReason>> waitingReasons = new ConcurrentHashMap<>();
    private volatile HostFacts facts;
    private volatile Instant factsAt = Instant.MIN;
    private volatile PodSource source;
    private final EvictionManager eviction;
    /** What frees unused images when the node runs out of disk (the image store's collection); none until attached. */
    private volatile Runnable imageReclaim = () -> { };
    private Thread evictionLoop;
    private Set<String> reportedPressure = Set.of();

    public Kubelet(KubeletConfig config, Cluster cluster, ContainerRuntime runtime, ImageService images, Clock clock) {
        this(config, cluster, runtime, images, clock, KubeletCredentials.none());
    }

    /** @param credentials node docker config, credential plugins and the KEP-2535 policy for image pulls */
    public Kubelet(KubeletConfig config, Cluster cluster, ContainerRuntime runtime, ImageService images, Clock clock,
                   KubeletCredentials credentials) {
        this.config = config;
        this.cluster = cluster;
        this.runtime = runtime;
        this.clock = clock;
        this.nodeIp = internalIp();
        this.recorder = new ClusterEventRecorder(cluster, config.nodeName(), clock);
        this.logs = new PodLogs(config.dataDir());
        this.backOff = new CrashLoopBackOff(clock);
        this.statusManager = new StatusManager(cluster::updatePodStatus);
        this.prober = new ProberManager(runtime, statusManager, recorder, clock, this::resync);
        ImageManager imageManager = new ImageManager(credentials.imageService(images), recorder, clock,
                ImagePullSettings.DEFAULTS, credentials.pulledImages());
        this.objects = new ObjectCache(cluster, clock, ObjectCache.DEFAULT_TTL);
        Supplier<DownwardApi.Node> node = () -> new DownwardApi.Node(List.of(nodeIp),
                NodeStatuses.allocatable(facts()));
        this.volumes = new VolumeManager(config.dataDir().resolve("pods"), recorder, HostFacts.memoryTotal(), objects,
                node, clock, Optional.of(new TokenManager(cluster, clock)), objects);
        this.manager = new KubeRuntimeManager(runtime, imageManager, recorder, logs, backOff, clock,
                config.hostResolvConf(), Optional.of(credentials.podCredentials(cluster::secret, recorder)),
                new PodContainerOptions(new EnvironmentVariables(objects), volumes, node, recorder),
                new HookJournal(config.dataDir().resolve("pods"), clock), prober.results(),
                new KubeRuntimeManager.NodeOptions(new dev.j8s.kubelet.kuberuntime.ContainerSpecs.SeccompSettings(
                        config.seccompDefault(), config.seccompProfileRoot()), config.podPidsLimit(),
                        HostFacts.memoryTotal(), config.clusterDns()));
        SummaryProvider summaries = new SummaryProvider(runtime, config.dataDir(), config.dataDir().resolve("images"),
                volumes::podDir, clock);
        this.eviction = new EvictionManager(config.eviction(), this::evictPod, this::reclaimNodeResources,
                summaries::summary);
        // the events of one sync are sent as a batch (one commit of the store rather than one each)
        this.workers = new PodWorkers((pod, removed) -> recorder.batched(() -> sync(pod, removed)),
                this::needsSync);
        this.heartbeat = new NodeHeartbeat(cluster, config.nodeName(), this::facts, this::health,
                config.kubeletVersion(), config.kubeletPort(), clock);
        this.pleg = new Pleg(runtime, config.exitsDir(), () -> !workers.isEmpty(), workers::resync);
        this.logRotation = new ContainerLogManager(runtime,
                new LogRotator(config.containerLogMaxSize(), config.containerLogMaxFiles(), clock),
                ContainerLogManager.MONITOR_PERIOD);
    }

    /**
     * Registers the node (before returning, so the Node exists once this returns), then starts the
     * heartbeat, the pod watch, the workers and the PLEG; pods the runtime still runs are re-adopted.
     */
    public synchronized void start() {
        try {
            heartbeat.tick();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "first node registration failed, retrying in the background: " + e.getMessage());
        }
        heartbeat.start();
        pleg.start();
        logRotation.start();
        volumes.start(VolumeManager.RESYNC);
        evictionLoop = Thread.ofVirtual().name("kubelet-eviction").start(this::evictionLoop);
        source = cluster.watchPods(config.nodeName(), this::onPodEvent);
        Thread.ofVirtual().name("kubelet-housekeeping").start(() -> {
            if (source.awaitSynced(Duration.ofMinutes(1))) {
                removeOrphans();
            }
        });
        LOG.log(Level.INFO, "kubelet started node=" + config.nodeName() + " nodeIP=" + nodeIp);
    }

    private void onPodEvent(PodEvent event) {
        switch (event) {
            case PodEvent.Added a -> update(a.pod());
            case PodEvent.Updated u -> update(u.pod());
            case PodEvent.Deleted d -> {
                manager.requestTermination(d.pod().getMetadata().getUid());
                workers.removePod(d.pod());
            }
        }
    }

    private void update(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            // a postStart the worker waits for stops now, so the worker gets to the kill
            manager.requestTermination(pod.getMetadata().getUid());
        }
        workers.updatePod(pod);
    }

    /**
     * Kills and removes what the runtime runs for pods the API no longer has, and tears down their volumes
     * (upstream's housekeeping).
     */
    private void removeOrphans() {
        Set<String> known = source.pods().stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
        Set<String> active = new java.util.HashSet<>(known);
        active.addAll(workers.uids());
        active.addAll(manager.podUids());
        volumes.cleanupOrphanedPodDirs(active);
        for (String uid : manager.podUids()) {
            if (known.contains(uid) || workers.uids().contains(uid)) {
                continue;
            }
            LOG.log(Level.INFO, "removing orphaned pod uid=" + uid);
            runtime.listPodSandboxes().stream().filter(s -> s.config().uid().equals(uid)).findFirst()
                    .ifPresentOrElse(s -> workers.removePod(orphan(s.config().name(), s.config().namespace(), uid)),
                            () -> workers.removePod(orphan("orphan", "default", uid)));
        }
    }

    private static Pod orphan(String name, String namespace, String uid) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).withUid(uid)
                .withDeletionGracePeriodSeconds(2L).endMetadata().withNewSpec().endSpec().build();
    }

    /** One pod worker step: upstream's {@code SyncPod}, {@code SyncTerminatingPod} and {@code SyncTerminatedPod}. */
    private PodSyncHandler.Outcome sync(Pod pod, boolean removed) {
        String uid = pod.getMetadata().getUid();
        if (removed) {
            prober.removePod(uid);
            manager.killPod(pod, KubeRuntimeManager.gracePeriod(pod), true);
            forget(pod);
            return new PodSyncHandler.Outcome.Finished();
        }
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            // upstream SyncTerminatingPod: liveness and startup stop before the kill, readiness after it
            prober.stopLivenessAndStartup(pod);
            manager.killPod(pod, KubeRuntimeManager.gracePeriod(pod), true);
            prober.removePod(uid);
            writeStatus(pod, manager.state(uid), Map.of(), true);
            volumes.unmountPod(uid); // before the final delete, so kubectl delete returns once the volumes are gone
            cluster.deletePod(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), uid);
            forget(pod);
            return new PodSyncHandler.Outcome.Finished();
        }
        PodStatus last = statusManager.podStatus(uid)
                .orElse(pod.getStatus() == null ? new PodStatus() : pod.getStatus());
        if (isTerminal(last.getPhase())) {
            PodRuntimeState state = manager.state(uid);
            if (state.readySandbox().isPresent() || state.anyRunning()) {
                manager.killPod(pod, KubeRuntimeManager.gracePeriod(pod), false);
                state = manager.state(uid);
            }
            writeStatus(pod, state, Map.of(), true);
            volumes.unmountPod(uid); // a terminated pod keeps no volumes (upstream's reconciler unmounts them)
            return new PodSyncHandler.Outcome.Continue(Optional.empty());
        }
        if ((last.getPhase() == null || last.getPhase().equals("Pending")) && runtime.listPodSandboxes(uid).isEmpty()) {
            // upstream's pod admission, before the pod first runs: the eviction manager, then the sysctls
            Optional<String> underPressure = eviction.admit(pod);
            if (underPressure.isPresent()) {
                rejectPod(pod, EventReason.EVICTED, underPressure.get());
                return new PodSyncHandler.Outcome.Continue(Optional.empty());
            }
            Optional<String> refused = Sysctls.admit(pod);
            if (refused.isPresent()) {
                rejectPod(pod, EventReason.SYSCTL_FORBIDDEN, refused.get());
                return new PodSyncHandler.Outcome.Continue(Optional.empty());
            }
        }
        // The runtime's records are read while the volumes are set up, neither waiting for the other: upstream's
        // SyncPod too acts on the runtime's pod status as it was before the volumes were waited for.
        CompletableFuture<PodRuntimeState> read = CompletableFuture.supplyAsync(() -> manager.state(uid),
                task -> Thread.ofVirtual().name("pod-state-" + uid).start(task));
        VolumeManager.MountResult mounted = volumes.waitForAttachAndMount(pod);
        PodRuntimeState before = joined(read);
        if (mounted instanceof VolumeManager.MountResult.NotReady notReady) {
            // upstream: "Unable to attach or mount volumes"; the containers wait in ContainerCreating
            writeStatus(pod, before, Map.of(), false);
            return new PodSyncHandler.Outcome.Continue(Optional.of(notReady.retryAfter()));
        }
        prober.addPod(pod);
        KubeRuntimeManager.SyncResult result = manager.syncPod(pod, before);
        waitingReasons.put(uid, result.waiting());
        PodRuntimeState state = manager.state(uid);
        PodStatus status = writeStatus(pod, state, result.waiting(), false);
        if (isTerminal(status.getPhase())) {
            manager.killPod(pod, KubeRuntimeManager.gracePeriod(pod), false);
            writeStatus(pod, manager.state(uid), result.waiting(), true);
            volumes.unmountPod(uid);
        }
        return new PodSyncHandler.Outcome.Continue(result.resyncAfter());
    }

    /** The value of a completed future, its failure thrown as it was raised. */
    private static <T> T joined(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /** The eviction manager's rounds, every monitoring interval, until the kubelet closes. */
    private void evictionLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(config.eviction().monitoringInterval());
            } catch (InterruptedException e) {
                return;
            }
            try {
                eviction.synchronize(activePods(), clock.instant());
                reportPressure(eviction.nodeConditions());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "eviction manager round failed: " + e.getMessage());
            }
        }
    }

    /** The pods the node runs: bound here, not finished and not being deleted. */
    private List<Pod> activePods() {
        if (source == null) {
            return List.of();
        }
        return source.pods().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> !isTerminal(statusManager.podStatus(p.getMetadata().getUid())
                        .map(PodStatus::getPhase).orElse(p.getStatus() == null ? null : p.getStatus().getPhase())))
                .toList();
    }

    /**
     * Upstream's eviction of a pod ({@code evictPod}): a Warning {@code Evicted} event with the message, the phase
     * Failed with reason {@code Evicted} and the message (and a {@code DisruptionTarget} condition for node
     * pressure), then its containers killed within {@code grace}.
     */
    private boolean evictPod(Pod pod, Duration grace, String message, boolean disruption) {
        String uid = pod.getMetadata().getUid();
        recorder.event(ContainerReferences.of(pod), EventType.WARNING, EventReason.EVICTED, message);
        PodStatus base = statusManager.podStatus(uid).orElse(pod.getStatus() == null ? new PodStatus() : pod.getStatus());
        var status = new io.fabric8.kubernetes.api.model.PodStatusBuilder(base).withPhase("Failed")
                .withReason(EvictionManager.REASON).withMessage(message);
        if (disruption) {
            status.removeMatchingFromConditions(c -> "DisruptionTarget".equals(c.getType()))
                    .addNewCondition().withType("DisruptionTarget").withStatus("True")
                    .withReason("TerminationByKubelet").withMessage(message)
                    .withLastTransitionTime(java.time.format.DateTimeFormatter.ISO_INSTANT.format(
                            clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))).endCondition();
        }
        statusManager.setPodStatus(pod, status.build());
        manager.killPod(pod, grace, false);
        workers.resync(uid);
        return true;
    }

    /**
     * Upstream's node-level reclaim for disk pressure: the containers of finished and forgotten pods go (their
     * writable layers and logs with them), then the images no container uses.
     */
    private void reclaimNodeResources(dev.j8s.kubelet.eviction.Signal signal) {
        Set<String> active = activePods().stream().map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
        for (ContainerStatus c : runtime.listContainers()) {
            String podUid = c.labels().getOrDefault(dev.j8s.kubelet.kuberuntime.Labels.POD_UID, "");
            if (c.state() instanceof ContainerState.Exited && !active.contains(podUid)) {
                try {
                    runtime.removeContainer(c.id());
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "remove dead container " + c.id() + " failed: " + e.getMessage());
                }
            }
        }
        imageReclaim.run();
    }

    /** Frees unused images when the node is short of disk: {@code deleteUnusedImages}, e.g. the image store's GC. */
    public void attachImageReclaim(Runnable deleteUnusedImages) {
        this.imageReclaim = deleteUnusedImages;
    }

    /**
     * On a change of the pressure conditions: upstream's node events and the conditions reported now rather than at
     * the next heartbeat (the {@code node.kubernetes.io/<x>-pressure:NoSchedule} taints follow from the conditions in
     * the node lifecycle controller, as upstream's: NodeRestriction keeps a kubelet from changing its taints).
     */
    private synchronized void reportPressure(Set<String> pressure) {
        if (pressure.equals(reportedPressure)) {
            return;
        }
        var nodeRef = new io.fabric8.kubernetes.api.model.ObjectReferenceBuilder().withKind("Node")
                .withName(config.nodeName()).withUid(config.nodeName()).build();
        for (String condition : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
            boolean now = pressure.contains(condition);
            if (now != reportedPressure.contains(condition)) {
                EventReason reason = switch (condition) {
                    case "MemoryPressure" -> now ? EventReason.NODE_HAS_INSUFFICIENT_MEMORY
                            : EventReason.NODE_HAS_SUFFICIENT_MEMORY;
                    case "DiskPressure" -> now ? EventReason.NODE_HAS_DISK_PRESSURE
                            : EventReason.NODE_HAS_NO_DISK_PRESSURE;
                    default -> now ? EventReason.NODE_HAS_INSUFFICIENT_PID : EventReason.NODE_HAS_SUFFICIENT_PID;
                };
                recorder.event(nodeRef, EventType.NORMAL, reason, "Node " + config.nodeName() + " status is now: "
                        + reason.value());
            }
        }
        reportedPressure = Set.copyOf(pressure);
        heartbeat.tick(); // the conditions change now, not at the next heartbeat
    }

    /**
     * Upstream's {@code rejectPod}: a pod the node will not run (its admission failed) gets a Warning event with
     * {@code reason} and the phase Failed with {@code "Pod was rejected: " + message}; it never starts.
     */
    private void rejectPod(Pod pod, EventReason reason, String message) {
        recorder.event(ContainerReferences.of(pod), EventType.WARNING, reason, message);
        PodStatus status = new io.fabric8.kubernetes.api.model.PodStatusBuilder(
                pod.getStatus() == null ? new PodStatus() : pod.getStatus())
                .withPhase("Failed").withReason(reason.value()).withMessage("Pod was rejected: " + message).build();
        statusManager.setPodStatus(pod, status);
    }

    private PodStatus writeStatus(Pod pod, PodRuntimeState state, Map<String, WaitingReason> waiting, boolean terminal) {
        Pod base = statusManager.podStatus(pod.getMetadata().getUid())
                .map(previous -> new PodBuilder(pod)
                        .withStatus(PodStatusGenerator.withApiConditions(previous, pod.getStatus())).build())
                .orElse(pod);
        PodStatus status = PodStatusGenerator.generate(new PodStatusInput(base, state.observations(),
                state.readySandbox().isPresent(), List.of(nodeIp),
                // a pod on the host's network has the node's addresses (upstream's status for hostNetwork pods)
                Boolean.TRUE.equals(pod.getSpec().getHostNetwork()) && state.readySandbox().isPresent()
                        ? List.of(nodeIp) : state.podIps(), waiting,
                terminal, clock.instant(), prober.verdicts()));
        statusManager.setPodStatus(pod, status)
                .ifPresent(version -> syncedStatusVersions.put(pod.getMetadata().getUid(), version));
        // the sync's events go right after its status, not before it: the store commits one write after another,
        // so a status queued behind the events' commit would reach watchers one commit later
        recorder.flush();
        if (!terminal && unready(status)) {
            // upstream's UpdatePodStatus: a started container that is not ready yet gets its readiness probed now
            prober.trigger(pod.getMetadata().getUid());
        }
        return status;
    }

    /**
     * Whether an update of a pod calls for a sync: not when it is the pod's own status, as a sync of this kubelet
     * wrote it, coming back on the watch (its resourceVersion is that write's, and nothing a sync acts on differs
     * from the pod last synced). Upstream reconciles status-only updates without a sync; any other status-only
     * update (another writer's, or this kubelet's rejection or eviction, whose next sync finishes the pod) syncs as
     * every update does.
     */
    boolean needsSync(Pod synced, Pod updated) {
        String version = updated.getMetadata().getResourceVersion();
        return version == null || !version.equals(syncedStatusVersions.get(updated.getMetadata().getUid()))
                || !sameButStatus(synced, updated);
    }

    /** Upstream's {@code podsDifferSemantically} negated: the same spec, labels, annotations and deletion. */
    static boolean sameButStatus(Pod a, Pod b) {
        return Objects.equals(a.getSpec(), b.getSpec())
                && Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels())
                && Objects.equals(a.getMetadata().getAnnotations(), b.getMetadata().getAnnotations())
                && Objects.equals(a.getMetadata().getDeletionTimestamp(), b.getMetadata().getDeletionTimestamp())
                && Objects.equals(a.getMetadata().getDeletionGracePeriodSeconds(),
                        b.getMetadata().getDeletionGracePeriodSeconds());
    }

    /** A probe result changed: the pod syncs again. */
    private void resync(String uid) {
        workers.resync(uid);
    }

    private static boolean unready(PodStatus status) {
        return Stream.concat(status.getContainerStatuses().stream(), status.getInitContainerStatuses().stream())
                .anyMatch(c -> Boolean.TRUE.equals(c.getStarted()) && !Boolean.TRUE.equals(c.getReady()));
    }

    private void forget(Pod pod) {
        String uid = pod.getMetadata().getUid();
        statusManager.removePod(uid);
        syncedStatusVersions.remove(uid);
        manager.forgetPod(uid);
        waitingReasons.remove(uid);
        backOff.forgetPod(uid);
        volumes.unmountPod(uid);
        Path dir = config.dataDir().resolve("logs").resolve("pods")
                .resolve(pod.getMetadata().getNamespace() + "_" + pod.getMetadata().getName() + "_" + uid);
        deleteTree(dir);
    }

    /**
     * Opens a container's log for {@code pods/log}.
     *
     * @throws dev.j8s.kubelet.logs.LogsException worded as upstream when it cannot be served
     */
    public InputStream openLog(String namespace, String podName, String uid, LogOptions options) {
        String container = options.container();
        Optional<ContainerStatus> latest = manager.state(uid).latest(container);
        int restart = latest.map(ContainerStatus::attempt).orElse(0);
        Optional<String> waiting = latest.isPresent() ? Optional.empty()
                : Optional.of(Optional.ofNullable(waitingReasons.getOrDefault(uid, Map.of()).get(container))
                        .map(WaitingReason::reason).orElse("ContainerCreating"));
        String id = latest.map(ContainerStatus::id).orElse("");
        LogTarget target = new LogTarget(namespace, podName, uid, container, restart,
                () -> !id.isEmpty() && isRunning(id), waiting);
        return logs.open(target, options);
    }

    /**
     * Starts {@code command} in the pod's running container (upstream's {@code GetExec} without a TTY);
     * empty when that container does not run (upstream answers {@code container not found ("c")}).
     *
     * @throws dev.j8s.runtime.ContainerRuntimeException when the runtime cannot start the command
     */
    public Optional<ExecSession> exec(String uid, String container, List<String> command) {
        return runningContainerId(uid, container).map(id -> runtime.exec(id, command));
    }

    /**
     * Starts {@code command} in the pod's running container on a terminal of {@code width} x
     * {@code height} (upstream's {@code GetExec} with {@code tty}); empty when that container does not run.
     *
     * @throws dev.j8s.runtime.ContainerRuntimeException when the runtime cannot start the command
     */
    public Optional<ExecSession> execTty(String uid, String container, List<String> command, int width, int height) {
        return runningContainerId(uid, container).map(id -> runtime.execTty(id, command, width, height));
    }

    /**
     * Attaches to the main process of the pod's running container (upstream's {@code GetAttach}): its output, and its
     * stdin when {@code stdin} and the container has one; empty when that container does not run.
     *
     * @throws dev.j8s.runtime.ContainerRuntimeException when the runtime cannot attach
     */
    public Optional<ExecSession> attach(String uid, String container, boolean stdin) {
        return runningContainerId(uid, container).map(id -> runtime.attach(id, stdin));
    }

    /**
     * Port-forwarding into the pod (upstream's {@code GetPortForward}): its ready sandbox, found once for a session;
     * empty when the pod has none on this node.
     */
    public Optional<dev.j8s.kubelet.kuberuntime.PortForward> portForward(String uid) {
        return manager.state(uid).readySandbox()
                .map(s -> new dev.j8s.kubelet.kuberuntime.PortForward(runtime, s.id(), s.netnsPath()));
    }

    /** The pods bound to this node as the kubelet last saw them (its watch's cache); empty before it started. */
    public List<Pod> pods() {
        PodSource current = source;
        return current == null ? List.of() : current.pods();
    }

    /** The runtime ID of the pod's container while it runs. */
    public Optional<String> runningContainerId(String uid, String container) {
        return manager.state(uid).latest(container).map(ContainerStatus::id).filter(this::isRunning);
    }

    private boolean isRunning(String containerId) {
        try {
            return runtime.containerStatus(containerId).state() instanceof ContainerState.Running;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private HostFacts facts() {
        Instant now = clock.instant();
        if (facts == null || now.isAfter(factsAt.plus(FACTS_TTL))) {
            facts = HostFacts.probe(config.hostname(), nodeIp, config.dataDir(), config.runtimeBinary().toString());
            factsAt = now;
        }
        return facts;
    }

    private NodeStatuses.Health health() {
        try {
            runtime.listPodSandboxes();
            return new NodeStatuses.Health(true, "", eviction.nodeConditions());
        } catch (RuntimeException e) {
            return new NodeStatuses.Health(false, "container runtime is down: " + e.getMessage(),
                    eviction.nodeConditions());
        }
    }

    private static boolean isTerminal(String phase) {
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /** The first IPv4 address of an up, non-loopback interface that is not a pod bridge or veth. */
    static String internalIp() {
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nif.isLoopback() || !nif.isUp() || nif.getName().startsWith("j8s")
                        || nif.getName().startsWith("veth") || nif.getName().startsWith("cni")) {
                    continue;
                }
                for (var addr : Collections.list(nif.getInetAddresses())) {
                    if (addr instanceof Inet4Address) {
                        return addr.getHostAddress();
                    }
                }
            }
        } catch (SocketException e) {
            // fall through
        }
        return "127.0.0.1";
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("remove " + dir, e);
        }
    }

    /** Stops watching and syncing; containers keep running. */
    @Override
    public synchronized void close() {
        if (source != null) {
            source.close();
        }
        pleg.close();
        if (evictionLoop != null) {
            evictionLoop.interrupt();
        }
        logRotation.close();
        volumes.close();
        workers.close();
        prober.close();
        heartbeat.close();
        recorder.close();
    }
}
