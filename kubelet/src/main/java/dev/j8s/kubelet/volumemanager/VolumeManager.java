package dev.j8s.kubelet.volumemanager;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.kubelet.container.ConfigException;
import dev.j8s.kubelet.container.ContainerReferences;
import dev.j8s.kubelet.envvars.DownwardApi;
import dev.j8s.kubelet.envvars.EnvSources;
import dev.j8s.kubelet.envvars.Expansion;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.events.EventType;
import dev.j8s.api.ClusterException;
import dev.j8s.kubelet.token.TokenManager;
import dev.j8s.kubelet.volume.ApiDataVolumes;
import dev.j8s.kubelet.volume.AtomicWriter;
import dev.j8s.kubelet.volume.EmptyDir;
import dev.j8s.kubelet.volume.HostPath;
import dev.j8s.kubelet.volume.PersistentClaims;
import dev.j8s.kubelet.volume.SubPaths;
import dev.j8s.kubelet.volume.VolumeException;
import dev.j8s.kubelet.volume.VolumeOwnership;
import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.oci.Mounts;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Sets up the volumes of the pods on this node before their containers start and tears them down once the pods
 * are gone (upstream {@code pkg/kubelet/volumemanager}: {@code WaitForAttachAndMount}, the reconciler's mount and
 * unmount, {@code makeMounts}); thread-safe, one pod's volumes handled under that pod's lock.
 *
 * <p>Every volume lives under {@code <pods>/<uid>/volumes/<plugin>/<name>}. A volume type j8s does not honour yet
 * is never skipped: the pod waits in {@code ContainerCreating} with a {@code FailedMount} event naming the type.
 * Setting up is idempotent and looks at what is on disk, so after a restart of j8s the volumes of running pods are
 * re-adopted as they are (a tmpfs already mounted is never mounted again under its containers).
 */
public final class VolumeManager {

    private static final System.Logger LOG = System.getLogger(VolumeManager.class.getName());
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Upstream's exponential back-off of a failing volume operation: 500 ms doubling up to 2 min 2 s. */
    static final Duration INITIAL_BACK_OFF = Duration.ofMillis(500);
    static final Duration MAX_BACK_OFF = Duration.ofSeconds(122);
    /** The volume sources j8s sets up. */
    static final Set<String> SUPPORTED = Set.of("emptyDir", "hostPath", "secret", "configMap", "downwardAPI",
            "projected", "persistentVolumeClaim");
    /** The volumes whose content comes from the API and is projected again while the pod runs. */
    static final Set<String> API_DATA = Set.of("secret", "configMap", "downwardAPI", "projected");
    /** How often the content of API-data volumes is checked against the API (upstream: each pod resync). */
    public static final Duration RESYNC = Duration.ofSeconds(10);
    /** The plugin directories under {@code volumes/}, as upstream names them. */
    static final String PLUGIN_SECRET = "kubernetes.io~secret";
    static final String PLUGIN_CONFIG_MAP = "kubernetes.io~configmap";
    static final String PLUGIN_DOWNWARD_API = "kubernetes.io~downward-api";
    static final String PLUGIN_PROJECTED = "kubernetes.io~projected";

    private final Path podsDir;
    private final EventRecorder recorder;
    private final long nodeMemory;
    private final EnvSources objects;
    private final Supplier<DownwardApi.Node> node;
    private final Clock clock;
    private final Optional<TokenManager> tokens;
    private final PersistentClaims.Source claims;
    private final Map<String, PodVolumes> pods = new ConcurrentHashMap<>();
    private volatile Thread reconciler;

    /** A manager for emptyDir and hostPath only (no API objects to read). */
    public VolumeManager(Path podsDir, EventRecorder recorder, long nodeMemory) {
        this(podsDir, recorder, nodeMemory, NO_OBJECTS, () -> new DownwardApi.Node(List.of(), Map.of()),
                Clock.systemUTC(), Optional.empty());
    }

