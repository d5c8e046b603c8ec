package dev.j8s.kubelet.eviction;

import dev.j8s.kubelet.format.GoQuantity;
import dev.j8s.kubelet.stats.Summary;
import dev.j8s.kubelet.status.QosClass;
import dev.j8s.runtime.DiskUsage;
import dev.j8s.kubelet.container.PodContainers;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The kubelet's eviction manager (upstream {@code pkg/kubelet/eviction/eviction_manager.go}): every monitoring round
 * it observes the signals, decides which thresholds are met (soft ones for their grace period; a met threshold
 * stays met until its minimum reclaim is free again) and which node conditions to report (kept for the pressure
 * transition period); first evicts the pods over their own local-storage limits (emptyDir {@code sizeLimit},
 * {@code ephemeral-storage} limits); then, under node pressure, reclaims node-level resources (dead containers,
 * unused images) and, if that did not help, evicts one pod ranked as upstream ranks them, with upstream's reason
 * and messages. It also refuses new pods while the node is under pressure. Thread-safe.
 */
public final class EvictionManager {

    private static final System.Logger LOG = System.getLogger(EvictionManager.class.getName());

    /** Upstream's reason of an evicted pod and of its event. */
    public static final String REASON = "Evicted";
    /** The grace period of a pod evicted for a hard threshold (upstream's {@code immediateEvictionGracePeriodSeconds}). */
    static final Duration IMMEDIATE = Duration.ofSeconds(1);
    /** Pods at or above this priority are critical and never evicted (upstream's {@code SystemCriticalPriority}). */
    static final int SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

    /**
     * How the manager runs.
     *
     * @param thresholds the hard and soft thresholds
     * @param pressureTransitionPeriod how long a node condition stays after its thresholds are no longer met
     * @param maxPodGracePeriod the most grace a pod evicted for a soft threshold gets; zero for the pod's own
     * @param monitoringInterval how often the signals are observed (upstream: 10 s)
     */
    public record Config(List<Threshold> thresholds, Duration pressureTransitionPeriod, Duration maxPodGracePeriod,
                         Duration monitoringInterval) {
        public Config {
            thresholds = List.copyOf(thresholds);
        }

        /** Upstream's defaults: the default hard thresholds, 5 minutes of transition, a 10 s monitoring period. */
        public static Config defaults() {
            return new Config(Threshold.parse(Threshold.DEFAULT_HARD, "", "", ""), Duration.ofMinutes(5),
                    Duration.ZERO, Duration.ofSeconds(10));
        }
    }

    /**
     * What an eviction does to a pod: kill it with {@code grace} and fail it with reason {@value #REASON} and
     * {@code message}, with a {@code DisruptionTarget} condition when {@code disruption}; returns whether it did.
     */
    public interface PodKiller {
        boolean evict(Pod pod, Duration grace, String message, boolean disruption);
    }

    /** Frees node-level resources for a signal (dead containers, unused images). */
    public interface NodeReclaimer {
        void reclaim(Signal signal);
    }

    /** A signal's observed value and the capacity percentages are taken of. */
    record Observation(long available, long capacity) {}

    private final Config config;
    private final PodKiller killer;
    private final NodeReclaimer reclaimer;
    private final Function<List<Pod>, Summary> stats;

    private Map<Threshold, Instant> thresholdsFirstObservedAt = new LinkedHashMap<>();
    private Map<String, Instant> nodeConditionsLastObservedAt = new LinkedHashMap<>();
    private List<Threshold> thresholdsMet = List.of();
    private volatile Set<String> nodeConditions = Set.of();

    public EvictionManager(Config config, PodKiller killer, NodeReclaimer reclaimer,
                           Function<List<Pod>, Summary> stats) {
        this.config = config;
        this.killer = killer;
        this.reclaimer = reclaimer;
        this.stats = stats;
    }

    /** The node conditions under pressure now ({@code MemoryPressure}, {@code DiskPressure}, {@code PIDPressure}). */
    public Set<String> nodeConditions() {
        return nodeConditions;
    }

