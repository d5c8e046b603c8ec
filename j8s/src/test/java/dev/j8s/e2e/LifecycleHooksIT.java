package dev.j8s.e2e;

import static dev.j8s.e2e.PodQueries.awaitRunning;
import static dev.j8s.e2e.PodQueries.events;
import static dev.j8s.e2e.PodQueries.field;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Container lifecycle hooks through the real kubectl: postStart exec and its failure, preStop exec and httpGet seen
 * by a server in another pod, preStop bounded by the grace period with the 2 s minimum for the stop signal, a failing
 * preStop, the hook journal across {@code kill -9} of j8s, and hook output in {@code kubectl logs}. Timings are
 * measured with tolerances.
 */
class LifecycleHooksIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("hooks-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    private static String image() {
        return REGISTRY.image("1.0");
    }

    private static void apply(Kubectl kubectl, String name, String yaml) {
        kubectl.run("apply", "-f", SERVERS.file(name + ".yaml", yaml.formatted(image())).toString()).ok();
    }




    @Test
    void aPostStartExecWritesAFileTheMainProcessReads() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "poststart", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: poststart
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "until [ -f /hello ]; do sleep 0.1; done; echo main read: $(cat /hello); sleep 3600"]
                    lifecycle:
                      postStart:
                        exec:
                          command: ["sh", "-c", "echo written by postStart > /hello"]
                """);

        String logs = Await.until(LocalRegistry.timeout(), "the main process printed the file",
                () -> kubectl.run("logs", "poststart").stdout(), out -> out.contains("main read:"));
        assertThat(logs).isEqualTo("main read: written by postStart\n");
        awaitRunning(kubectl, "poststart");
        assertThat(events(kubectl, "poststart")).doesNotContain("FailedPostStartHook");
        kubectl.run("delete", "pod", "poststart").ok();
    }

    @Test
    void aFailingPostStartIsFailedPostStartHookInDescribeAndTheContainerRestarts() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "badstart", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: badstart
                spec:
                  terminationGracePeriodSeconds: 2
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
                    lifecycle:
                      postStart:
                        exec:
                          command: ["sh", "-c", "echo the secret is 42; exit 3"]
                """);

        Await.until(Duration.ofSeconds(90), "the container restarted after its postStart failed",
                () -> field(kubectl, "badstart", "{.status.containerStatuses[0].restartCount}"),
                out -> !out.isEmpty() && Integer.parseInt(out) >= 1);
        String describe = Await.until(Duration.ofSeconds(10), "describe shows the hook failure",
                () -> kubectl.run("describe", "pod", "badstart").ok().stdout(),
                out -> out.contains("FailedPostStartHook"));
        assertThat(describe)
                .containsPattern("Warning\\s+FailedPostStartHook\\s+.*kubelet\\s+PostStartHook failed\\n")
                .containsPattern("Normal\\s+Killing\\s+.*kubelet\\s+FailedPostStartHook\\n")
                .doesNotContain("the secret is 42");
        assertThat(field(kubectl, "badstart", "{.status.containerStatuses[0].lastState.terminated.reason}"))
                .isIn("Completed", "Error");
        kubectl.run("delete", "pod", "badstart").ok();
    }

    @Test
    void preStopExecAndPreStopHttpGetAreBothReceivedByAServerInASecondPod() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "receiver", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: receiver
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: httpd
                    image: %s
                    command: ["sh", "-c", "mkdir -p /www; for f in prestop-exec prestop-http; do echo ok > /www/$f; done; exec httpd -f -vv -p 8080 -h /www"]
                """);
        awaitRunning(kubectl, "receiver");
        String receiverIp = field(kubectl, "receiver", "{.status.podIP}");
        kubectl.run("apply", "-f", SERVERS.file("sender.yaml", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: sender
                spec:
                  terminationGracePeriodSeconds: 10
                  containers:
                  - name: by-exec
                    image: %1$s
                    command: ["sleep", "3600"]
                    lifecycle:
                      preStop:
                        exec:
                          command: ["sh", "-c", "wget -q -O- http://%2$s:8080/prestop-exec"]
                  - name: by-http
                    image: %1$s
                    command: ["sleep", "3600"]
                    lifecycle:
                      preStop:
                        httpGet:
                          host: %2$s
                          port: 8080
                          path: /prestop-http
                """.formatted(image(), receiverIp)).toString()).ok();
        awaitRunning(kubectl, "sender");
        assertThat(kubectl.run("logs", "receiver").ok().stdout()).doesNotContain("prestop");

        kubectl.run("delete", "pod", "sender").ok();

        String received = Await.until(Duration.ofSeconds(20), "the receiver logged both preStop requests",
                () -> kubectl.run("logs", "receiver").ok().stdout(),
                out -> out.contains("url:/prestop-exec") && out.contains("url:/prestop-http"));
        assertThat(received).containsOnlyOnce("url:/prestop-exec").containsOnlyOnce("url:/prestop-http");
        assertThat(events(kubectl, "sender")).doesNotContain("FailedPreStopHook");
        kubectl.run("delete", "pod", "receiver").ok();
    }

    @Test
    void aPreStopSleepOfFiveSecondsWithGraceThirtyDelaysTheStopByAboutFiveSeconds() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "sleeper", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: sleeper
                spec:
                  terminationGracePeriodSeconds: 30
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "trap 'echo TERM; exit 0' TERM; echo started; while true; do sleep 0.2; done"]
                    lifecycle:
                      preStop:
                        sleep:
                          seconds: 5
                """);
        awaitRunning(kubectl, "sleeper");
        try (Kubectl.Background logs = kubectl.start("logs", "-f", "sleeper")) {
            logs.awaitStdout(out -> out.contains("started"), Duration.ofSeconds(10), "started");
            Kubectl.Result deleted = kubectl.run("delete", "pod", "sleeper").ok();

            assertThat(logs.awaitStdout(out -> out.contains("TERM"), Duration.ofSeconds(5), "TERM"))
                    .isEqualTo("started\nTERM\n");
            assertThat(deleted.elapsed()).as("the 5 s preStop sleep, then a prompt stop on SIGTERM")
                    .isBetween(Duration.ofMillis(4900), Duration.ofSeconds(12));
        }
    }

    @Test
    void lifecycleStopSignalIsTheSignalADeleteSends() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "usr1", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: usr1
                spec:
                  os:
                    name: linux
                  terminationGracePeriodSeconds: 10
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "trap 'echo got USR1; exit 0' USR1; trap 'echo got TERM; exit 0' TERM; echo started; while true; do sleep 0.2; done"]
                    lifecycle:
                      stopSignal: SIGUSR1
                """);
        awaitRunning(kubectl, "usr1");
        try (Kubectl.Background logs = kubectl.start("logs", "-f", "usr1")) {
            logs.awaitStdout(out -> out.contains("started"), Duration.ofSeconds(10), "started");
            Kubectl.Result deleted = kubectl.run("delete", "pod", "usr1").ok();
            assertThat(logs.awaitStdout(out -> out.contains("got"), Duration.ofSeconds(10), "the signal"))
                    .isEqualTo("started\ngot USR1\n");
            assertThat(deleted.elapsed()).as("the trap exits at once").isLessThan(Duration.ofSeconds(8));
        }
    }

    @Test
    void aPreStopOutlastingAThreeSecondGraceLeavesTheContainerGoneByGracePlusTwoSeconds() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "stubborn", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: stubborn
                spec:
                  terminationGracePeriodSeconds: 3
                  containers:
                  - name: main
                    image: %s
                    command: ["sleep", "3600"]
                    lifecycle:
                      preStop:
                        exec:
                          command: ["sleep", "100"]
                """);
        awaitRunning(kubectl, "stubborn");

        Kubectl.Result deleted = kubectl.run("delete", "pod", "stubborn").ok();

        // sleep as PID 1 ignores SIGTERM: the preStop gets 3 s, the stop signal the 2 s minimum, then SIGKILL
        assertThat(deleted.elapsed()).isBetween(Duration.ofMillis(4900), Duration.ofSeconds(11));
        assertThat(events(kubectl, "stubborn"))
                .containsPattern("Normal\\s+Killing\\s+\\d+\\s+Stopping container main\\n");
    }

    @Test
    void aFailingPreStopIsFailedPreStopHookAndTheTerminationGoesOn() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "badstop", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: badstop
                spec:
                  terminationGracePeriodSeconds: 10
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
                    lifecycle:
                      preStop:
                        exec:
                          command: ["sh", "-c", "exit 1"]
                """);
        awaitRunning(kubectl, "badstop");

        Kubectl.Result deleted = kubectl.run("delete", "pod", "badstop").ok();

        assertThat(deleted.elapsed()).as("a failed preStop does not hold the stop").isLessThan(Duration.ofSeconds(8));
        assertThat(Await.until(Duration.ofSeconds(10), "the FailedPreStopHook event", () -> events(kubectl, "badstop"),
                out -> out.contains("FailedPreStopHook")))
                .containsPattern("Warning\\s+FailedPreStopHook\\s+\\d+\\s+PreStopHook failed\\n")
                .containsPattern("Normal\\s+Killing\\s+\\d+\\s+Stopping container main\\n");
    }

    @Test
    void theHookJournalRunsAnInterruptedPostStartAgainAfterKillNineAndNeverAFinishedOne() throws IOException {
        Kubectl kubectl = SERVERS.kubectl();
        String template = """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %2$s
                spec:
                  terminationGracePeriodSeconds: 1
                  volumes:
                  - name: data
                    emptyDir: {}
                  containers:
                  - name: main
                    image: %1$s
                    command: ["sleep", "3600"]
                    volumeMounts:
                    - name: data
                      mountPath: /data
                    lifecycle:
                      postStart:
                        exec:
                          command: ["sh", "-c", "echo run >> /data/runs; sleep %3$d"]
                """;
        kubectl.run("apply", "-f", SERVERS.file("done.yaml", template.formatted(image(), "done-hook", 0)).toString())
                .ok();
        awaitRunning(kubectl, "done-hook");
        Path doneRuns = runs(kubectl, "done-hook");
        assertThat(doneRuns).hasContent("run");

        kubectl.run("apply", "-f", SERVERS.file("busy.yaml", template.formatted(image(), "busy-hook", 5)).toString())
                .ok();
        Path busyRuns = Await.until(LocalRegistry.timeout(), "the 5 s postStart of busy-hook started",
                () -> runs(kubectl, "busy-hook"), p -> Files.exists(p) && content(p).equals("run"));
        J8sServer server = SERVERS.server();
        server.kill9();
        server.restart();

        Await.until(Duration.ofSeconds(60), "the interrupted postStart ran again", () -> content(busyRuns),
                out -> out.equals("run\nrun"));
        assertThat(Await.until(Duration.ofSeconds(20), "an event says it ran again", () -> events(kubectl, "busy-hook"),
                out -> out.contains("PostStartHookRedelivered")))
                .contains("PostStartHook of container main was running when the kubelet stopped; running it again");
        awaitRunning(kubectl, "busy-hook");
        assertThat(doneRuns).as("the postStart that had completed before the kill").hasContent("run");
        assertThat(field(kubectl, "done-hook", "{.status.containerStatuses[0].restartCount}")).isEqualTo("0");
        kubectl.run("delete", "pod", "done-hook", "busy-hook").ok();
    }

    /** The {@code runs} file in the pod's emptyDir on the host (no such file before the pod has a UID). */
    private static Path runs(Kubectl kubectl, String pod) {
        String uid = kubectl.run("get", "pod", pod, "-o", "jsonpath={.metadata.uid}").stdout();
        return PodQueries.emptyDir(SERVERS.server(), uid.isEmpty() ? "none" : uid, "data").resolve("runs");
    }

    private static String content(Path file) {
        return PodQueries.contentOrEmpty(file).strip();
    }



    @Test
    void withTheOutputAnnotationHookOutputIsInKubectlLogsAndTheFailureEventEndsWithTheExitCodeAndLastLine() {
        Kubectl kubectl = SERVERS.kubectl();
        apply(kubectl, "chatty", """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: chatty
                  annotations:
                    hooks.j8s.dev/output: "true"
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: %s
                    command: ["sh", "-c", "echo main started; sleep 3600"]
                    lifecycle:
                      postStart:
                        exec:
                          command: ["sh", "-c", "echo registering with the directory; echo cannot reach directory >&2; exit 7"]
                """);

        String events = Await.until(Duration.ofSeconds(90), "the hook failure event",
                () -> events(kubectl, "chatty"), out -> out.contains("FailedPostStartHook"));
        assertThat(events).containsPattern(
                "Warning\\s+FailedPostStartHook\\s+\\d+\\s+PostStartHook failed: exit code 7: cannot reach directory\\n");
        String logs = Await.until(Duration.ofSeconds(30), "the hook output in the log",
                () -> kubectl.run("logs", "chatty").stdout() + kubectl.run("logs", "chatty", "--previous").stdout(),
                out -> out.contains("[postStart] cannot reach directory"));
        assertThat(logs).contains("[postStart] registering with the directory\n")
                .contains("[postStart] cannot reach directory\n");
        kubectl.run("delete", "pod", "chatty").ok();
    }
}