    /**
     * @param podsDir {@code <data>/pods}
     * @param nodeMemory the node's memory in bytes (the largest a memory-backed emptyDir gets)
     * @param objects where secrets and configMaps are read
     * @param node the node's IPs and allocatable resources, for downwardAPI volumes
     * @param tokens the service-account tokens of projected volumes (none: such a projection fails to mount)
     */
    public VolumeManager(Path podsDir, EventRecorder recorder, long nodeMemory, EnvSources objects,
            Supplier<DownwardApi.Node> node, Clock clock, Optional<TokenManager> tokens) {
        this(podsDir, recorder, nodeMemory, objects, node, clock, tokens, PersistentClaims.NONE);
    }

    /** @param claims where persistentVolumeClaim volumes find their claims and volumes */
    public VolumeManager(Path podsDir, EventRecorder recorder, long nodeMemory, EnvSources objects,
            Supplier<DownwardApi.Node> node, Clock clock, Optional<TokenManager> tokens,
            PersistentClaims.Source claims) {
        this.claims = claims;
        this.podsDir = podsDir;
        this.recorder = recorder;
        this.nodeMemory = nodeMemory;
        this.objects = objects;
        this.node = node;
        this.clock = clock;
        this.tokens = tokens;
    }

    private static final EnvSources NO_OBJECTS = new EnvSources() {
        @Override
        public Optional<io.fabric8.kubernetes.api.model.Secret> secret(String namespace, String name) {
            return Optional.empty();
        }

        @Override
        public Optional<io.fabric8.kubernetes.api.model.ConfigMap> configMap(String namespace, String name) {
            return Optional.empty();
        }

        @Override
        public List<io.fabric8.kubernetes.api.model.Service> services(String namespace) {
            return List.of();
        }
    };

    /** What {@link #waitForAttachAndMount} found. */
    public sealed interface MountResult {
        /** Every volume a container mounts is set up. */
        record Ready() implements MountResult {}

        /** Some are not: the pod waits in {@code ContainerCreating}; try again after {@code retryAfter}. */
        record NotReady(List<String> unmounted, Duration retryAfter) implements MountResult {
            public NotReady {
                unmounted = List.copyOf(unmounted);
            }
        }
    }

    /**
     * A volume set up for a pod: where it is on the host and how containers may mount it.
     *
     * @param type the volume source's field name
     */
    record MountedVolume(String name, String type, Path hostPath, boolean forceReadOnly) {}

    /** What this manager keeps per pod UID; guarded by itself. */
    private static final class PodVolumes {
        final Map<String, MountedVolume> mounted = new ConcurrentHashMap<>();
        Duration backOff = Duration.ZERO;
        /** The pod as last synced, for the reconciler. */
        Pod pod;
        boolean removed;
    }

    /** The directory of one pod: {@code <pods>/<uid>}. */
    public Path podDir(String uid) {
        return podsDir.resolve(uid);
    }

    /**
     * Upstream {@code WaitForAttachAndMount} made one attempt, so the pod worker stays free for deletions while a
     * volume is missing: sets up every volume that a container of {@code pod} mounts (those already set up are
     * checked again, which is a no-op when nothing changed) and says whether all are ready. Each failure is a
     * {@code FailedMount} event on the pod; the retry after a failure backs off per pod.
     */
    public MountResult waitForAttachAndMount(Pod pod) {
        String uid = pod.getMetadata().getUid();
        while (true) {
            PodVolumes state = pods.computeIfAbsent(uid, u -> new PodVolumes());
            synchronized (state) {
                if (state.removed) {
                    pods.remove(uid, state); // torn down meanwhile: start afresh
                    continue;
                }
                return mountAll(pod, state);
            }
        }
    }

    private MountResult mountAll(Pod pod, PodVolumes state) {
        state.pod = pod;
        List<String> failed = new ArrayList<>();
        for (Volume volume : mountedVolumes(pod)) {
            try {
                state.mounted.put(volume.getName(), setUp(pod, volume, state));
            } catch (VolumeException | UncheckedIOException | dev.j8s.runtime.ContainerRuntimeException e) {
                failed.add(volume.getName());
                recorder.event(ContainerReferences.of(pod), EventType.WARNING, EventReason.FAILED_MOUNT_VOLUME,
                        e.getMessage());
                LOG.log(Level.WARNING, "volume set-up failed pod=" + key(pod) + " volume=" + volume.getName()
                        + " error=" + e.getMessage());
            }
        }
        if (failed.isEmpty()) {
            state.backOff = Duration.ZERO;
            return new MountResult.Ready();
        }
        state.backOff = state.backOff.isZero() ? INITIAL_BACK_OFF : min(state.backOff.multipliedBy(2), MAX_BACK_OFF);
        return new MountResult.NotReady(failed, state.backOff);
    }

