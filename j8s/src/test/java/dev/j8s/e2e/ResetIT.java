package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.RuntimeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code j8s reset} gives the machine back: after a server with running pods was stopped (its containers keep
 * running, as a stopped kubelet's do), no process, mount, network namespace, bridge, cgroup, iptables rule or run
 * dir of that instance is left, and with {@code --delete-data} no data dir; while the server runs it refuses.
 */
class ResetIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.perTest();

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @Test
    void afterAServerWithRunningPodsWasStoppedResetLeavesNothingOfTheInstance() throws Exception {
        J8sServer server = SERVERS.startServer("reset-node");
        Kubectl kubectl = Kubectl.dispatcher(server.kubeconfig(), SERVERS.home());
        int hostPort = 18097;
        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web
                spec:
                  containers:
                  - name: web
                    image: %1$s/busybox:1.0
                    command: ["sh", "-c", "busybox mkdir -p /www; echo hi > /www/index.html; exec busybox httpd -f -p 8080 -h /www"]
                    ports:
                    - containerPort: 8080
                      hostPort: %2$d
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: shared
                spec:
                  shareProcessNamespace: true
                  volumes:
                  - name: fast
                    emptyDir: {medium: Memory, sizeLimit: 1Mi}
                  containers:
                  - name: a
                    image: %1$s/busybox:1.0
                    command: ["sleep", "3600"]
                    volumeMounts:
                    - {name: fast, mountPath: /fast}
                  - name: b
                    image: %1$s/busybox:1.0
                    command: ["sleep", "3601"]
                """.formatted(REGISTRY.host(), hostPort), "apply", "-f", "-").ok();
        for (String pod : List.of("web", "shared")) {
            Await.until(LocalRegistry.timeout(), "pod " + pod + " is Running",
                    () -> kubectl.run("get", "pod", pod).ok().cells(), cells -> cells.get(1).get(2).equals("Running"));
        }
        RuntimeConfig instance = server.runtimeConfig();
        Path data = server.dataDir().toAbsolutePath().normalize();

        J8sServer.Cli refused = J8sServer.cli("reset", "--data-dir", data.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr()).isEqualTo("j8s reset: data dir " + data + " in use by pid " + server.pid()
                + " (j8s server): stop it before resetting\n");

        List<Long> containerProcesses = processesIn(instance);
        assertThat(containerProcesses).as("httpd and two sleeps").hasSize(3);
        List<Long> pidHolders = pidHolders(data);
        assertThat(pidHolders).as("the init of the shared pid namespace").hasSize(1);
        containerProcesses.addAll(pidHolders);
        assertThat(iptablesSave()).contains(instance.networkName()).contains("--dport " + hostPort + " ");
        assertThat(nftRuleset()).as("the localnet drop rule's table").contains(instance.networkName() + "-localnet");
        assertThat(Files.exists(Path.of("/sys/class/net", instance.bridgeName()))).isTrue();
        assertThat(HostLeftovers.mountsUnder(data, server.runDir())).isNotEmpty();

        assertThat(server.stop()).as("stopped on SIGTERM").isTrue();
        assertThat(containerProcesses).as("containers outlive the server").allMatch(ResetIT::alive);

        J8sServer.Cli reset = J8sServer.cli("reset", "--data-dir", data.toString());
        assertThat(reset.exitCode()).as(reset.toString()).isZero();
        assertThat(reset.stdout()).startsWith("stopped and removed 3 containers; removed the pod network namespaces, bridge "
                + instance.bridgeName() + ", iptables and nftables rules (localnet, services) of network " + instance.networkName() + ", cgroup "
                + instance.cgroupParent() + " and run dir " + server.runDir() + "\n");

        assertThat(containerProcesses).as("processes of the containers").noneMatch(ResetIT::alive);
        assertThat(livingProcessesMentioning(data.toString())).as("processes naming the data dir").isEmpty();
        assertThat(livingProcessesMentioning(server.runDir().toString())).as("processes naming the run dir").isEmpty();
        assertThat(HostLeftovers.mountsUnder(data, server.runDir())).as("mounts (overlays, /dev/shm, namespaces, volumes)").isEmpty();
        assertThat(data.resolve("pods")).as("pod volume directories").isEmptyDirectory();
        assertThat(server.runDir()).as("run dir, with the namespace files").doesNotExist();
        assertThat(Path.of("/sys/class/net", instance.bridgeName())).as("bridge").doesNotExist();
        for (Path hierarchy : HostLeftovers.cgroupHierarchies()) {
            assertThat(hierarchy.resolve(instance.cgroupParent().substring(1))).as("cgroup").doesNotExist();
        }
        assertThat(iptablesSave()).as("iptables rules").doesNotContain(instance.networkName())
                .doesNotContain("--dport " + hostPort + " ");
        assertThat(nftRuleset()).as("nftables rules").doesNotContain(instance.networkName());
        assertThat(data.resolve("state.db")).as("the data stays without --delete-data").exists();

        J8sServer.Cli again = J8sServer.cli("reset", "--data-dir", data.toString(), "--delete-data");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.stdout()).startsWith("stopped and removed 0 containers;").endsWith("deleted data dir " + data + "\n");
        assertThat(data).doesNotExist();
        assertThat(J8sServer.cli("reset", "--data-dir", data.toString()).stdout())
                .isEqualTo("nothing to reset: no data dir " + data + " and no run dir " + server.runDir() + "\n");
    }

    /** The pids of the shared pid namespaces' inits, as the sandbox records name them. */
    private static List<Long> pidHolders(Path data) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> sandboxes = Files.list(data.resolve("sandboxes"))) {
            for (Path record : sandboxes.map(d -> d.resolve("sandbox.json")).filter(Files::exists).toList()) {
                long pid = new com.fasterxml.jackson.databind.ObjectMapper().readTree(record.toFile()).path("pidHolder")
                        .path("pid").asLong();
                if (pid > 0) {
                    pids.add(pid);
                }
            }
        }
        return pids;
    }

    /** Every process in the instance's cgroups. */
    private static List<Long> processesIn(RuntimeConfig instance) throws IOException {
        List<Long> pids = new ArrayList<>();
        for (Path hierarchy : HostLeftovers.cgroupHierarchies()) {
            Path parent = hierarchy.resolve(instance.cgroupParent().substring(1));
            if (!Files.isDirectory(parent)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(parent)) {
                for (Path procs : walk.filter(p -> p.getFileName().toString().equals("cgroup.procs")).toList()) {
                    Files.readAllLines(procs).stream().filter(l -> !l.isBlank()).map(l -> Long.parseLong(l.strip()))
                            .filter(pid -> !pids.contains(pid)).forEach(pids::add);
                }
            }
        }
        return pids;
    }

    private static List<String> livingProcessesMentioning(String text) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(text)).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
    }

    private static String iptablesSave() {
        return HostLeftovers.run("iptables-save");
    }

    private static String nftRuleset() {
        return HostLeftovers.run("nft", "list", "ruleset");
    }

    /** Whether a pid still names a living (non-zombie) process. */
    private static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
