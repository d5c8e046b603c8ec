package dev.j8s.cli;

import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.volumemanager.VolumeManager;
import dev.j8s.proxy.NodeServices;
import dev.j8s.runtime.RuntimeConfig;
import dev.j8s.runtime.conmon.ConmonRuntime;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code j8s reset [--data-dir DIR] [--delete-data]}: gives the machine back, as {@code kubeadm reset} and k3s's
 * {@code k3s-killall.sh}/uninstall do. A stopped server leaves its containers running (as a stopped kubelet does);
 * this stops every container of the instance and removes what the instance put on the host: its mounts, pod
 * network namespaces, bridge, cgroups, the iptables rules of its pod network (masquerading, hostPort DNAT) and
 * its run dir — and with {@code --delete-data} the data dir itself. It takes the data dir lock, so it refuses
 * while that instance's server (or an image command) runs. Other instances are never touched: everything it
 * removes is named after this data dir. Not thread-safe.
 */
@Command(name = "reset", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Stop every container of a j8s instance and remove what it put on this machine: mounts, pod "
                + "network namespaces, bridge, cgroups, iptables rules and run dir; with --delete-data also its data dir.",
                "Refuses while that instance's server runs."})
final class ResetCommand implements Callable<Integer> {

    private final HostEnvironment host;
    private final PrintStream out;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "State directory of the instance (default: /var/lib/j8s as root, else $XDG_DATA_HOME/j8s or "
                    + "~/.local/share/j8s).")
    private Path dataDir;

    @Option(names = "--delete-data", description = "Also delete the data dir: the API objects, images, certificates "
            + "and kubeconfig are gone for good.")
    private boolean deleteData;

    ResetCommand(HostEnvironment host, PrintStream out) {
        this.host = host;
        this.out = out;
    }

    @Override
    public Integer call() {
        Path data = DataDirs.resolve(dataDir, host);
        Path runDir = ServerCommand.runDir(data, host);
        if (!Files.isDirectory(data) && !Files.isDirectory(runDir)) {
            out.println("nothing to reset: no data dir " + data + " and no run dir " + runDir);
            return 0;
        }
        // Without a data dir no server can run on it, and there is nothing to lock.
        try (DataDirLock lock = Files.isDirectory(data) ? lock(data) : null) {
            RuntimeConfig config = RuntimeConfig.of(data, runDir,
                    data.equals(DataDirs.defaultFor(host).toAbsolutePath().normalize()) ? ServerCommand.DEFAULT_POD_CIDR
                            : PodCidrs.recorded(data).orElseGet(() -> PodCidrs.derived(data)));
            int containers = ConmonRuntime.recordedContainerAnnotations(config).size();
            // Every step is tried even when one before it failed (as kubeadm reset goes on), so that one stuck
            // container does not leave the rules and volumes behind too; the failures are reported together.
            List<String> failures = new ArrayList<>();
            ConmonRuntime runtime = null;
            try {
                runtime = new ConmonRuntime(config);
            } catch (RuntimeException e) {
                if (containers > 0) {
                    failures.add("cannot stop the containers of " + data + ": " + e.getMessage());
                } else {
                    // No container ever ran (a server whose kubelet could not start here, e.g. without root).
                    attempt(failures, "remove run dir " + runDir, () -> ConmonRuntime.deleteTree(runDir));
                }
            }
            if (runtime != null) {
                attempt(failures, "stop the containers and remove the pod network", runtime::destroy);
            }
            attempt(failures, "remove the service rules", () -> {
                List<String> failed = NodeServices.removeRules(ServerCommand.servicesTable(config));
                if (!failed.isEmpty()) {
                    throw new IllegalStateException(String.join("; ", failed));
                }
            });
            // the pods' volumes (tmpfs of memory emptyDirs and secrets, subPath binds), now that no container uses them
            attempt(failures, "unmount and remove the pods' volumes", () -> new VolumeManager(data.resolve("pods"),
                    EventRecorder.DISCARD, 0).cleanupOrphanedPodDirs(Set.of()));
            if (!failures.isEmpty()) {
                throw new IllegalStateException("reset of " + data + " incomplete (run it again once the cause is "
                        + "gone): " + String.join("; ", failures));
            }
            out.println("stopped and removed " + containers + " container" + (containers == 1 ? "" : "s")
                    + "; removed the pod network namespaces, bridge " + config.bridgeName() + ", iptables and nftables rules (localnet, services) of network "
                    + config.networkName() + ", cgroup " + config.cgroupParent() + " and run dir " + runDir);
            if (deleteData && Files.isDirectory(data)) {
                if (dev.j8s.runtime.oci.Mounts.isMountPoint(data)) {
                    // a filesystem of its own (as a kubelet's root dir often is): emptied, the mount point kept
                    try (var entries = Files.list(data)) {
                        for (Path entry : entries.toList()) {
                            ConmonRuntime.deleteTree(entry); // refuses if anything is still mounted below it
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException("empty " + data, e);
                    }
                    out.println("emptied data dir " + data + " (a mount point, kept)");
                } else {
                    ConmonRuntime.deleteTree(data); // refuses if anything is still mounted below it
                    out.println("deleted data dir " + data);
                }
            }
        }
        return 0;
    }

    /** Runs {@code step}; a failure is added to {@code failures} as "{@code what}: message" instead of thrown. */
    private static void attempt(List<String> failures, String what, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            failures.add(what + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }

    private static DataDirLock lock(Path data) {
        try {
            return DataDirLock.acquire(data, "j8s reset");
        } catch (DataDirLock.InUseException e) {
            throw new IllegalStateException(e.getMessage() + ": stop it before resetting", e);
        }
    }
}