    /** The pod's volumes that some container (init or regular) mounts, in spec order. */
    private static List<Volume> mountedVolumes(Pod pod) {
        Set<String> used = new HashSet<>();
        Stream.concat(pod.getSpec().getInitContainers().stream(), pod.getSpec().getContainers().stream())
                .flatMap(c -> c.getVolumeMounts().stream()).forEach(m -> used.add(m.getName()));
        return pod.getSpec().getVolumes().stream().filter(v -> used.contains(v.getName())).toList();
    }

    private MountedVolume setUp(Pod pod, Volume volume, PodVolumes state) {
        String type = type(volume);
        String name = volume.getName();
        if (!SUPPORTED.contains(type)) {
            throw new VolumeException("MountVolume.NewMounter initialization failed for volume \"" + name + "\" : "
                    + "volume type " + type + " is not supported by j8s yet");
        }
        boolean first = !state.mounted.containsKey(name);
        Optional<Long> fsGroup = fsGroup(pod);
        String namespace = pod.getMetadata().getNamespace();
        if (type.equals("persistentVolumeClaim")) {
            return claim(pod, volume, first, fsGroup);
        }
        try {
            return switch (type) {
                case "emptyDir" -> {
                    Path dir = volumeDir(pod, EmptyDir.PLUGIN, name);
                    EmptyDir.setUp(dir, volume.getEmptyDir(), podMemoryLimit(pod), nodeMemory);
                    // a disk sizeLimit is enforced by the eviction manager, which measures this directory
                    if (first && fsGroup.isPresent()) {
                        VolumeOwnership.apply(dir, fsGroup.get(), fsGroupChangePolicy(pod), false);
                    }
                    yield new MountedVolume(name, type, dir, false);
                }
                case "hostPath" -> new MountedVolume(name, type, HostPath.setUp(volume.getHostPath()), false);
                case "secret" -> apiData(pod, name, type, PLUGIN_SECRET, true, first, fsGroup,
                        () -> ApiDataVolumes.secret(namespace, volume.getSecret(), objects));
                case "configMap" -> apiData(pod, name, type, PLUGIN_CONFIG_MAP, false, first, fsGroup,
                        () -> ApiDataVolumes.configMap(namespace, volume.getConfigMap(), objects));
                case "downwardAPI" -> apiData(pod, name, type, PLUGIN_DOWNWARD_API, false, first, fsGroup,
                        () -> ApiDataVolumes.downwardApi(pod, volume.getDownwardAPI(), node.get()));
                case "projected" -> apiData(pod, name, type, PLUGIN_PROJECTED, true, first, fsGroup,
                        () -> ApiDataVolumes.projected(pod, volume.getProjected(), objects, node.get(),
                                this::serviceAccountToken,
                                new ApiDataVolumes.Ownership(fsUser(pod), fsGroup.isPresent())));
                default -> throw new IllegalStateException("no set-up for " + type);
            };
        } catch (VolumeException | UncheckedIOException e) {
            throw new VolumeException("MountVolume.SetUp failed for volume \"" + name + "\" : " + e.getMessage(), e);
        }
    }

