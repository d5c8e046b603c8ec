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
 * {@code j8s server} killed by SIGKILL right after {@code runc start} returned and before it recorded the start
 * (a crash point armed by a system property, so the moment is exact): after a restart the container is the same
 * one, running, with a restart count of 0, and nothing killed it.
 */
class CrashAfterRuncStartIT {

    static final String CRASH_POINT = "-Dj8s.test.crashAfterRuncStart=victim";

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("crash-node", List.of(), List.of(CRASH_POINT));

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @Test
    void aSigkillRightAfterRuncStartLeavesTheContainerRunningWithItsRestartCountAfterARestart() throws IOException {
        J8sServer server = SERVERS.server();
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("run", "victim", "--image=" + REGISTRY.image("1.0"), "--",
                "sh", "-c", "echo started; while true; do sleep 1; done").ok();

        assertThat(server.awaitEnd(LocalRegistry.timeout())).as("the server died at the crash point").isTrue();
        assertThat(server.currentLog()).contains("crash point reached, sending SIGKILL to this process point=AFTER_RUNC_START");
        List<Path> containers = containerDirs(server.dataDir());
        assertThat(containers).hasSize(1);
        String id = containers.getFirst().getFileName().toString();

        server.restart(List.of());

        String status = Await.until(Duration.ofSeconds(60), "pod victim is reported running and ready",
                () -> kubectl.run("get", "pod", "victim", "-o", "jsonpath={.status.phase} {.status.containerStatuses[0].ready}"
                        + " {.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount}")
                        .ok().stdout(),
                out -> out.startsWith("Running true "));
        assertThat(status).isEqualTo("Running true runc://" + id + " 0");
        assertThat(containerDirs(server.dataDir())).extracting(p -> p.getFileName().toString()).containsExactly(id);
        assertThat(kubectl.run("logs", "victim").ok().stdout()).isEqualTo("started\n");
        assertThat(kubectl.run("get", "events", "--field-selector", "involvedObject.name=victim",
                "-o", "jsonpath={range .items[*]}{.reason}{\"\\n\"}{end}").ok().stdout())
                .doesNotContain("Killing");
    }

    private static List<Path> containerDirs(Path dataDir) throws IOException {
        try (Stream<Path> dirs = Files.list(dataDir.resolve("containers"))) {
            return dirs.filter(Files::isDirectory).toList();
        }
    }
}
