package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The in-process kubelet of {@code j8s server} runs real pods (conmon + runc in CNI sandboxes) from a local
 * registry, driven by the real kubectl: completion and logs, a graceful delete, CrashLoopBackOff, events.
 */
class KubeletPodsIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("kubelet-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0", "events");

    private static String image(String tag) {
        return REGISTRY.image(tag);
    }

    @Test
    void aPodThatPrintsAndExitsZeroIsCompletedAndKubectlLogsPrintsItsOutput() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("run", "hello", "--image=" + image("1.0"), "--restart=Never", "--",
                "sh", "-c", "echo hello from j8s; echo second line").ok();

        List<List<String>> table = Await.until(LocalRegistry.timeout(), "pod hello is Completed",
                () -> kubectl.run("get", "pod", "hello").ok().cells(), cells -> cells.get(1).get(2).equals("Completed"));
        assertThat(table.getFirst()).containsExactly("NAME", "READY", "STATUS", "RESTARTS", "AGE");
        assertThat(kubectl.run("get", "pod", "hello").ok().cells().get(1).subList(0, 4))
                .containsExactly("hello", "0/1", "Completed", "0");
        assertThat(kubectl.run("logs", "hello").ok().stdout()).isEqualTo("hello from j8s\nsecond line\n");
        assertThat(kubectl.run("get", "pod", "hello", "-o", "jsonpath={.status.phase} {.status.containerStatuses[0].state.terminated.reason} {.status.containerStatuses[0].state.terminated.exitCode}")
                .ok().stdout()).isEqualTo("Succeeded Completed 0");
    }

    @Test
    void describeShowsThePullingPulledCreatedAndStartedEvents() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("run", "described", "--image=" + image("events"), "--restart=Never", "--", "sh", "-c", "echo hi").ok();
        Await.until(LocalRegistry.timeout(), "pod described is Completed",
                () -> kubectl.run("get", "pod", "described").ok().cells(), cells -> cells.get(1).get(2).equals("Completed"));

        String describe = Await.until(Duration.ofSeconds(10), "the Started event is described",
                () -> kubectl.run("describe", "pod", "described").ok().stdout(),
                out -> out.contains("Started container described"));
        assertThat(describe)
                .containsPattern("Normal\\s+Pulling\\s+.*kubelet\\s+Pulling image \"" + image("events").replace(".", "\\.") + "\"")
                .containsPattern("Normal\\s+Pulled\\s+.*kubelet\\s+Successfully pulled image \"" + image("events").replace(".", "\\.") + "\" in ")
                .containsPattern("Normal\\s+Created\\s+.*kubelet\\s+Created container: described")
                .containsPattern("Normal\\s+Started\\s+.*kubelet\\s+Started container described");
    }

    @Test
    void aLongRunningPodRunsWithAPodIpAndKubectlDeleteStopsItWithSigtermAndLeavesNothingBehind() throws IOException {
        Kubectl kubectl = SERVERS.kubectl();
        Path manifest = SERVERS.file("sleeper.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: sleeper
                spec:
                  terminationGracePeriodSeconds: 20
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "trap 'echo TERM; exit 0' TERM; echo started; while true; do sleep 1; done"]
                """.formatted(image("1.0")));
        Path nsDir = runDir().resolve("ns");
        long sandboxesBefore = count(nsDir);
        kubectl.run("apply", "-f", manifest.toString()).ok();
        Await.until(LocalRegistry.timeout(), "pod sleeper is Running",
                () -> kubectl.run("get", "pod", "sleeper").ok().cells(), cells -> cells.get(1).get(2).equals("Running"));
        assertThat(kubectl.run("get", "pod", "sleeper").ok().cells().get(1).subList(0, 4))
                .containsExactly("sleeper", "1/1", "Running", "0");
        String podIp = kubectl.run("get", "pod", "sleeper", "-o", "jsonpath={.status.podIP}").ok().stdout();
        assertThat(podIp).matches("10\\.\\d+\\.\\d+\\.\\d+");
        String containerId = kubectl.run("get", "pod", "sleeper", "-o",
                "jsonpath={.status.containerStatuses[0].containerID}").ok().stdout();
        assertThat(containerId).startsWith("runc://");
        String id = containerId.substring("runc://".length());
        assertThat(count(nsDir)).isEqualTo(sandboxesBefore + 1);
        assertThat(mounts()).contains(id);
        assertThat(cgroupsNamed(id)).as("cgroups of the running container").isNotEmpty();

        try (Kubectl.Background logs = kubectl.start("logs", "-f", "sleeper")) {
            logs.awaitStdout(out -> out.contains("started\n"), Duration.ofSeconds(10), "the first line");
            Kubectl.Result deleted = kubectl.run("delete", "pod", "sleeper").ok();
            assertThat(deleted.stdout()).isEqualTo("pod \"sleeper\" deleted\n");
            assertThat(deleted.elapsed()).as("stopped within the grace period").isLessThan(Duration.ofSeconds(20));
            assertThat(logs.awaitStdout(out -> out.contains("TERM"), Duration.ofSeconds(10), "TERM"))
                    .isEqualTo("started\nTERM\n");
        }
        assertThat(kubectl.run("get", "pod", "sleeper").failed().stderr())
                .isEqualTo("Error from server (NotFound): pods \"sleeper\" not found\n");
        assertThat(Files.exists(runDir().resolve("runc").resolve(id))).as("runc state of " + id).isFalse();
        assertThat(mounts()).doesNotContain(id);
        assertThat(count(nsDir)).as("network namespaces").isEqualTo(sandboxesBefore);
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(id)).toList())
                .as("processes of container " + id).isEmpty();
        assertThat(cgroupsNamed(id)).as("cgroups of container " + id).isEmpty();
    }

    private static List<Path> cgroupsNamed(String name) throws IOException {
        try (var cgroups = Files.find(Path.of("/sys/fs/cgroup"), 5, (p, a) -> p.getFileName().toString().equals(name))) {
            return cgroups.toList();
        }
    }

    @Test
    void aCrashingPodReachesCrashLoopBackOffWithGrowingRestarts() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("run", "crash", "--image=" + image("1.0"), "--", "sh", "-c", "echo boom; exit 1").ok();

        Await.until(Duration.ofSeconds(90), "pod crash is in CrashLoopBackOff with 2 restarts",
                () -> kubectl.run("get", "pod", "crash", "-o",
                        "jsonpath={.status.containerStatuses[0].state.waiting.reason} {.status.containerStatuses[0].restartCount}")
                        .ok().stdout(),
                out -> out.matches("CrashLoopBackOff [2-9]"));
        List<String> row = kubectl.run("get", "pod", "crash").ok().cells().get(1);
        assertThat(row.subList(0, 3)).containsExactly("crash", "0/1", "CrashLoopBackOff");
        assertThat(row.get(3)).matches("[2-9] \\(\\d+s ago\\)");
        assertThat(kubectl.run("get", "pod", "crash", "-o",
                "jsonpath={.status.containerStatuses[0].lastState.terminated.exitCode} {.status.phase}").ok().stdout())
                .isEqualTo("1 Running");
        assertThat(kubectl.run("logs", "crash").ok().stdout()).isEqualTo("boom\n");
        assertThat(kubectl.run("describe", "pod", "crash").ok().stdout())
                .containsPattern("Warning\\s+BackOff\\s+.*kubelet\\s+Back-off restarting failed container crash in pod crash_default\\(");
    }

    @Test
    void aRunningPodSurvivesAKillNineAndRestartOfTheServerWithoutARestart() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("run", "survivor", "--image=" + image("1.0"), "--",
                "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done").ok();
        Await.until(LocalRegistry.timeout(), "pod survivor is Running",
                () -> kubectl.run("get", "pod", "survivor").ok().cells(), cells -> cells.get(1).get(2).equals("Running"));
        String query = "jsonpath={.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.podIP}";
        String before = kubectl.run("get", "pod", "survivor", "-o", query).ok().stdout();

        J8sServer server = SERVERS.server();
        server.kill9();
        server.restart();

        Await.until(Duration.ofSeconds(30), "the restarted server serves", () -> kubectl.run("get", "pod", "survivor"),
                r -> r.exitCode() == 0);
        J8sServer.sleep(Duration.ofSeconds(3)); // the kubelet re-syncs the re-adopted pod
        assertThat(kubectl.run("get", "pod", "survivor", "-o", query).ok().stdout()).isEqualTo(before);
        assertThat(kubectl.run("get", "pod", "survivor").ok().cells().get(1).subList(0, 4))
                .containsExactly("survivor", "1/1", "Running", "0");
        String firstLogs = kubectl.run("logs", "survivor").ok().stdout();
        Await.until(Duration.ofSeconds(10), "the log goes on after the restart",
                () -> kubectl.run("logs", "survivor").ok().stdout(), out -> out.length() > firstLogs.length());
        assertThat(kubectl.run("logs", "survivor").ok().stdout()).startsWith("tick 0\ntick 1\n");
    }

    /** The server's run dir: {@code /run/j8s/} and the first 8 hex digits of the SHA-256 of its data dir. */
    private static Path runDir() {
        return SERVERS.server().runDir();
    }

    private static long count(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> list = Files.list(dir)) {
            return list.count();
        }
    }

    private static String mounts() throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo"));
    }
}