    /**
     * A secret, configMap, downwardAPI or projected volume: its payload written atomically into its directory (a
     * tmpfs for secrets and projections, mounted once and kept), given to the fsGroup when it changed; always
     * mounted read-only into containers.
     */
    private MountedVolume apiData(Pod pod, String name, String type, String plugin, boolean tmpfs, boolean first,
            Optional<Long> fsGroup, Supplier<Map<String, AtomicWriter.FileProjection>> payload) {
        Map<String, AtomicWriter.FileProjection> files; // before anything is made: a missing secret
        try {
            files = payload.get();
        } catch (ClusterException e) {
            throw new VolumeException(e.getMessage(), e); // e.g. 403: the node may not read the object
        }
        Path dir = volumeDir(pod, plugin, name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("create volume directory " + dir, e);
        }
        if (tmpfs && !Mounts.isMountPoint(dir)) {
            Mounts.mountTmpfsVolume(dir, "mode=755"); // secrets never touch the node's disk
        }
        boolean changed = new AtomicWriter(dir, clock).write(files);
        if ((changed || first) && fsGroup.isPresent()) {
            VolumeOwnership.apply(dir, fsGroup.get(), "Always", true);
        }
        if (changed && !first) {
            LOG.log(Level.INFO, "volume content updated pod=" + key(pod) + " volume=" + name);
        }
        return new MountedVolume(name, type, dir, true);
    }

    /**
     * A persistentVolumeClaim volume: the directory of the claim's bound volume, mounted as it is (read-only when
     * the volume source says so), given to the fsGroup on first set-up as a local volume is.
     */
    private MountedVolume claim(Pod pod, Volume volume, boolean first, Optional<Long> fsGroup) {
        String name = volume.getName();
        PersistentClaims.Resolved resolved;
        try {
            resolved = PersistentClaims.resolve(pod.getMetadata().getNamespace(), volume.getPersistentVolumeClaim(),
                    claims);
        } catch (VolumeException e) {
            throw new VolumeException("Unable to attach or mount volumes: unmounted volumes=[" + name
                    + "], unattached volumes=[" + name + "], failed to process volumes=[" + name + "]: "
                    + e.getMessage(), e);
        }
        if (first && fsGroup.isPresent()) {
            try {
                VolumeOwnership.apply(resolved.directory(), fsGroup.get(), fsGroupChangePolicy(pod), false);
            } catch (UncheckedIOException e) {
                throw new VolumeException("MountVolume.SetUp failed for volume \"" + resolved.volumeName() + "\" : "
                        + e.getMessage(), e);
            }
        }
        return new MountedVolume(name, "persistentVolumeClaim", resolved.directory(), resolved.readOnly());
    }

    /** A projected token for the pod's service account, bound to the pod, from the token manager. */
    private String serviceAccountToken(Pod pod, ServiceAccountTokenProjection projection) {
        TokenManager manager = tokens.orElseThrow(() -> new VolumeException(
                "serviceAccountToken projections need the kubelet's token manager"));
        List<String> audiences = projection.getAudience() == null || projection.getAudience().isEmpty()
                ? List.of() : List.of(projection.getAudience());
        long seconds = projection.getExpirationSeconds() == null ? 3600 : projection.getExpirationSeconds();
        return manager.token(pod.getMetadata().getNamespace(), pod.getSpec().getServiceAccountName(), audiences,
                seconds, pod.getMetadata().getName(), pod.getMetadata().getUid());
    }

    /**
     * Upstream's {@code FsUserFrom}: the effective {@code runAsUser} (the container's, else the pod's) when every
     * init and regular container has one and they are all the same.
     */
    static java.util.OptionalLong fsUser(Pod pod) {
        Long user = null;
        var podContext = pod.getSpec().getSecurityContext();
        Long podUser = podContext == null ? null : podContext.getRunAsUser();
        for (Container c : Stream.concat(pod.getSpec().getInitContainers().stream(),
                pod.getSpec().getContainers().stream()).toList()) {
            Long effective = c.getSecurityContext() != null && c.getSecurityContext().getRunAsUser() != null
                    ? c.getSecurityContext().getRunAsUser() : podUser;
            if (effective == null || (user != null && !user.equals(effective))) {
                return java.util.OptionalLong.empty();
            }
            user = effective;
        }
        return user == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(user);
    }

    private static Optional<Long> fsGroup(Pod pod) {
        var sc = pod.getSpec().getSecurityContext();
        return sc == null ? Optional.empty() : Optional.ofNullable(sc.getFsGroup());
    }

    private static String fsGroupChangePolicy(Pod pod) {
        var sc = pod.getSpec().getSecurityContext();
        return sc == null || sc.getFsGroupChangePolicy() == null ? "Always" : sc.getFsGroupChangePolicy();
    }

