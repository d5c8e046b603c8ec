package dev.j8s.kubelet.volumemanager;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.kubelet.container.ConfigException;
import dev.j8s.kubelet.container.ContainerReferences;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.events.EventType;
import dev.j8s.kubelet.volume.EmptyDir;
import dev.j8s.kubelet.volume.VolumeException;
import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.oci.Mounts;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
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
    static final Set<String> SUPPORTED = Set.of("emptyDir");

    private final Path podsDir;
    private final EventRecorder recorder;
    private final long nodeMemory;
    private final Map<String, PodVolumes> pods = new ConcurrentHashMap<>();

    /**
     * @param podsDir {@code <data>/pods}
     * @param nodeMemory the node's memory in bytes (the largest a memory-backed emptyDir gets)
     */
    public VolumeManager(Path podsDir, EventRecorder recorder, long nodeMemory) {
        this.podsDir = podsDir;
        this.recorder = recorder;
        this.nodeMemory = nodeMemory;
    }

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

    /** A volume set up for a pod: where it is on the host and how containers may mount it. */
    record MountedVolume(String name, Path hostPath, boolean forceReadOnly) {}

    /** What this manager keeps per pod UID. */
    private static final class PodVolumes {
        final Map<String, MountedVolume> mounted = new ConcurrentHashMap<>();
        final Set<String> warned = ConcurrentHashMap.newKeySet();
        Duration backOff = Duration.ZERO;
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
        PodVolumes state = pods.computeIfAbsent(uid, u -> new PodVolumes());
        synchronized (state) {
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
            state.backOff = state.backOff.isZero() ? INITIAL_BACK_OFF
                    : min(state.backOff.multipliedBy(2), MAX_BACK_OFF);
            return new MountResult.NotReady(failed, state.backOff);
        }
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
        try {
            return switch (type) {
                case "emptyDir" -> {
                    Path dir = volumeDir(pod, EmptyDir.PLUGIN, name);
                    EmptyDir.setUp(dir, volume.getEmptyDir(), podMemoryLimit(pod), nodeMemory);
                    if (EmptyDir.onDisk(volume.getEmptyDir()) && EmptyDir.sizeLimit(volume.getEmptyDir()).isPresent()
                            && state.warned.add(name)) {
                        recorder.event(ContainerReferences.of(pod), EventType.WARNING,
                                EventReason.SIZE_LIMIT_NOT_ENFORCED, "emptyDir volume \"" + name + "\" has sizeLimit "
                                        + volume.getEmptyDir().getSizeLimit() + ", which j8s does not enforce yet:"
                                        + " nothing evicts the pod when the volume grows past it");
                    }
                    yield new MountedVolume(name, dir, false);
                }
                default -> throw new IllegalStateException("no set-up for " + type);
            };
        } catch (VolumeException e) {
            throw new VolumeException("MountVolume.SetUp failed for volume \"" + name + "\" : " + e.getMessage(), e);
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
     * volume's directory, parents before children.
     *
     * @throws ConfigException for a mount of a volume that is not set up, or a mount option j8s does not honour
     *     yet ({@code CreateContainerConfigError})
     */
    public List<ContainerConfig.Mount> makeMounts(Pod pod, Container container) {
        PodVolumes state = pods.get(pod.getMetadata().getUid());
        List<ContainerConfig.Mount> mounts = new ArrayList<>();
        for (VolumeMount m : container.getVolumeMounts()) {
            MountedVolume volume = state == null ? null : state.mounted.get(m.getName());
            if (volume == null) {
                throw new ConfigException("cannot find volume \"" + m.getName() + "\" to mount into container \""
                        + container.getName() + "\"");
            }
            if (m.getSubPath() != null && !m.getSubPath().isEmpty()
                    || m.getSubPathExpr() != null && !m.getSubPathExpr().isEmpty()) {
                throw new ConfigException("volumeMount \"" + m.getName() + "\" of container \"" + container.getName()
                        + "\": subPath is not supported by j8s yet");
            }
            boolean readOnly = volume.forceReadOnly() || Boolean.TRUE.equals(m.getReadOnly());
            mounts.add(new ContainerConfig.Mount(m.getMountPath(), volume.hostPath(), readOnly,
                    propagation(container, m)));
        }
        return sortedByDepth(mounts);
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
            Path dir = podDir(uid);
            if (!Files.exists(dir)) {
                pods.remove(uid);
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
            pods.remove(uid);
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
