package dev.j8s.cli;

import dev.j8s.kubelet.KubeletConfig;
import dev.j8s.kubelet.eviction.EvictionManager;
import dev.j8s.kubelet.eviction.Threshold;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The kubelet's flags that {@code j8s server} and {@code j8s agent} share, named like upstream's kubelet flags: the
 * pods' DNS, seccomp default, pids limit, eviction thresholds and image credentials. Not thread-safe (picocli fills
 * it once).
 */
final class KubeletOptions {

    @Option(names = "--resolv-conf", paramLabel = "FILE", defaultValue = "/etc/resolv.conf",
            description = "Resolver configuration of pods with dnsPolicy Default, whose nameservers also get the names"
                    + " the cluster DNS does not own, as the kubelet's --resolv-conf (default: ${DEFAULT-VALUE}).")
    Path resolvConf = Path.of("/etc/resolv.conf");

    @Option(names = "--seccomp-default", paramLabel = "BOOL", arity = "1", defaultValue = "true",
            description = "Run containers without a seccompProfile under the runtime default profile, as the kubelet's"
                    + " --seccomp-default (default: ${DEFAULT-VALUE}); false leaves them Unconfined.")
    boolean seccompDefault = true;

    @Option(names = "--pod-max-pids", paramLabel = "N", defaultValue = "4096",
            description = "Most processes and threads one pod may have, its pod cgroup's pids.max, as the kubelet's"
                    + " --pod-max-pids (default: ${DEFAULT-VALUE}); -1 for no limit.")
    long podMaxPids = KubeletConfig.DEFAULT_POD_PIDS_LIMIT;

    @Option(names = "--eviction-hard", paramLabel = "SIGNAL<VALUE[,...]", defaultValue = Threshold.DEFAULT_HARD,
            description = "Hard eviction thresholds, as the kubelet's: memory.available, nodefs.available,"
                    + " nodefs.inodesFree, imagefs.available, imagefs.inodesFree, pid.available below a quantity or a"
                    + " percentage (default: ${DEFAULT-VALUE}); replaces the defaults when given.")
    private String evictionHard = Threshold.DEFAULT_HARD;

    @Option(names = "--eviction-soft", paramLabel = "SIGNAL<VALUE[,...]", defaultValue = "",
            description = "Soft eviction thresholds, met for their grace period before pods are evicted (default: none).")
    private String evictionSoft = "";

    @Option(names = "--eviction-soft-grace-period", paramLabel = "SIGNAL=DURATION[,...]", defaultValue = "",
            description = "The grace period of each soft threshold, e.g. memory.available=1m30s.")
    private String evictionSoftGracePeriod = "";

    @Option(names = "--eviction-minimum-reclaim", paramLabel = "SIGNAL=VALUE[,...]", defaultValue = "",
            description = "How much past its threshold a signal must recover before the pressure ends (default: none).")
    private String evictionMinimumReclaim = "";

    @Option(names = "--eviction-pressure-transition-period", paramLabel = "DURATION", defaultValue = "5m0s",
            description = "How long a pressure condition stays after its thresholds are no longer met"
                    + " (default: ${DEFAULT-VALUE}).")
    private String evictionPressureTransitionPeriod = "5m0s";

    @Option(names = "--eviction-max-pod-grace-period", paramLabel = "SECONDS", defaultValue = "0",
            description = "The most grace a pod evicted for a soft threshold gets; 0 for the pod's own (default:"
                    + " ${DEFAULT-VALUE}).")
    private long evictionMaxPodGracePeriod;

    @Mixin
    ImageCredentialOptions imageCredentials = new ImageCredentialOptions();

    /**
     * Checks the flags that picocli cannot.
     *
     * @throws IllegalArgumentException naming the flag
     */
    void validate() {
        if (podMaxPids == 0 || podMaxPids < -1) {
            throw new IllegalArgumentException("--pod-max-pids must be -1 (no limit) or positive, got " + podMaxPids);
        }
        eviction();
    }

    /**
     * The eviction manager's configuration from the flags.
     *
     * @throws IllegalArgumentException {@code eviction: <why>}
     */
    EvictionManager.Config eviction() {
        try {
            List<Threshold> thresholds = Threshold.parse(evictionHard, evictionSoft, evictionSoftGracePeriod,
                    evictionMinimumReclaim);
            if (evictionMaxPodGracePeriod < 0) {
                throw new IllegalArgumentException("--eviction-max-pod-grace-period must not be negative");
            }
            return new EvictionManager.Config(thresholds, Threshold.goDuration(evictionPressureTransitionPeriod),
                    Duration.ofSeconds(evictionMaxPodGracePeriod), Duration.ofSeconds(10));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("eviction: " + e.getMessage(), e);
        }
    }

    /** {@code base} with these flags applied. */
    KubeletConfig apply(KubeletConfig base) {
        return base.withSeccompDefault(seccompDefault).withPodPidsLimit(podMaxPids).withEviction(eviction())
                .withHostResolvConf(resolvConf);
    }
}