    /**
     * Starts the reconciler that projects the API-data volumes of the pods set up here again every
     * {@code period} (upstream re-runs their SetUp at each pod resync), so a changed secret or configMap reaches
     * running containers; a failure is a {@code FailedMount} event and the old files stay.
     */
    public synchronized void start(Duration period) {
        if (reconciler != null) {
            return;
        }
        reconciler = Thread.ofVirtual().name("volume-reconciler").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
                reconcile();
            }
        });
    }

    /** One pass of the reconciler (tokens that expired are dropped from the token cache too). */
    void reconcile() {
        tokens.ifPresent(TokenManager::sweep);
        for (PodVolumes state : pods.values()) {
            synchronized (state) {
                if (state.removed || state.pod == null) {
                    continue;
                }
                Pod pod = state.pod;
                for (Volume volume : mountedVolumes(pod)) {
                    MountedVolume mounted = state.mounted.get(volume.getName());
                    if (mounted == null || !API_DATA.contains(mounted.type())) {
                        continue;
                    }
                    try {
                        state.mounted.put(volume.getName(), setUp(pod, volume, state));
                    } catch (VolumeException | UncheckedIOException | dev.j8s.runtime.ContainerRuntimeException e) {
                        recorder.event(ContainerReferences.of(pod), EventType.WARNING, EventReason.FAILED_MOUNT_VOLUME,
                                e.getMessage());
                    }
                }
            }
        }
    }

    /** Stops the reconciler; volumes stay as they are. */
    public synchronized void close() {
        if (reconciler != null) {
            reconciler.interrupt();
            reconciler = null;
        }
    }

    /**
     * The volume source's field name ({@code emptyDir}, {@code nfs}, {@code csi}, …), also for sources this
     * version of the model does not know (kept in its additional properties).
     */
    static String type(Volume volume) {
        Map<?, ?> fields = MAPPER.convertValue(volume, Map.class);
        return fields.entrySet().stream().filter(e -> !"name".equals(e.getKey()) && e.getValue() != null)
                .map(e -> e.getKey().toString()).findFirst().orElse("<none>");
    }

    private Path volumeDir(Pod pod, String plugin, String name) {
        return podDir(pod.getMetadata().getUid()).resolve("volumes").resolve(plugin).resolve(name);
    }

    /**
     * The pod's memory limit as upstream's pod cgroup takes it: the sum of its containers' limits, or the largest
     * init container's when larger; none when some container has no limit.
     */
    static OptionalLong podMemoryLimit(Pod pod) {
        long sum = 0;
        for (Container c : pod.getSpec().getContainers()) {
            OptionalLong limit = memoryLimit(c);
            if (limit.isEmpty()) {
                return OptionalLong.empty();
            }
            sum += limit.getAsLong();
        }
        for (Container c : pod.getSpec().getInitContainers()) {
            OptionalLong limit = memoryLimit(c);
            if (limit.isEmpty()) {
                return OptionalLong.empty();
            }
            sum = Math.max(sum, limit.getAsLong());
        }
        return OptionalLong.of(sum);
    }

    private static OptionalLong memoryLimit(Container c) {
        if (c.getResources() == null || c.getResources().getLimits() == null) {
            return OptionalLong.empty();
        }
        Quantity q = c.getResources().getLimits().get("memory");
        return q == null ? OptionalLong.empty() : OptionalLong.of(Quantity.getAmountInBytes(q).longValue());
    }

    /**
     * Upstream {@code makeMounts} for the container's {@code volumeMounts}: each becomes a bind mount of its
     * volume's directory, or of its {@code subPath} (or {@code subPathExpr} expanded with {@code env}) prepared by
     * {@link SubPaths} under {@code volume-subpaths/<volume>/<container>/<index>}; parents before children.
     *
     * @param env the container's variables (from the kubelet), for {@code subPathExpr}
     * @throws ConfigException with upstream's message ({@code CreateContainerConfigError})
     */
    public List<ContainerConfig.Mount> makeMounts(Pod pod, Container container, Map<String, String> env) {
        PodVolumes state = pods.get(pod.getMetadata().getUid());
        List<ContainerConfig.Mount> mounts = new ArrayList<>();
        if (!container.getVolumeDevices().isEmpty()) {
            throw new ConfigException("volumeDevices (raw block volumes) of container \"" + container.getName()
                    + "\" are not supported by j8s yet");
        }
        List<VolumeMount> volumeMounts = container.getVolumeMounts();
        for (int index = 0; index < volumeMounts.size(); index++) {
            VolumeMount m = volumeMounts.get(index);
            if ("Enabled".equals(m.getRecursiveReadOnly())) {
                // IfPossible is honoured as "not possible"; Enabled must fail rather than run half read-only
                throw new ConfigException("recursiveReadOnly: Enabled of volumeMount \"" + m.getName()
                        + "\" of container \"" + container.getName() + "\" is not supported by j8s yet");
            }
            MountedVolume volume = state == null ? null : state.mounted.get(m.getName());
            if (volume == null) {
                throw new ConfigException("cannot find volume \"" + m.getName() + "\" to mount into container \""
                        + container.getName() + "\"");
            }
            boolean readOnly = volume.forceReadOnly() || Boolean.TRUE.equals(m.getReadOnly());
            Path source = volume.hostPath();
            String subPath = subPath(m, env);
            if (!subPath.isEmpty()) {
                source = prepareSubPath(pod, container, m, index, volume, subPath, readOnly);
            }
            mounts.add(new ContainerConfig.Mount(m.getMountPath(), source, readOnly, propagation(container, m)));
        }
        return sortedByDepth(mounts);
    }

    /** The mount's {@code subPath}, or its {@code subPathExpr} expanded (upstream {@code ExpandContainerVolumeMounts}). */
    private static String subPath(VolumeMount m, Map<String, String> env) {
        String expr = m.getSubPathExpr() == null ? "" : m.getSubPathExpr();
        String subPath = m.getSubPath() == null ? "" : m.getSubPath();
        if (expr.isEmpty()) {
            return subPath;
        }
        if (!subPath.isEmpty()) {
            throw new ConfigException("subPathExpr and subPath are mutually exclusive");
        }
        java.util.TreeSet<String> missing = new java.util.TreeSet<>();
        String expanded = Expansion.expand(expr, name -> {
            String value = env.get(name);
            if (value == null || value.isEmpty()) {
                missing.add(name);
            }
            return value == null ? "" : value;
        });
        if (!missing.isEmpty()) {
            throw new ConfigException("missing value for " + String.join(", ", missing));
        }
        return expanded;
    }

    private Path prepareSubPath(Pod pod, Container container, VolumeMount m, int index, MountedVolume volume,
            String subPath, boolean readOnly) {
        if (subPath.startsWith("/")) {
            throw new ConfigException("error SubPath `" + subPath + "` must not be an absolute path");
        }
        for (Path part : Path.of(subPath)) {
            if (part.toString().equals("..")) {
                throw new ConfigException("unable to provision SubPath `" + subPath + "`: must not contain '..'");
            }
        }
        Path volumeDir = volume.hostPath();
        if (!Files.exists(volumeDir.resolve(subPath), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                int mode = (Integer) Files.getAttribute(volumeDir, "unix:mode") & 07777;
                SubPaths.makeDirs(volumeDir, subPath, mode);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "subPath directory not made pod=" + key(pod) + " error=" + e.getMessage());
                throw new ConfigException("failed to create subPath directory for volumeMount \"" + m.getName()
                        + "\" of container \"" + container.getName() + "\"");
            }
        }
        Path target = podDir(pod.getMetadata().getUid()).resolve("volume-subpaths").resolve(m.getName())
                .resolve(container.getName()).resolve(Integer.toString(index));
        try {
            return SubPaths.prepare(volumeDir, subPath, target, readOnly);
        } catch (VolumeException | dev.j8s.runtime.ContainerRuntimeException e) {
            LOG.log(Level.WARNING, "subPath not prepared pod=" + key(pod) + " error=" + e.getMessage());
            throw new ConfigException("failed to prepare subPath for volumeMount \"" + m.getName()
                    + "\" of container \"" + container.getName() + "\"");
        }
    }

    /** Upstream {@code translateMountPropagation}; Bidirectional needs a privileged container, which j8s refuses. */
    private static ContainerConfig.Propagation propagation(Container container, VolumeMount m) {
        String mode = m.getMountPropagation() == null ? "None" : m.getMountPropagation();
        return switch (mode) {
            case "None", "" -> ContainerConfig.Propagation.PRIVATE;
            case "HostToContainer" -> ContainerConfig.Propagation.HOST_TO_CONTAINER;
            case "Bidirectional" -> throw new ConfigException("Bidirectional mount propagation is available only to"
                    + " privileged containers (volumeMount \"" + m.getName() + "\" of container \""
                    + container.getName() + "\")");
            default -> throw new ConfigException("invalid MountPropagation mode: " + mode);
        };
    }

    /** Mounts sorted by the depth of their destination, as containerd orders them, so a parent comes first. */
    static List<ContainerConfig.Mount> sortedByDepth(List<ContainerConfig.Mount> mounts) {
        return mounts.stream().sorted(Comparator.comparingInt(m -> Path.of(m.containerPath()).normalize()
                .getNameCount())).toList();
    }

    /**
     * Tears down every volume of the pod UID (its containers are stopped) and removes {@code <pods>/<uid>}: every
     * mount under it is unmounted first, deepest first, and the tree is removed only when none is left, so a
     * failed unmount never lets the removal reach into what was mounted there.
     *
     * @return false when something stayed mounted (the next call tries again)
     */
    public boolean unmountPod(String uid) {
        PodVolumes state = pods.computeIfAbsent(uid, u -> new PodVolumes());
        synchronized (state) {
            state.removed = true;
            Path dir = podDir(uid);
            if (!Files.exists(dir)) {
                pods.remove(uid, state);
                return true;
            }
            String prefix = dir.toAbsolutePath().normalize() + "/";
            List<String> mounted = Mounts.mountPoints().stream().filter(p -> p.startsWith(prefix))
                    .sorted(Comparator.comparingInt(String::length).reversed()).toList();
            for (String point : mounted) {
                try {
                    Mounts.unmount(Path.of(point));
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "unmount failed pod=" + uid + " path=" + point + " error=" + e.getMessage());
                }
            }
            if (Mounts.mountPoints().stream().anyMatch(p -> p.startsWith(prefix))) {
                LOG.log(Level.WARNING, "volumes of pod still mounted, not removing its directory pod=" + uid);
                return false;
            }
            deleteTree(dir);
            pods.remove(uid, state);
            tokens.ifPresent(t -> t.forgetPod(uid));
            return true;
        }
    }

    /**
     * Upstream's orphaned pod directory cleanup: tears down the directories of pod UIDs not in {@code active}
     * (pods deleted while j8s was not running).
     */
    public void cleanupOrphanedPodDirs(Set<String> active) {
        if (!Files.isDirectory(podsDir)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(podsDir)) {
            for (Path dir : dirs.toList()) {
                String uid = dir.getFileName().toString();
                if (!active.contains(uid)) {
                    LOG.log(Level.INFO, "removing the volumes of an orphaned pod uid=" + uid);
                    unmountPod(uid);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot list " + podsDir + ": " + e.getMessage());
        }
    }

    /** The UIDs that have volumes set up in this process. */
    public Set<String> podUids() {
        return Set.copyOf(pods.keySet());
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            // walk never follows symbolic links, so a link planted in a volume is removed, not its target
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("remove " + dir, e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    /** The volumes set up for the pod UID, by name (for tests and diagnostics). */
    Map<String, Path> volumePaths(String uid) {
        PodVolumes state = pods.get(uid);
        Map<String, Path> paths = new LinkedHashMap<>();
        if (state != null) {
            state.mounted.forEach((n, v) -> paths.put(n, v.hostPath()));
        }
        return paths;
    }

    Optional<Duration> backOff(String uid) {
        return Optional.ofNullable(pods.get(uid)).map(s -> s.backOff);
    }
}
