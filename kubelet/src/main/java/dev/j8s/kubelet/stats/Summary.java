package dev.j8s.kubelet.stats;

import dev.j8s.runtime.DiskUsage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node's and its pods' resource usage at one moment (upstream's stats {@code Summary}, the parts the eviction
 * manager reads); immutable and thread-safe.
 */
public record Summary(NodeStats node, List<PodStats> pods) {

    public Summary {
        pods = List.copyOf(pods);
    }

    /** The stats of the pod with {@code uid}. */
    public Optional<PodStats> pod(String uid) {
        return pods.stream().filter(p -> p.uid().equals(uid)).findFirst();
    }

    /**
     * The node.
     *
     * @param memoryCapacityBytes the machine's memory
     * @param memoryWorkingSetBytes the root cgroup's memory in use less inactive file cache
     * @param nodeFs the filesystem of the data dir
     * @param imageFs the filesystem of the image store
     * @param maxPid the most process IDs ({@code min(pid_max, threads-max)})
     * @param runningProcesses the tasks that exist now
     */
    public record NodeStats(Instant time, long memoryCapacityBytes, long memoryWorkingSetBytes,
                            DiskUsage.Filesystem nodeFs, DiskUsage.Filesystem imageFs, long maxPid,
                            long runningProcesses) {}

    /**
     * A pod.
     *
     * @param memoryWorkingSetBytes its cgroup's working set
     * @param processCount the tasks in its cgroup
     * @param containers the disk its containers take, one entry per container name (its latest instance)
     * @param volumes the disk its local ephemeral volumes (emptyDir) take, by volume name
     */
    public record PodStats(String uid, long memoryWorkingSetBytes, long processCount,
                           List<ContainerDisk> containers, Map<String, DiskUsage.Usage> volumes) {
        public PodStats {
            containers = List.copyOf(containers);
            volumes = Map.copyOf(volumes);
        }

        /** The writable layers and logs of the containers and the local volumes together. */
        public DiskUsage.Usage ephemeralStorage() {
            DiskUsage.Usage total = DiskUsage.Usage.NONE;
            for (ContainerDisk c : containers) {
                total = total.plus(c.rootfs()).plus(c.logs());
            }
            for (DiskUsage.Usage v : volumes.values()) {
                total = total.plus(v);
            }
            return total;
        }
    }

    /** A container's writable layer and its logs. */
    public record ContainerDisk(String name, DiskUsage.Usage rootfs, DiskUsage.Usage logs) {}
}
