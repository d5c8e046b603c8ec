package dev.j8s.kubelet;

import dev.j8s.kubelet.eviction.EvictionManager;
import dev.j8s.kubelet.logs.LogRotator;
import java.nio.file.Path;

/**
 * How one kubelet runs; immutable and thread-safe.
 *
 * @param nodeName the Node it registers and whose pods it runs
 * @param dataDir the data dir: pod logs live under {@code <dataDir>/logs/pods}
 * @param exitsDir where conmon writes exit files (the runtime's {@code <run-dir>/exits}), watched by the PLEG
 * @param runtimeBinary the OCI runtime binary, asked for its version for the node info
 * @param kubeletVersion reported in the node info, e.g. {@code v1.32.0}
 * @param hostResolvConf the host's resolv.conf, the default DNS of pods
 * @param containerLogMaxSize a running container's log is rotated once larger than this many bytes
 *     ({@code KubeletConfiguration.containerLogMaxSize}, 10Mi by default)
 * @param containerLogMaxFiles how many log files a container keeps, the live one included
 *     ({@code containerLogMaxFiles}, 5 by default, at least 2)
 * @param seccompDefault containers without a seccomp profile get {@code RuntimeDefault} (the kubelet's
 *     {@code --seccomp-default}; on by default in j8s), else {@code Unconfined}
 * @param podPidsLimit the most tasks (processes and threads) a pod may have, the kubelet's {@code --pod-max-pids}
 *     ({@value #DEFAULT_POD_PIDS_LIMIT} by default in j8s); {@code <= 0} for no limit
 * @param eviction the eviction manager's thresholds and periods ({@code --eviction-hard} and the like)
 * @param clusterDns the cluster DNS server addresses written into {@code ClusterFirst} pods' resolv.conf (the
 *     kubelet's {@code clusterDNS}); empty: such pods fall back to {@code Default} with {@code MissingClusterDNS}
 */
public record KubeletConfig(String nodeName, Path dataDir, Path exitsDir, Path runtimeBinary, String kubeletVersion,
                            Path hostResolvConf, long containerLogMaxSize, int containerLogMaxFiles,
                            boolean seccompDefault, long podPidsLimit, EvictionManager.Config eviction,
                            java.util.List<String> clusterDns) {

    /** j8s's default pids limit per pod (upstream's kubelet has none unless configured). */
    public static final long DEFAULT_POD_PIDS_LIMIT = 4096;

    /** The kubelet version j8s reports. */
    public static final String VERSION = "v1.32.0";

    public KubeletConfig {
        clusterDns = java.util.List.copyOf(clusterDns);
        if (containerLogMaxSize < 1 || containerLogMaxFiles < 2) {
            throw new IllegalArgumentException("containerLogMaxSize must be >= 1 and containerLogMaxFiles >= 2, got "
                    + containerLogMaxSize + " and " + containerLogMaxFiles);
        }
    }

    public static KubeletConfig of(String nodeName, Path dataDir, Path runDir, Path runtimeBinary) {
        return new KubeletConfig(nodeName, dataDir, runDir.resolve("exits"), runtimeBinary, VERSION,
                Path.of("/etc/resolv.conf"), LogRotator.DEFAULT_MAX_SIZE, LogRotator.DEFAULT_MAX_FILES, true,
                DEFAULT_POD_PIDS_LIMIT, EvictionManager.Config.defaults(), java.util.List.of());
    }

    /** Where {@code Localhost} seccomp profiles are: {@code <data-dir>/seccomp}, as the kubelet's {@code <root>/seccomp}. */
    public Path seccompProfileRoot() {
        return dataDir.resolve("seccomp");
    }

    /** This config with the seccomp default on or off. */
    public KubeletConfig withSeccompDefault(boolean enabled) {
        return new KubeletConfig(nodeName, dataDir, exitsDir, runtimeBinary, kubeletVersion, hostResolvConf,
                containerLogMaxSize, containerLogMaxFiles, enabled, podPidsLimit, eviction, clusterDns);
    }

    /** This config with another pids limit per pod. */
    public KubeletConfig withPodPidsLimit(long limit) {
        return new KubeletConfig(nodeName, dataDir, exitsDir, runtimeBinary, kubeletVersion, hostResolvConf,
                containerLogMaxSize, containerLogMaxFiles, seccompDefault, limit, eviction, clusterDns);
    }

    /** This config with other eviction thresholds and periods. */
    public KubeletConfig withEviction(EvictionManager.Config other) {
        return new KubeletConfig(nodeName, dataDir, exitsDir, runtimeBinary, kubeletVersion, hostResolvConf,
                containerLogMaxSize, containerLogMaxFiles, seccompDefault, podPidsLimit, other, clusterDns);
    }

    /** This config with other log rotation limits. */
    public KubeletConfig withContainerLogRotation(long maxSize, int maxFiles) {
        return new KubeletConfig(nodeName, dataDir, exitsDir, runtimeBinary, kubeletVersion, hostResolvConf, maxSize,
                maxFiles, seccompDefault, podPidsLimit, eviction, clusterDns);
    }

    /** This config with another resolver configuration for pods' {@code Default} DNS (the kubelet's --resolv-conf). */
    public KubeletConfig withHostResolvConf(Path file) {
        return new KubeletConfig(nodeName, dataDir, exitsDir, runtimeBinary, kubeletVersion, file,
                containerLogMaxSize, containerLogMaxFiles, seccompDefault, podPidsLimit, eviction, clusterDns);
    }

    /** This config with cluster DNS server addresses. */
    public KubeletConfig withClusterDns(java.util.List<String> servers) {
        return new KubeletConfig(nodeName, dataDir, exitsDir, runtimeBinary, kubeletVersion, hostResolvConf,
                containerLogMaxSize, containerLogMaxFiles, seccompDefault, podPidsLimit, eviction, servers);
    }
}
