package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kubectl run -it --rm} and {@code kubectl attach -it} driven through a pseudo-terminal, as a user types them:
 * the main process of the container (a shell on the terminal conmon holds) takes the keystrokes, its output comes
 * back, the terminal's size and its resizes reach it, {@code exit} ends the session and {@code --rm} deletes the pod.
 * kubectl 1.32 attaches over WebSocket (v5.channel.k8s.io), 1.27 over SPDY/3.1.
 */
class KubectlAttachIT {

    static final Duration SESSION = Duration.ofSeconds(30);
    static final String PROMPT_HINT = "If you don't see a command prompt, try pressing enter.";

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("attach-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @Test
    void runItRmGivesAShellOnTheTerminalAndDeletesThePodAfterItsExit() {
        runShellAndExit(SERVERS.kubectl(), "oneshot");
    }

    @Test
    void kubectl127RunItRmOverSpdyGivesAShellAndDeletesThePodAfterItsExit() {
        runShellAndExit(SERVERS.kubectl("1.27"), "oneshot-127");
    }

    private static void runShellAndExit(Kubectl kubectl, String pod) {
        try (Terminal terminal = kubectl.startOnTerminal(30, 100, "run", pod, "-it", "--rm", "--restart=Never",
                "--image=" + REGISTRY.image("1.0"), "--", "sh")) {
            terminal.await(PROMPT_HINT, LocalRegistry.timeout());
            terminal.type("\r");
            terminal.await("/ # ", SESSION);
            terminal.type("echo answer=$((6*7)); stty size\r");
            terminal.await("answer=42\n30 100\n", SESSION);
            terminal.type("exit\r");

            assertThat(terminal.awaitExit(SESSION)).as(terminal.printed()).hasValue(0);
            assertThat(terminal.printed()).containsPattern("pod \"" + pod + "\" deleted");
        }
        Await.until(SESSION, "pod " + pod + " is gone", () -> kubectl.run("get", "pod", pod), r -> r.exitCode() != 0
                && r.stderr().contains("NotFound"));
    }

    @Test
    void attachItJoinsARunningShellWhoseTerminalFollowsResizesAndDetachingLeavesItRunning() {
        attachAndResize(SERVERS.kubectl(), "attached");
    }

    @Test
    void kubectl127AttachItOverSpdyJoinsARunningShellWhoseTerminalFollowsResizes() {
        attachAndResize(SERVERS.kubectl("1.27"), "attached-127");
    }

    private static void attachAndResize(Kubectl kubectl, String pod) {
        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                spec:
                  restartPolicy: Never
                  containers:
                  - name: shell
                    image: %s
                    command: [sh]
                    stdin: true
                    tty: true
                """.formatted(pod, REGISTRY.image("1.0")), "apply", "-f", "-").ok();
        PodQueries.awaitRunning(kubectl, pod);

        try (Terminal terminal = kubectl.startOnTerminal(30, 100, "attach", "-it", pod)) {
            terminal.await(PROMPT_HINT, SESSION);
            // kubectl sends the terminal's size as it attaches, beside the typed line: ask until the shell shows it
            Await.until(SESSION, "the terminal's size reaches the container", () -> {
                terminal.type("echo size=$(stty size)\r");
                J8sServer.sleep(Duration.ofMillis(200));
                return terminal.printed();
            }, printed -> printed.contains("size=30 100\n"));

            terminal.resize(45, 123);
            // kubectl sends the new size when it sees SIGWINCH; ask until the shell's terminal shows it
            Await.until(SESSION, "the resize reaches the container", () -> {
                terminal.type("echo size=$(stty size)\r");
                J8sServer.sleep(Duration.ofMillis(200));
                return terminal.printed();
            }, printed -> printed.contains("size=45 123\n"));
        }
        // kubectl went away without an exit: the shell keeps its stdin (no stdinOnce) and runs on
        assertThat(PodQueries.field(kubectl, pod, "{.status.phase}")).isEqualTo("Running");
        Kubectl.Result again = kubectl.run("exec", pod, "--", "sh", "-c", "echo still here").ok();
        assertThat(again.stdout()).isEqualTo("still here\n");
    }
}
