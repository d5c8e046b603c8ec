package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kubectl exec} streams are bounded and end with their client: 1 GiB pushed into {@code exec -i} of a command
 * that never reads grows the server by less than 32 MiB (WebSocket with kubectl 1.32, SPDY with kubectl 1.27) and it
 * still answers; a killed kubectl leaves no command of a non-TTY exec running in the container.
 *
 * <p>The server pre-touches its initial heap, so its resident size grows only when the heap or native memory does.
 */
class ExecStreamsIT {

    static final long PUSH = 1L << 30;
    static final long MAX_GROWTH = 32L << 20;

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("exec-streams-node", List.of(),
            List.of("-XX:+AlwaysPreTouch"));

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    @BeforeAll
    static void startPod() {
        REGISTRY.runShell("shell", "1.0");
        Kubectl kubectl = SERVERS.kubectl();
        // the exec paths are loaded and compiled before anything is measured
        kubectl.runWithStdin("warm\n", "exec", "-i", "shell", "--", "cat").ok();
        SERVERS.kubectl("1.27").runWithStdin("warm\n", "exec", "-i", "shell", "--", "cat").ok();
    }

    @Test
    void aGibibytePushedIntoANeverReadingExecOverWebSocketGrowsTheServerByLessThan32MiB() throws Exception {
        pushIntoANeverReadingExec(SERVERS.kubectl());
    }

    @Test
    void aGibibytePushedIntoANeverReadingExecOverSpdyGrowsTheServerByLessThan32MiB() throws Exception {
        pushIntoANeverReadingExec(SERVERS.kubectl("1.27"));
    }

    @Test
    void aKilledClientOfANonTtyExecOverWebSocketLeavesNoCommandInTheContainer() {
        killDuringSleep(SERVERS.kubectl(), "600");
    }

    @Test
    void aKilledClientOfANonTtyExecOverSpdyLeavesNoCommandInTheContainer() {
        killDuringSleep(SERVERS.kubectl("1.27"), "601");
    }

    private static void pushIntoANeverReadingExec(Kubectl kubectl) throws Exception {
        J8sServer server = SERVERS.server();
        long before = server.residentBytes();
        AtomicLong pushed = new AtomicLong();
        try (Kubectl.Background exec = kubectl.startWithStdinPipe("exec", "-i", "shell", "--", "sleep", "3600")) {
            Thread feeder = Thread.ofVirtual().start(() -> {
                byte[] chunk = new byte[1 << 20];
                try (OutputStream in = exec.stdin()) {
                    while (pushed.get() < PUSH) {
                        in.write(chunk);
                        pushed.addAndGet(chunk.length);
                    }
                } catch (IOException e) {
                    // kubectl was killed
                }
            });
            // until all is pushed, or the server holds kubectl back (nothing taken for 5 s)
            long last = -1;
            long since = System.nanoTime();
            while (pushed.get() < PUSH && System.nanoTime() - since < Duration.ofSeconds(5).toNanos()) {
                if (pushed.get() != last) {
                    last = pushed.get();
                    since = System.nanoTime();
                }
                J8sServer.sleep(Duration.ofMillis(100));
            }
            long growth = server.residentBytes() - before;
            System.out.printf("exec -i with %s: %d MiB taken before kubectl was held back, server resident growth %.1f MiB%n",
                    kubectl.binary().getFileName(), pushed.get() >> 20, growth / 1048576.0);

            assertThat(growth).as("resident growth of the server after %d MiB pushed", pushed.get() >> 20)
                    .isLessThan(MAX_GROWTH);
            assertThat(exec.isAlive()).as("kubectl is held back, not failed").isTrue();
            assertThat(SERVERS.kubectl().run("get", "pods").ok().stdout()).contains("shell");
            exec.close();
            feeder.join(Duration.ofSeconds(10));
        }
    }

    private static void killDuringSleep(Kubectl kubectl, String seconds) {
        String sleep = "sleep " + seconds;
        try (Kubectl.Background exec = kubectl.start("exec", "shell", "--", "sleep", seconds)) {
            Await.until(Duration.ofSeconds(30), sleep + " runs in the container", ExecStreamsIT::commands,
                    commands -> commands.contains(sleep));
            exec.close(); // SIGKILL: kubectl says nothing more, its connection just ends
        }
        Await.until(Duration.ofSeconds(5), "no " + sleep + " is left in the container", ExecStreamsIT::commands,
                commands -> !commands.contains(sleep));
    }

    /** The command lines running in the pod's container. */
    private static List<String> commands() {
        return SERVERS.kubectl().run("exec", "shell", "--", "busybox", "ps", "-o", "args").ok().lines();
    }

}
