package dev.j8s.kubelet.stats;

import dev.j8s.kubelet.kuberuntime.Labels;
import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.ContainerStats;
import dev.j8s.runtime.ContainerStatus;
import dev.j8s.runtime.DiskUsage;
import dev.j8s.runtime.KernelFiles;
import dev.j8s.runtime.PodSandboxStats;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;


/**
 * Measures a {@link Summary} on this machine (upstream's summary provider over cAdvisor and the CRI): node memory
 * from {@code /proc/meminfo} and the root memory cgroup, the data dir's and the image store's filesystems with
 * {@code statvfs}, process IDs from {@code /proc}; per pod its cgroup (through the runtime), its containers'
 * writable layers and log directories, and its emptyDir directories. Thread-safe.
 */
public final class SummaryProvider {

    private static final System.Logger LOG = System.getLogger(SummaryProvider.class.getName());

    private final ContainerRuntime runtime;
    private final Path dataDir;
    private final Path imagesDir;
    private final Function<String, Path> podDir;
    private final Clock clock;

    /**
     * @param dataDir the node filesystem's data dir ({@code <data-dir>})
     * @param imagesDir the image store ({@code <data-dir>/images})
     * @param podDir a pod's directory by UID ({@code <data-dir>/pods/<uid>}, holding {@code volumes/…})
     */
    public SummaryProvider(ContainerRuntime runtime, Path dataDir, Path imagesDir, Function<String, Path> podDir,
                           Clock clock) {
        this.runtime = runtime;
        this.dataDir = dataDir;
        this.imagesDir = imagesDir;
        this.podDir = podDir;
        this.clock = clock;
    }

    /** The stats of the node and of {@code pods}. */
    public Summary summary(List<Pod> pods) {
        String meminfo = KernelFiles.text(Path.of("/proc/meminfo"));
        long capacity = KernelFiles.meminfoBytes(meminfo, "MemTotal");
        long workingSet = rootWorkingSet().orElse(capacity - KernelFiles.meminfoBytes(meminfo, "MemAvailable"));
        DiskUsage.Filesystem nodeFs = DiskUsage.filesystem(dataDir);
        DiskUsage.Filesystem imageFs = DiskUsage.filesystem(Files.isDirectory(imagesDir) ? imagesDir : dataDir);
        long maxPid = Math.min(KernelFiles.number(Path.of("/proc/sys/kernel/pid_max")),
                KernelFiles.number(Path.of("/proc/sys/kernel/threads-max")));
        Summary.NodeStats node = new Summary.NodeStats(clock.instant(), capacity, workingSet, nodeFs, imageFs, maxPid,
                runningProcesses(KernelFiles.text(Path.of("/proc/loadavg"))));
        List<Summary.PodStats> podStats = new ArrayList<>();
        for (Pod pod : pods) {
            try {
                podStats.add(podStats(pod));
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "no stats for pod " + pod.getMetadata().getNamespace() + "/"
                        + pod.getMetadata().getName() + ": " + e.getMessage());
            }
        }
        return new Summary(node, podStats);
    }

    private Summary.PodStats podStats(Pod pod) {
        String uid = pod.getMetadata().getUid();
        PodSandboxStats cgroup = runtime.podSandboxStats(uid);
        Map<String, ContainerStatus> latest = new LinkedHashMap<>();
        runtime.listContainers(Map.of(Labels.POD_UID, uid)).stream()
                .sorted(Comparator.comparingInt(ContainerStatus::attempt))
                .forEach(c -> latest.put(c.name(), c));
        List<Summary.ContainerDisk> containers = new ArrayList<>();
        for (ContainerStatus c : latest.values()) {
            ContainerStats stats = runtime.containerStats(c.id());
            containers.add(new Summary.ContainerDisk(c.name(),
                    new DiskUsage.Usage(stats.writableLayerBytes(), stats.writableLayerInodes()),
                    DiskUsage.of(c.logPath().getParent())));
        }
        Map<String, DiskUsage.Usage> volumes = new LinkedHashMap<>();
        for (Volume v : pod.getSpec().getVolumes()) {
            if (v.getEmptyDir() != null) {
                volumes.put(v.getName(), DiskUsage.of(emptyDir(uid, v.getName())));
            }
        }
        return new Summary.PodStats(uid, cgroup.memoryWorkingSetBytes(), cgroup.processCount(), containers, volumes);
    }

    /** Where the volume manager keeps a pod's emptyDir ({@code <pod>/volumes/kubernetes.io~empty-dir/<name>}). */
    Path emptyDir(String uid, String name) {
        return podDir.apply(uid).resolve("volumes").resolve("kubernetes.io~empty-dir").resolve(name);
    }

    /** The root memory cgroup's usage less its inactive file cache, as cAdvisor's working set. */
    static java.util.OptionalLong rootWorkingSet() {
        Path v1 = Path.of("/sys/fs/cgroup/memory");
        if (Files.exists(v1.resolve("memory.usage_in_bytes"))) {
            long usage = KernelFiles.number(v1.resolve("memory.usage_in_bytes"));
            return java.util.OptionalLong.of(Math.max(0, usage - KernelFiles.field(v1.resolve("memory.stat"),
                    "total_inactive_file")));
        }
        return java.util.OptionalLong.empty();
    }

    /** The total of {@code /proc/loadavg}'s fourth field ({@code running/total} scheduling entities). */
    static long runningProcesses(String loadavg) {
        String[] fields = loadavg.strip().split("\\s+");
        if (fields.length >= 4 && fields[3].contains("/")) {
            try {
                return Long.parseLong(fields[3].substring(fields[3].indexOf('/') + 1));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }
}
