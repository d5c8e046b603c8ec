package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SIGKILL of {@code j8s server} restarts no container: five running pods keep their container IDs and a
 * restart count of 0 after a restart on the same data dir, and a container that exited while the server
 * was down is reported with its real exit code; the network namespaces the killed server made ahead of demand are
 * released by the next start, which makes new ones.
 */
class RestartSafetyIT {

    static final int RUNNING_PODS = 5;
    static final String STATUS = "jsonpath={.status.phase} {.status.containerStatuses[0].containerID}"
            + " {.status.containerStatuses[0].restartCount}";

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("restart-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @Test
    void runningPodsKeepTheirContainersAcrossKillNineAndAnExitDuringTheOutageIsReportedWithItsCode() {
        Kubectl kubectl = SERVERS.kubectl();
        String image = REGISTRY.host() + "/busybox:1.0";
        for (int i = 0; i < RUNNING_PODS; i++) {
            kubectl.run("run", "long-" + i, "--image=" + image, "--", "sh", "-c", "while true; do sleep 1; done").ok();
        }
        Map<String, String> before = new LinkedHashMap<>();
        for (int i = 0; i < RUNNING_PODS; i++) {
            String name = "long-" + i;
            String status = Await.until(LocalRegistry.timeout(), "pod " + name + " is Running",
                    () -> kubectl.run("get", "pod", name, "-o", STATUS).ok().stdout(),
                    out -> out.matches("Running runc://\\S+ 0"));
            before.put(name, status);
        }
        assertThat(before.values()).doesNotHaveDuplicates();

        kubectl.run("run", "doomed", "--image=" + image, "--restart=Never", "--", "sh", "-c", "sleep 8; exit 7").ok();
        Await.until(Duration.ofSeconds(8), "pod doomed is Running",
                () -> kubectl.run("get", "pod", "doomed", "-o", "jsonpath={.status.phase}").ok().stdout(),
                phase -> phase.equals("Running"));
        J8sServer server = SERVERS.server();
        Path pool = server.dataDir().resolve("netpool");
        List<String> heldBefore = Await.until(Duration.ofSeconds(30), "two network namespaces made ahead",
                () -> list(pool), held -> held.size() == 2);
        server.kill9();
        J8sServer.sleep(Duration.ofSeconds(10)); // doomed exits with 7 while nobody watches
        server.restart();

        Await.until(Duration.ofSeconds(30), "the restarted server serves", () -> kubectl.run("get", "pods"),
                r -> r.exitCode() == 0);
        String doomed = Await.until(Duration.ofSeconds(30), "pod doomed is reported Failed",
                () -> kubectl.run("get", "pod", "doomed", "-o", "jsonpath={.status.phase}"
                        + " {.status.containerStatuses[0].state.terminated.reason}"
                        + " {.status.containerStatuses[0].state.terminated.exitCode}").ok().stdout(),
                out -> !out.startsWith("Running") && !out.startsWith("Pending"));
        assertThat(doomed).isEqualTo("Failed Error 7");
        assertThat(kubectl.run("get", "pod", "doomed").ok().cells().get(1).subList(0, 4))
                .containsExactly("doomed", "0/1", "Error", "0");

        List<String> heldAfter = Await.until(Duration.ofSeconds(30), "two new network namespaces made ahead",
                () -> list(pool), held -> held.size() == 2 && held.stream().noneMatch(heldBefore::contains));
        assertThat(heldBefore).as("the namespaces made ahead by the killed server are released")
                .noneMatch(id -> Files.exists(server.runDir().resolve("ns").resolve(id)));
        // the failed pod's sandbox releases its address once the kubelet stopped it
        List<String> reserved = Await.until(Duration.ofSeconds(30), "the running pods' and the new pool's addresses",
                () -> reservations(server), ids -> ids.size() == RUNNING_PODS + 2);
        assertThat(reserved).containsAll(heldAfter).doesNotContainAnyElementsOf(heldBefore);

        J8sServer.sleep(Duration.ofSeconds(3)); // the kubelet has re-synced every re-adopted pod
        for (Map.Entry<String, String> pod : before.entrySet()) {
            assertThat(kubectl.run("get", "pod", pod.getKey(), "-o", STATUS).ok().stdout())
                    .as("pod %s after kill -9 and restart", pod.getKey()).isEqualTo(pod.getValue());
            assertThat(kubectl.run("get", "pod", pod.getKey()).ok().cells().get(1).subList(0, 4))
                    .containsExactly(pod.getKey(), "1/1", "Running", "0");
        }
    }

    private static List<String> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The container ids holding an address of the server's pod network (host-local's files named by address). */
    private static List<String> reservations(J8sServer server) {
        Path ipam = server.dataDir().resolve("cni").resolve("ipam").resolve(server.runtimeConfig().networkName());
        List<String> ids = new java.util.ArrayList<>();
        for (String name : list(ipam)) {
            if (name.matches("[0-9.]+")) {
                try {
                    ids.add(Files.readString(ipam.resolve(name)).lines().findFirst().orElse("").strip());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return ids;
    }
}
