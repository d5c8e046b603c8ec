package dev.j8s.e2e;

import static dev.j8s.e2e.PodQueries.field;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sidecars (restartable init containers, KEP-753) through the real kubectl: started in order, each after the one
 * before has started (its startup probe), the main container after them and reading a file a sidecar wrote; kept
 * running beside it, restarted when they exit, counted in {@code READY}; and stopped after the main container in
 * reverse order on deletion, proven by the times each container got SIGTERM, written into a shared emptyDir.
 */
class SidecarsIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("sidecars-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    private static final String POD = "with-sidecars";

    /** A sidecar: marks itself ready, exits 1 when asked, on SIGTERM logs the time, lingers 1 s, logs again, exits. */
    private static String sidecar(String name) {
        return """
                  - name: %1$s
                    image: %2$s
                    restartPolicy: Always
                    command: ["sh", "-c", "trap 'read t r < /proc/uptime; echo %1$s-term $t >> /shared/term; sleep 1; read t r < /proc/uptime; echo %1$s-exit $t >> /shared/term; exit 0' TERM; echo from-%1$s > /shared/%1$s-ready; while true; do if [ -f /shared/%1$s-crash ]; then rm /shared/%1$s-crash; exit 1; fi; sleep 0.2; done"]
                    volumeMounts:
                    - name: shared
                      mountPath: /shared
                    startupProbe:
                      exec:
                        command: ["cat", "/shared/%1$s-ready"]
                      periodSeconds: 1
                """.formatted(name, REGISTRY.image("1.0"));
    }

    @Test
    void sidecarsStartInOrderBeforeTheMainContainerKeepRunningRestartAndStopLastInReverseOrder() {
        Kubectl kubectl = SERVERS.kubectl();
        String manifest = """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: with-sidecars
                spec:
                  terminationGracePeriodSeconds: 30
                  volumes:
                  - name: shared
                    emptyDir: {}
                  initContainers:
                %s%s  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "trap 'read t r < /proc/uptime; echo main-term $t >> /shared/term; sleep 2; read t r < /proc/uptime; echo main-exit $t >> /shared/term; exit 0' TERM; echo main read: $(cat /shared/side-a-ready) $(cat /shared/side-b-ready); while true; do sleep 0.2; done"]
                    volumeMounts:
                    - name: shared
                      mountPath: /shared
                """.formatted(sidecar("side-a"), sidecar("side-b"), REGISTRY.image("1.0"));
        kubectl.run("apply", "-f", SERVERS.file("with-sidecars.yaml", manifest).toString()).ok();

        String logs = Await.until(LocalRegistry.timeout(), "the main container printed what the sidecars wrote",
                () -> kubectl.run("logs", "with-sidecars", "-c", "main").stdout(), out -> out.contains("main read:"));
        assertThat(logs).as("the main container starts only once both sidecars have started")
                .isEqualTo("main read: from-side-a from-side-b\n");
        Await.until(Duration.ofSeconds(30), "READY counts the two sidecars and the main container",
                () -> kubectl.run("get", "pod", "with-sidecars").ok().cells().get(1),
                row -> row.get(1).equals("3/3") && row.get(2).equals("Running"));
        // events are written asynchronously (the kubelet sends a sync's events after its status, as upstream's
        // recorder sends them on its own): the main container's Started may follow the status that counts it
        List<String> started = Await.until(Duration.ofSeconds(10), "three Started events",
                () -> kubectl.run("get", "events", "--field-selector", "involvedObject.name=with-sidecars",
                        "--sort-by=.metadata.creationTimestamp", "-o",
                        "custom-columns=REASON:.reason,OBJ:.involvedObject.fieldPath", "--no-headers").ok().stdout()
                        .lines().filter(l -> l.startsWith("Started")).map(l -> l.split("\\s+")[1]).toList(),
                list -> list.size() >= 3);
        assertThat(started)
                .containsExactly("spec.initContainers{side-a}", "spec.initContainers{side-b}", "spec.containers{main}");
        assertThat(field(kubectl, POD, "{.status.conditions[?(@.type==\"Initialized\")].status}")).isEqualTo("True");

        // a sidecar that exits is restarted while the main container keeps running
        kubectl.run("exec", "with-sidecars", "-c", "main", "--", "sh", "-c", "echo > /shared/side-b-crash").ok();
        Await.until(Duration.ofSeconds(60), "side-b was restarted",
                () -> field(kubectl, POD, "{.status.initContainerStatuses[1].restartCount} "
                        + "{.status.initContainerStatuses[1].started}"), "1 true"::equals);
        assertThat(field(kubectl, POD, "{.status.containerStatuses[0].restartCount} "
                + "{.status.initContainerStatuses[0].restartCount}")).isEqualTo("0 0");
        assertThat(kubectl.run("get", "pod", "with-sidecars").ok().cells().get(1).get(3))
                .as("RESTARTS counts the sidecar's restart").startsWith("1");

        // deletion: main first; then side-b; side-a last
        String uid = field(kubectl, POD, "{.metadata.uid}");
        Path term = PodQueries.emptyDir(SERVERS.server(), uid, "shared").resolve("term");
        try (Kubectl.Background deletion = kubectl.start("delete", "pod", "with-sidecars")) {
            String written = Await.until(Duration.ofSeconds(30), "every container wrote its SIGTERM time",
                    () -> PodQueries.contentOrEmpty(term), text -> text.contains("side-a-term"));
            Map<String, Double> at = times(written);
            assertThat(at).containsKeys("main-term", "main-exit", "side-b-term", "side-b-exit", "side-a-term");
            assertThat(at.get("side-b-term")).as("side-b gets SIGTERM once main has exited")
                    .isGreaterThanOrEqualTo(at.get("main-exit"));
            assertThat(at.get("side-a-term")).as("side-a gets SIGTERM once side-b has exited")
                    .isGreaterThanOrEqualTo(at.get("side-b-exit"));
            assertThat(at.get("side-a-term") - at.get("main-term")).as("main's 2 s and side-b's 1 s come first")
                    .isBetween(2.9, 10.0);
            deletion.awaitStdout(out -> out.contains("deleted"), Duration.ofSeconds(30), "deleted");
        }
    }

    /** {@code name seconds} lines (seconds since boot from /proc/uptime) as a map. */
    private static Map<String, Double> times(String text) {
        Map<String, Double> at = new HashMap<>();
        for (String line : text.strip().lines().toList()) {
            List<String> f = List.of(line.strip().split("\\s+"));
            at.put(f.get(0), Double.parseDouble(f.get(1)));
        }
        return at;
    }
}
