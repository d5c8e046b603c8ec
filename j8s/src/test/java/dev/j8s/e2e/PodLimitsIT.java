package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pods against the host's resources: a fork bomb stopped by its pod's pids limit ({@code --pod-max-pids}, 4096 by
 * default) while the node keeps serving; pod cgroups under the instance's parent with the pod's limits, the parent
 * limited below the host's memory; the server's own {@code oom_score_adj} lowered as the kubelet's is and the
 * containers' set by QoS.
 */
class PodLimitsIT {

    static final long PIDS = 120;

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("limits-node",
            dataDir -> List.of("--pod-max-pids=" + PIDS));

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @Test
    void aForkBombIsStoppedByItsPodsPidsLimitWhileTheNodeKeepsServing() throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        // every shell forks shells that fork shells; a CPU limit keeps it from taking the shared machine's cores
        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: bomb
                spec:
                  restartPolicy: Never
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: bomb
                    image: %s
                    command: ["sh", "-c", "bomb() { while :; do bomb & done; }; bomb"]
                    resources:
                      limits:
                        cpu: 200m
                """.formatted(REGISTRY.image("1.0")), "apply", "-f", "-").ok();
        Path pids = Await.until(LocalRegistry.timeout(), "the pod cgroup of bomb", () -> {
            String uid = kubectl.run("get", "pod", "bomb", "-o", "jsonpath={.metadata.uid}").ok().stdout();
            return uid.isEmpty() ? null : podCgroup("pids", uid);
        }, dir -> dir != null && Files.exists(dir.resolve("pids.max")));
        assertThat(pids.resolve("pids.max")).hasContent(Long.toString(PIDS));

        Await.until(LocalRegistry.timeout(), "the bomb's shells die of failed forks",
                () -> kubectl.run("get", "pod", "bomb", "-o", "jsonpath={.status.phase}").ok().stdout(),
                phase -> phase.equals("Failed") || phase.equals("Succeeded"));
        assertThat(readLong(pids.resolve("pids.peak"))).as("as many tasks as the limit, never more").isEqualTo(PIDS);
        assertThat(refusedForks(pids)).as("forks refused at the limit").isPositive();
        assertThat(kubectl.run("logs", "bomb").ok().stdout()).contains("can't fork: Resource temporarily unavailable");

        // the node kept serving: the API answers and another pod starts and finishes
        assertThat(kubectl.run("get", "node", "limits-node", "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").ok().stdout()).isEqualTo("True");
        kubectl.run("run", "alongside", "--image=" + REGISTRY.image("1.0"), "--restart=Never", "--", "echo", "served")
                .ok();
        Await.until(LocalRegistry.timeout(), "pod alongside has finished",
                () -> kubectl.run("get", "pod", "alongside", "-o", "jsonpath={.status.phase}").ok().stdout(),
                "Succeeded"::equals);
        assertThat(kubectl.run("logs", "alongside").ok().stdout().strip()).isEqualTo("served");

        kubectl.run("delete", "pod", "bomb", "alongside", "--grace-period=1", "--wait=true").ok();
        // a finished pod's object goes at once; the kubelet removes its sandbox and cgroup right after
        Await.until(Duration.ofSeconds(30), "the pod cgroup goes with the pod", () -> Files.exists(pids), e -> !e);
    }

    /** The forks the pids controller refused in the pod's cgroup and its containers' ({@code max} of pids.events). */
    private static long refusedForks(Path podCgroup) throws IOException {
        try (var files = Files.walk(podCgroup)) {
            return files.filter(p -> p.getFileName().toString().equals("pids.events")).mapToLong(p -> {
                try {
                    return Files.readAllLines(p).stream().filter(l -> l.startsWith("max "))
                            .mapToLong(l -> Long.parseLong(l.substring(4).strip())).sum();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        }
    }

    @Test
    void thePodCgroupCarriesThePodsLimitsUnderTheInstanceParentAndScoresFollowQos() throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: guaranteed
                spec:
                  containers:
                  - name: c
                    image: %1$s
                    command: ["sh", "-c", "cat /proc/self/oom_score_adj; exec sleep 3600"]
                    resources:
                      limits:
                        cpu: 250m
                        memory: 64Mi
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: besteffort
                spec:
                  restartPolicy: Never
                  containers:
                  - name: c
                    image: %1$s
                    command: ["cat", "/proc/self/oom_score_adj"]
                """.formatted(REGISTRY.image("1.0")), "apply", "-f", "-").ok();
        Await.until(LocalRegistry.timeout(), "pod guaranteed is Running",
                () -> kubectl.run("get", "pod", "guaranteed", "-o", "jsonpath={.status.phase}").ok().stdout(),
                "Running"::equals);
        String uid = uid(kubectl, "guaranteed");

        assertThat(podCgroup("memory", uid).resolve("memory.limit_in_bytes")).hasContent(Long.toString(64L << 20));
        assertThat(podCgroup("cpu", uid).resolve("cpu.cfs_quota_us")).hasContent("25000");
        assertThat(podCgroup("cpu", uid).resolve("cpu.shares")).hasContent("256");
        assertThat(podCgroup("pids", uid).resolve("pids.max")).hasContent(Long.toString(PIDS));
        long memTotal = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).findFirst().orElseThrow();
        assertThat(readLong(instanceCgroup("memory").resolve("memory.limit_in_bytes")))
                .as("the instance's pods together stay below the host's memory").isEqualTo(memTotal - (100L << 20));

        // lowering a score needs CAP_SYS_RESOURCE; without it (some sandboxes) the server keeps its own, and no
        // container is given less, as containerd's restrictOOMScoreAdj does
        int serverScore = Integer.parseInt(Files.readString(Path.of("/proc", Long.toString(SERVERS.server().pid()),
                "oom_score_adj")).strip());
        int guaranteedScore = canLowerOomScores() ? -997 : Math.max(-997, serverScore);
        if (canLowerOomScores()) {
            assertThat(serverScore).as("the server, as the kubelet").isEqualTo(-999);
        } else {
            assertThat(SERVERS.server().logs()).contains("cannot lower the oom_score_adj of the server to -999");
        }
        Await.until(LocalRegistry.timeout(), "pod besteffort has finished",
                () -> kubectl.run("get", "pod", "besteffort", "-o", "jsonpath={.status.phase}").ok().stdout(),
                "Succeeded"::equals);
        assertThat(kubectl.run("logs", "besteffort").ok().stdout().strip()).isEqualTo("1000");
        Await.until(Duration.ofSeconds(10), "guaranteed's log",
                () -> kubectl.run("logs", "guaranteed").ok().stdout().strip(), Integer.toString(guaranteedScore)::equals);
        kubectl.run("delete", "pod", "guaranteed", "besteffort", "--grace-period=1", "--wait=true").ok();
    }

    @Test
    void withoutTheFlagAPodMayHave4096Tasks() throws Exception {
        J8sServer plain = SERVERS.startServer("limits-node-default");
        Kubectl kubectl = Kubectl.dispatcher(plain.kubeconfig(), SERVERS.home());
        kubectl.run("run", "sleeper", "--image=" + REGISTRY.image("1.0"), "--", "sleep", "3600").ok();
        Await.until(LocalRegistry.timeout(), "pod sleeper is Running",
                () -> kubectl.run("get", "pod", "sleeper", "-o", "jsonpath={.status.phase}").ok().stdout(),
                "Running"::equals);
        Path cgroup = Path.of("/sys/fs/cgroup/pids", plain.runtimeConfig().cgroupParent().substring(1),
                "pod" + uid(kubectl, "sleeper"));

        assertThat(cgroup.resolve("pids.max")).hasContent("4096");
        kubectl.run("delete", "pod", "sleeper", "--grace-period=1", "--wait=true").ok();
    }

    /** Whether this process (and so the server it started) may lower {@code oom_score_adj}: CAP_SYS_RESOURCE. */
    private static boolean canLowerOomScores() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapEff:"))
                .anyMatch(l -> (Long.parseUnsignedLong(l.substring(7).strip(), 16) & (1L << 24)) != 0);
    }

    private static String uid(Kubectl kubectl, String pod) {
        return kubectl.run("get", "pod", pod, "-o", "jsonpath={.metadata.uid}").ok().stdout();
    }

    private static Path instanceCgroup(String controller) {
        return hierarchy(controller).resolve(SERVERS.server().runtimeConfig().cgroupParent().substring(1));
    }

    private static Path podCgroup(String controller, String uid) {
        return instanceCgroup(controller).resolve("pod" + uid);
    }

    /** The cgroup v1 hierarchy of a controller ({@code cpu} may be {@code cpu,cpuacct}). */
    private static Path hierarchy(String controller) {
        try (var entries = Files.list(Path.of("/sys/fs/cgroup"))) {
            return entries.filter(p -> List.of(p.getFileName().toString().split(",")).contains(controller))
                    .filter(p -> !Files.isSymbolicLink(p)).findFirst()
                    .orElseThrow(() -> new AssertionError("no cgroup v1 hierarchy for " + controller));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long readLong(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
