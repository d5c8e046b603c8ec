package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.ExecResult;
import dev.j8s.runtime.ExecSession;
import dev.j8s.runtime.PodSandboxConfig;
import dev.j8s.runtime.RuntimeConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ConmonRuntime#execTty}: real runc + conmon, a busybox-static container, and a command that
 * must see a real terminal of the size we asked for, then of the size we resized it to.
 */
class ConmonTtyExecIT {
  static RuntimeInstance instance;
  static Path base;
  static Path layer;
  static ConmonRuntime runtime;
  static RuntimeConfig config;

  @BeforeAll
  static void setUp() throws IOException {
    instance = RuntimeInstance.start("j8s-tty-it-", RuntimeInstance.podCidr(37));
    base = instance.base();
    config = instance.config();
    runtime = instance.runtime();
    layer = instance.busybox();
  }

  @AfterEach
  void removeSandboxes() {
    instance.removeSandboxes();
    instance.assertNothingLeft();
  }

  @AfterAll
  static void destroyInstance() {
    instance.destroy();
  }

  @Test
  void aTtyExecSeesItsTerminalSizeFollowsResizesAndPropagatesTheExitCode() throws Exception {
    String id = runningContainer("tty");

    try (ExecSession session = runtime.execTty(id, List.of("sh", "-c",
        "stty size; tty; echo TERM=$TERM; while read x; do [ \"$x\" = q ] && exit 5; stty size; done"), 100, 30)) {
      CollectedOutput out = CollectedOutput.of(session.stdout());
      out.await("TERM=xterm\r");
      // a real terminal ends lines with CR LF (runc 1.1 may add a second CR to the very first output)
      assertThat(out.text()).containsPattern("^30 100\r+\n/dev/pts/\\d+\r+\nTERM=xterm\r+\n");

      session.resize(120, 40);
      // the resize reaches the container's terminal asynchronously (runc's SIGWINCH handler): ask again
      // until it shows
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!out.text().contains("40 120\r\n") && System.nanoTime() < deadline) {
        send(session.stdin(), "\r");
        Thread.sleep(100);
      }
      assertThat(out.text()).contains("40 120\r\n");
      send(session.stdin(), "q\r");

      OptionalInt code = session.awaitExit(Duration.ofSeconds(10));
      assertThat(code).hasValue(5);
      assertThat(session.stderr().readAllBytes()).isEmpty();
    }
  }

  @Test
  void closingATtyExecEndsAnInteractiveShellInTheContainer() throws Exception {
    String id = runningContainer("hangup");
    ExecSession session = runtime.execTty(id, List.of("sh"), 80, 24);
    CollectedOutput out = CollectedOutput.of(session.stdout());
    send(session.stdin(), "echo pid=$$,$((6*7))\r");
    out.await(",42\r");
    String pid = out.text().replaceAll("(?s).*pid=(\\d+),42\r.*", "$1");
    assertThat(alive(id, pid)).as("the exec'd shell " + pid + " runs").isTrue();

    session.close();

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (alive(id, pid) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(alive(id, pid)).as("the exec'd shell " + pid + " runs").isFalse();
  }

  @Test
  void quoteKeepsEveryWordIntactForTheShell() {
    assertThat(TtyExecSession.quote(List.of("sh", "-c", "echo 'a b' $HOME; rm -rf /"))).isEqualTo(
        "'sh' '-c' 'echo '\"'\"'a b'\"'\"' $HOME; rm -rf /'");
  }

  /** Whether process {@code pid} of the container's PID namespace still lives (and is no zombie). */
  private static boolean alive(String id, String pid) {
    ExecResult stat = runtime.execSync(id, List.of("cat", "/proc/" + pid + "/stat"), Duration.ofSeconds(10));
    return stat.exitCode() == 0 && !stat.stdoutText().contains(") Z ");
  }

  private static String runningContainer(String name) {
    String sandbox = runtime.runPodSandbox(PodSandboxConfig.of(name, "default", UUID.randomUUID().toString(),
        name + "-host"));
    String id = runtime.createContainer(sandbox, ContainerConfig.of(name, "busybox", List.of(layer),
        List.of("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"),
        base.resolve("logs/" + name + "/0.log")));
    runtime.startContainer(id);
    return id;
  }

  private static void send(OutputStream in, String text) throws IOException {
    in.write(text.getBytes(StandardCharsets.UTF_8));
    in.flush();
  }
}