    /**
     * Upstream's eviction admission: under disk or PID pressure no pod is admitted, under memory pressure alone no
     * BestEffort pod that does not tolerate the memory-pressure taint; critical pods always are.
     *
     * @return the rejection message ({@code The node had condition: [DiskPressure]. }), empty when admitted
     */
    public Optional<String> admit(Pod pod) {
        Set<String> conditions = nodeConditions;
        if (conditions.isEmpty() || critical(pod)) {
            return Optional.empty();
        }
        if (conditions.equals(Set.of("MemoryPressure"))) {
            if (!QosClass.of(pod.getSpec()).equals("BestEffort") || toleratesMemoryPressure(pod)) {
                return Optional.empty();
            }
        }
        return Optional.of("The node had condition: [" + String.join(" ", conditions) + "]. ");
    }

    /**
     * One monitoring round over the pods the node runs ({@code activePods}): returns the pods it evicted (at most one
     * under node pressure, any number over their own limits).
     */
    public synchronized List<Pod> synchronize(List<Pod> activePods, Instant now) {
        Summary summary = stats.apply(activePods);
        Map<Signal, Observation> observations = observe(summary);
        List<Threshold> met = thresholdsMet(config.thresholds(), observations, false);
        if (!thresholdsMet.isEmpty()) {
            // a met threshold stays met until its minimum reclaim is free again
            for (Threshold t : thresholdsMet(thresholdsMet, observations, true)) {
                if (!met.contains(t)) {
                    met.add(t);
                }
            }
        }
        Map<Threshold, Instant> firstObserved = new LinkedHashMap<>();
        for (Threshold t : met) {
            firstObserved.put(t, thresholdsFirstObservedAt.getOrDefault(t, now));
        }
        Set<String> conditionsNow = new LinkedHashSet<>();
        for (Threshold t : met) {
            conditionsNow.add(t.signal().nodeCondition());
        }
        Map<String, Instant> lastObserved = new LinkedHashMap<>(nodeConditionsLastObservedAt);
        conditionsNow.forEach(c -> lastObserved.put(c, now));
        Set<String> conditions = new LinkedHashSet<>();
        for (String c : List.of("MemoryPressure", "DiskPressure", "PIDPressure")) {
            Instant at = lastObserved.get(c);
            if (at != null && Duration.between(at, now).compareTo(config.pressureTransitionPeriod()) < 0) {
                conditions.add(c);
            }
        }
        List<Threshold> graceMet = new ArrayList<>();
        firstObserved.forEach((t, at) -> {
            if (Duration.between(at, now).compareTo(t.gracePeriod()) >= 0) {
                graceMet.add(t);
            }
        });
        thresholdsFirstObservedAt = firstObserved;
        nodeConditionsLastObservedAt = lastObserved;
        nodeConditions = Set.copyOf(conditions);
        thresholdsMet = List.copyOf(met);

        List<Pod> evicted = localStorageEviction(activePods, summary);
        if (!evicted.isEmpty()) {
            return evicted;
        }
        if (graceMet.isEmpty()) {
            return List.of();
        }
        // memory first, as upstream's byEvictionPriority
        graceMet.sort(Comparator.comparingInt(t -> t.signal() == Signal.MEMORY_AVAILABLE ? 0 : 1));
        Threshold toReclaim = graceMet.getFirst();
        LOG.log(Level.WARNING, "Eviction manager: attempting to reclaim resourceName=" + toReclaim.signal().resource());
        if (reclaimNodeLevelResources(toReclaim, activePods)) {
            LOG.log(Level.INFO, "Eviction manager: able to reduce resource pressure without evicting pods. resourceName="
                    + toReclaim.signal().resource());
            return List.of();
        }
        List<Pod> ranked = rank(toReclaim.signal(), activePods, summary);
        for (Pod pod : ranked) {
            if (critical(pod)) {
                LOG.log(Level.WARNING, "Eviction manager: cannot evict a critical pod pod=" + key(pod));
                continue;
            }
            Duration grace = toReclaim.hard() ? IMMEDIATE : softGrace(pod);
            String message = message(toReclaim.signal(), pod, summary, graceMet, observations);
            if (killer.evict(pod, grace, message, true)) {
                LOG.log(Level.INFO, "Eviction manager: pod is evicted successfully pod=" + key(pod));
                return List.of(pod);
            }
        }
        LOG.log(Level.INFO, "Eviction manager: unable to evict any pods from the node");
        return List.of();
    }

