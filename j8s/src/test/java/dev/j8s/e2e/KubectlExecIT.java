package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kubectl exec} (1.32, WebSocket v5.channel.k8s.io; 1.27, SPDY/3.1 only) into a real pod of the
 * in-process kubelet: stdout and stderr, the exit code, stdin up to EOF, a TTY of kubectl's size, and the
 * errors answered before the upgrade.
 */
class KubectlExecIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("exec-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @BeforeAll
    static void startPod() {
        REGISTRY.runShell("shell", "1.0");
    }

    @Test
    void execPrintsStdoutAndStderrAndPropagatesTheExitCode() {
        Kubectl.Result result = SERVERS.kubectl().run("exec", "shell", "--",
                "sh", "-c", "echo out; echo err >&2; exit 3");

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.stdout()).isEqualTo("out\n");
        assertThat(result.stderr()).isEqualTo("err\ncommand terminated with exit code 3\n");
    }

    @Test
    void execOfASuccessfulCommandExitsZero() {
        Kubectl.Result result = SERVERS.kubectl().run("exec", "shell", "--", "echo", "a b", "c").ok();

        assertThat(result.stdout()).isEqualTo("a b c\n");
        assertThat(result.stderr()).isEmpty();
    }

    @Test
    void execWithStdinEchoesItAndEndsOnEof() {
        Kubectl.Result result = SERVERS.kubectl().runWithStdin("hello\nworld\n", "exec", "-i", "shell", "--", "cat").ok();

        assertThat(result.stdout()).isEqualTo("hello\nworld\n");
    }

    @Test
    void execWithATtySeesTheTerminalSizeOfKubectlAndPropagatesTheExitCode() throws Exception {
        TerminalRun run = underTerminal(Kubectl.defaultBinary(), "sh -c 'stty size; tty; echo TERM=$TERM; exit 3'");

        assertThat(run.exitCode()).as(run.printed()).isEqualTo(3);
        assertThat(run.printed())
                .containsPattern("(?m)^40 120\n/dev/pts/\\d+\nTERM=xterm\n")
                .contains("command terminated with exit code 3");
    }

    @Test
    void kubectl127ExecOverSpdyPrintsStdoutAndStderrAndPropagatesTheExitCode() {
        Kubectl.Result result = SERVERS.kubectl("1.27").run("exec", "shell", "--",
                "sh", "-c", "echo out; echo err >&2; exit 3");

        assertThat(result.exitCode()).as(result.stderr()).isEqualTo(3);
        assertThat(result.stdout()).isEqualTo("out\n");
        assertThat(result.stderr()).isEqualTo("err\ncommand terminated with exit code 3\n");
    }

    @Test
    void kubectl127ExecOverSpdyOfASuccessfulCommandExitsZero() {
        Kubectl.Result result = SERVERS.kubectl("1.27").run("exec", "shell", "--", "echo", "a b", "c").ok();

        assertThat(result.stdout()).isEqualTo("a b c\n");
        assertThat(result.stderr()).isEmpty();
    }

    @Test
    void kubectl127ExecOverSpdyWithStdinEchoesItAndEndsOnEof() {
        String input = "hello\nworld\n" + "x".repeat(200_000) + "\n";
        Kubectl.Result result = SERVERS.kubectl("1.27").runWithStdin(input, "exec", "-i", "shell", "--", "cat").ok();

        assertThat(result.stdout()).isEqualTo(input);
    }

    @Test
    void kubectl127ExecOverSpdyWithATtySeesTheTerminalSizeAndPropagatesTheExitCode() throws Exception {
        TerminalRun run = underTerminal(SERVERS.kubectl("1.27").binary(), "sh -c 'stty size; exit 2'");

        assertThat(run.exitCode()).as(run.printed()).isEqualTo(2);
        assertThat(run.printed())
                .containsPattern("(?m)^40 120\n")
                .contains("command terminated with exit code 2");
    }

    /** What {@code kubectl exec -it} printed on its terminal (CRs before a newline folded) and its exit code. */
    record TerminalRun(int exitCode, String printed) {}

    /**
     * Runs {@code kubectl exec -it shell -- <remote>} with {@code kubectl} on a terminal of 40 rows x 120 columns:
     * kubectl -it needs a terminal on its stdin, and script(1) gives it one.
     */
    private static TerminalRun underTerminal(Path kubectl, String remote) throws Exception {
        Path out = Files.createTempFile(SERVERS.home(), "tty-", ".out");
        String line = "stty rows 40 cols 120; exec " + kubectl + " --request-timeout=30s exec -it shell -- " + remote;
        ProcessBuilder builder = new ProcessBuilder("script", "-q", "-e", "-c", line, "/dev/null")
                .directory(SERVERS.home().toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("KUBE"));
        builder.environment().put("HOME", SERVERS.home().toString());
        builder.environment().put("KUBECONFIG", SERVERS.server().kubeconfig().toString());
        builder.environment().put("SHELL", "/bin/sh");
        Process script = builder.start();
        try {
            assertThat(script.waitFor(60, TimeUnit.SECONDS)).as("kubectl exec -it finished").isTrue();
        } finally {
            script.destroyForcibly();
        }
        String printed = Files.readString(out, StandardCharsets.UTF_8);
        Files.delete(out);
        // runc may give the very first line a second CR; a terminal shows both the same
        return new TerminalRun(script.exitValue(), printed.replaceAll("\r+\n", "\n"));
    }

    @Test
    void kubectl127ExecOverSpdyIntoAnUnknownContainerIsABadRequest() {
        Kubectl.Result result = SERVERS.kubectl("1.27").run("exec", "shell", "-c", "nope", "--", "true").failed();

        assertThat(result.stderr()).isEqualTo("Error from server (BadRequest): container nope is not valid for pod shell\n");
    }

    @Test
    void anUnknownContainerIsABadRequest() {
        Kubectl.Result result = SERVERS.kubectl().run("exec", "shell", "-c", "nope", "--", "true").failed();

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderr()).isEqualTo("Error from server (BadRequest): container nope is not valid for pod shell\n");
    }

    @Test
    void aPodWhoseContainerDoesNotRunIsABadRequest() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("run", "nowhere", "--image=" + REGISTRY.host() + "/busybox:absent", "--", "true").ok();
        Await.until(LocalRegistry.timeout(), "pod nowhere fails to pull",
                () -> kubectl.run("get", "pod", "nowhere").ok().cells(),
                cells -> cells.get(1).get(2).equals("ErrImagePull") || cells.get(1).get(2).equals("ImagePullBackOff"));

        Kubectl.Result result = kubectl.run("exec", "nowhere", "--", "true").failed();

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.stderr()).isEqualTo("Error from server (BadRequest): container not found (\"nowhere\")\n");
    }
}