    /** Upstream's {@code makeSignalObservations}. */
    static Map<Signal, Observation> observe(Summary summary) {
        Map<Signal, Observation> o = new EnumMap<>(Signal.class);
        Summary.NodeStats node = summary.node();
        long capacity = node.memoryCapacityBytes();
        o.put(Signal.MEMORY_AVAILABLE, new Observation(Math.max(0, capacity - node.memoryWorkingSetBytes()), capacity));
        DiskUsage.Filesystem nodeFs = node.nodeFs();
        o.put(Signal.NODEFS_AVAILABLE, new Observation(nodeFs.availableBytes(), nodeFs.capacityBytes()));
        o.put(Signal.NODEFS_INODES_FREE, new Observation(nodeFs.inodesFree(), nodeFs.inodes()));
        DiskUsage.Filesystem imageFs = node.imageFs();
        o.put(Signal.IMAGEFS_AVAILABLE, new Observation(imageFs.availableBytes(), imageFs.capacityBytes()));
        o.put(Signal.IMAGEFS_INODES_FREE, new Observation(imageFs.inodesFree(), imageFs.inodes()));
        o.put(Signal.PID_AVAILABLE, new Observation(node.maxPid() - node.runningProcesses(), node.maxPid()));
        return o;
    }

    /** Upstream's {@code thresholdsMet}: available below the threshold (plus its minimum reclaim when enforced). */
    static List<Threshold> thresholdsMet(List<Threshold> thresholds, Map<Signal, Observation> observations,
                                         boolean enforceMinReclaim) {
        List<Threshold> met = new ArrayList<>();
        for (Threshold t : thresholds) {
            Observation observed = observations.get(t.signal());
            if (observed == null || observed.capacity() <= 0) {
                continue;
            }
            long quantity = t.value().quantity(observed.capacity());
            if (enforceMinReclaim && t.minReclaim().isPresent()) {
                quantity += t.minReclaim().get().quantity(observed.capacity());
            }
            if (quantity > observed.available()) {
                met.add(t);
            }
        }
        return met;
    }

    /** Reclaims for the signal, then observes again: true when the threshold is no longer met. */
    private boolean reclaimNodeLevelResources(Threshold threshold, List<Pod> activePods) {
        if (threshold.signal() == Signal.MEMORY_AVAILABLE || threshold.signal() == Signal.PID_AVAILABLE) {
            return false;
        }
        try {
            reclaimer.reclaim(threshold.signal());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Eviction manager: node-level reclaim failed: " + e.getMessage());
            return false;
        }
        Map<Signal, Observation> observations = observe(stats.apply(activePods));
        return thresholdsMet(List.of(threshold), observations, true).isEmpty();
    }

    /**
     * Upstream's {@code localStorageEviction}: a pod whose emptyDir holds more than its {@code sizeLimit}, whose
     * ephemeral storage exceeds the sum of its containers' limits, or one of whose containers exceeds its own limit
     * is evicted at once, whatever the node's state.
     */
    private List<Pod> localStorageEviction(List<Pod> pods, Summary summary) {
        List<Pod> evicted = new ArrayList<>();
        for (Pod pod : pods) {
            Optional<Summary.PodStats> stats = summary.pod(pod.getMetadata().getUid());
            if (stats.isEmpty()) {
                continue;
            }
            Optional<String> message = emptyDirOverLimit(pod, stats.get())
                    .or(() -> podOverEphemeralLimit(pod, stats.get()))
                    .or(() -> containerOverEphemeralLimit(pod, stats.get()));
            if (message.isPresent() && killer.evict(pod, Duration.ZERO, message.get(), false)) {
                evicted.add(pod);
            }
        }
        return evicted;
    }

    private static Optional<String> emptyDirOverLimit(Pod pod, Summary.PodStats stats) {
        for (Volume v : pod.getSpec().getVolumes()) {
            if (v.getEmptyDir() == null || v.getEmptyDir().getSizeLimit() == null) {
                continue;
            }
            long limit = bytes(v.getEmptyDir().getSizeLimit());
            DiskUsage.Usage used = stats.volumes().get(v.getName());
            if (limit > 0 && used != null && used.bytes() > limit) {
                return Optional.of("Usage of EmptyDir volume \"" + v.getName() + "\" exceeds the limit \""
                        + v.getEmptyDir().getSizeLimit().toString() + "\". ");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> podOverEphemeralLimit(Pod pod, Summary.PodStats stats) {
        long limit = 0;
        for (Container c : pod.getSpec().getContainers()) {
            Quantity q = limit(c, "ephemeral-storage");
            if (q == null) {
                return Optional.empty(); // upstream: no pod-level limit unless every container has one
            }
            limit += bytes(q);
        }
        if (pod.getSpec().getContainers().isEmpty() || stats.ephemeralStorage().bytes() <= limit) {
            return Optional.empty();
        }
        return Optional.of("Pod ephemeral local storage usage exceeds the total limit of containers "
                + GoQuantity.format(limit, true) + ". ");
    }

    private static Optional<String> containerOverEphemeralLimit(Pod pod, Summary.PodStats stats) {
        for (Summary.ContainerDisk disk : stats.containers()) {
            Container c = PodContainers.named(pod, disk.name());
            Quantity q = c == null ? null : limit(c, "ephemeral-storage");
            if (q != null && disk.rootfs().bytes() + disk.logs().bytes() > bytes(q)) {
                return Optional.of("Container " + c.getName() + " exceeded its local ephemeral storage limit \""
                        + q.toString() + "\". ");
            }
        }
        return Optional.empty();
    }

    /**
     * Upstream's ranking for the signal: memory by exceeding requests, priority, usage above requests; disk the
     * same over ephemeral storage (or inodes); PIDs by priority, then process count.
     */
    static List<Pod> rank(Signal signal, List<Pod> pods, Summary summary) {
        Comparator<Pod> missingStatsFirst = Comparator.comparing(p -> summary.pod(p.getMetadata().getUid()).isPresent());
        Comparator<Pod> byPriority = Comparator.comparingInt(EvictionManager::priority);
        Comparator<Pod> order = switch (signal) {
            case MEMORY_AVAILABLE -> missingStatsFirst
                    .thenComparing(p -> !(memory(p, summary) > request(p, "memory")))
                    .thenComparing(byPriority)
                    .thenComparing(p -> -(memory(p, summary) - request(p, "memory")));
            case PID_AVAILABLE -> byPriority.thenComparing(p -> -processes(p, summary));
            case NODEFS_INODES_FREE, IMAGEFS_INODES_FREE -> missingStatsFirst
                    .thenComparing(p -> !(inodes(p, summary) > request(p, "inodes")))
                    .thenComparing(byPriority)
                    .thenComparing(p -> -(inodes(p, summary) - request(p, "ephemeral-storage")));
            default -> missingStatsFirst
                    .thenComparing(p -> !(disk(p, summary) > request(p, "ephemeral-storage")))
                    .thenComparing(byPriority)
                    .thenComparing(p -> -(disk(p, summary) - request(p, "ephemeral-storage")));
        };
        return pods.stream().sorted(order).toList();
    }

    /**
     * Upstream's {@code evictionMessage}: {@code The node was low on resource: <resource>. Threshold quantity: <q>,
     * available: <a>. } then, for each container using more than it requests, {@code Container <c> was using <u>,
     * request is <r>, has larger consumption of <resource>. }
     */
    static String message(Signal signal, Pod pod, Summary summary, List<Threshold> thresholds,
                          Map<Signal, Observation> observations) {
        String resource = signal.resource();
        StringBuilder message = new StringBuilder("The node was low on resource: ").append(resource).append(". ");
        boolean binary = resource.equals("memory") || resource.equals("ephemeral-storage");
        for (Threshold t : thresholds) {
            if (t.signal().resource().equals(resource)) {
                Observation observed = observations.get(t.signal());
                if (observed != null) {
                    long quantity = t.value().quantity(observed.capacity());
                    // a percentage becomes a BinarySI quantity, an amount keeps the format it was given in
                    String q = GoQuantity.format(quantity, !(t.value() instanceof Threshold.Value.Amount a) || a.binary());
                    message.append("Threshold quantity: ").append(q).append(", available: ")
                            .append(GoQuantity.format(observed.available(), binary)).append(". ");
                }
                break;
            }
        }
        Optional<Summary.PodStats> stats = summary.pod(pod.getMetadata().getUid());
        if (stats.isEmpty() || !(resource.equals("memory") || resource.equals("ephemeral-storage"))) {
            return message.toString();
        }
        for (Summary.ContainerDisk disk : stats.get().containers()) {
            Container c = PodContainers.named(pod, disk.name());
            if (c == null || resource.equals("memory")) {
                continue;
            }
            Quantity request = c.getResources() == null || c.getResources().getRequests() == null ? null
                    : c.getResources().getRequests().get(resource);
            long usage = disk.rootfs().bytes() + disk.logs().bytes();
            long requested = request == null ? 0 : bytes(request);
            if (usage > requested) {
                message.append("Container ").append(c.getName()).append(" was using ")
                        .append(GoQuantity.format(usage, true)).append(", request is ")
                        .append(request == null ? "0" : request.toString()).append(", has larger consumption of ")
                        .append(resource).append(". ");
            }
        }
        return message.toString();
    }

    private Duration softGrace(Pod pod) {
        Long own = pod.getSpec().getTerminationGracePeriodSeconds();
        Duration grace = Duration.ofSeconds(own == null ? 30 : own);
        Duration max = config.maxPodGracePeriod();
        return max.isZero() || max.isNegative() || grace.compareTo(max) <= 0 ? grace : max;
    }

    static boolean critical(Pod pod) {
        return priority(pod) >= SYSTEM_CRITICAL_PRIORITY || (pod.getMetadata().getAnnotations() != null
                && pod.getMetadata().getAnnotations().containsKey("kubernetes.io/config.mirror"));
    }

    private static boolean toleratesMemoryPressure(Pod pod) {
        return pod.getSpec().getTolerations().stream().anyMatch(t ->
                ("node.kubernetes.io/memory-pressure".equals(t.getKey()) || (t.getKey() == null || t.getKey().isEmpty())
                        && "Exists".equals(t.getOperator()))
                        && (t.getEffect() == null || t.getEffect().isEmpty() || t.getEffect().equals("NoSchedule")));
    }

    private static int priority(Pod pod) {
        return pod.getSpec().getPriority() == null ? 0 : pod.getSpec().getPriority();
    }

    private static long memory(Pod pod, Summary summary) {
        return summary.pod(pod.getMetadata().getUid()).map(Summary.PodStats::memoryWorkingSetBytes).orElse(0L);
    }

    private static long processes(Pod pod, Summary summary) {
        return summary.pod(pod.getMetadata().getUid()).map(Summary.PodStats::processCount).orElse(0L);
    }

    private static long disk(Pod pod, Summary summary) {
        return summary.pod(pod.getMetadata().getUid()).map(s -> s.ephemeralStorage().bytes()).orElse(0L);
    }

    private static long inodes(Pod pod, Summary summary) {
        return summary.pod(pod.getMetadata().getUid()).map(s -> s.ephemeralStorage().inodes()).orElse(0L);
    }

    /** The pod's request of a resource: the sum of its containers', or its largest init container's when larger. */
    private static long request(Pod pod, String resource) {
        long sum = pod.getSpec().getContainers().stream().mapToLong(c -> requestOf(c, resource)).sum();
        long init = pod.getSpec().getInitContainers().stream().mapToLong(c -> requestOf(c, resource)).max().orElse(0);
        return Math.max(sum, init);
    }

    private static long requestOf(Container c, String resource) {
        Quantity q = c.getResources() == null || c.getResources().getRequests() == null ? null
                : c.getResources().getRequests().get(resource);
        return q == null ? 0 : bytes(q);
    }

    private static Quantity limit(Container c, String resource) {
        return c.getResources() == null || c.getResources().getLimits() == null ? null
                : c.getResources().getLimits().get(resource);
    }

    private static long bytes(Quantity q) {
        return Quantity.getAmountInBytes(q).longValue();
    }

    private static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }
}
