package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.ExecSession;
import dev.j8s.runtime.PodSandboxConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ConmonRuntime#attach}: real runc + conmon and busybox-static containers created with the stdin and terminal
 * a pod's {@code stdin}, {@code stdinOnce} and {@code tty} ask for; an attach joins the main process through conmon's
 * attach socket.
 */
class ConmonAttachIT {
  static RuntimeInstance instance;
  static Path base;
  static Path layer;
  static ConmonRuntime runtime;

  @BeforeAll
  static void setUp() throws IOException {
    instance = RuntimeInstance.start("j8s-attach-it-", RuntimeInstance.podCidr(53));
    base = instance.base();
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
  void aTtyShellTakesInputOnItsTerminalFollowsBackToBackResizesAndEndsTheAttachWhenItExits() throws Exception {
    String id = running("shell", List.of("sh"), new ContainerConfig.Stdio(true, true, true));

    try (ExecSession attach = runtime.attach(id, true)) {
      CollectedOutput out = CollectedOutput.of(attach.stdout());
      send(attach.stdin(), "tty; echo TERM=$TERM; echo $((6*7))\r");
      out.await("42\r\n");
      assertThat(out.text()).containsPattern("/dev/pts/\\d+\r\n").contains("TERM=xterm\r\n");

      // as kubectl does when it attaches: one size more, then the size, at once; the last one counts
      attach.resize(124, 46);
      attach.resize(123, 45);
      // conmon passes the resize to the terminal asynchronously: ask until it shows
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!out.text().contains("45 123\r\n") && System.nanoTime() < deadline) {
        send(attach.stdin(), "stty size\r");
        Thread.sleep(200);
      }
      assertThat(out.text()).contains("45 123\r\n");

      send(attach.stdin(), "exit 3\r");
      assertThat(attach.awaitExit(Duration.ofSeconds(10))).hasValue(0);
    }
    awaitExited(id, 3);
  }

  @Test
  void stdinOnceClosesTheContainersStdinWhenTheAttachEndsItsInput() throws Exception {
    String id = running("once", List.of("sh", "-c", "cat; echo stdin ended; echo on stderr >&2"),
        new ContainerConfig.Stdio(true, true, false));

    try (ExecSession attach = runtime.attach(id, true)) {
      CollectedOutput out = CollectedOutput.of(attach.stdout());
      CollectedOutput err = CollectedOutput.of(attach.stderr());
      send(attach.stdin(), "hello\n");
      out.await("hello\n");
      attach.stdin().close();
      out.await("stdin ended\n");
      err.await("on stderr\n");
      assertThat(attach.awaitExit(Duration.ofSeconds(10))).hasValue(0);
    }
    awaitExited(id, 0);
    assertThat(Files.readString(base.resolve("logs/once/0.log"))).contains("stdout F stdin ended")
        .contains("stderr F on stderr");
  }

  @Test
  void aStdinKeptOpenOutlivesOneAttachAndTheNextAttachStillWritesToIt() throws Exception {
    String id = running("open", List.of("sh", "-c", "while read line; do echo got $line; done; echo eof"),
        new ContainerConfig.Stdio(true, false, false));

    try (ExecSession first = runtime.attach(id, true)) {
      CollectedOutput out = CollectedOutput.of(first.stdout());
      send(first.stdin(), "one\n");
      out.await("got one\n");
      first.stdin().close();
      // without stdinOnce nothing more can come of an attach without TTY once its input ended
      assertThat(first.awaitExit(Duration.ofSeconds(10))).hasValue(0);
    }
    assertThat(runtime.containerStatus(id).state()).isInstanceOf(ContainerState.Running.class);

    try (ExecSession second = runtime.attach(id, true)) {
      CollectedOutput out = CollectedOutput.of(second.stdout());
      send(second.stdin(), "two\n");
      out.await("got two\n");
      assertThat(out.text()).doesNotContain("eof");
    }
    assertThat(runtime.containerStatus(id).state()).isInstanceOf(ContainerState.Running.class);
  }

  @Test
  void detachingLeavesTheContainerRunningAndItsOutputGoesOnToTheLog() throws Exception {
    String id = running("ticker", List.of("sh", "-c", "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.1; done"),
        ContainerConfig.Stdio.NONE);

    ExecSession attach = runtime.attach(id, true);
    CollectedOutput out = CollectedOutput.of(attach.stdout());
    out.await("tick");
    send(attach.stdin(), "dropped: the container has no stdin\n");
    attach.close();
    assertThat(attach.awaitExit(Duration.ofSeconds(1))).hasValue(0);

    String before = Files.readString(base.resolve("logs/ticker/0.log"));
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (Files.readString(base.resolve("logs/ticker/0.log")).length() == before.length()
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(Files.readString(base.resolve("logs/ticker/0.log"))).hasSizeGreaterThan(before.length());
    assertThat(runtime.containerStatus(id).state()).isInstanceOf(ContainerState.Running.class);
  }

  private static String running(String name, List<String> args, ContainerConfig.Stdio stdio) {
    String sandbox = runtime.runPodSandbox(PodSandboxConfig.of(name, "default", UUID.randomUUID().toString(),
        name + "-host"));
    String id = runtime.createContainer(sandbox, ContainerConfig.of(name, "busybox", List.of(layer), args,
        base.resolve("logs/" + name + "/0.log")).withStdio(stdio));
    runtime.startContainer(id);
    return id;
  }

  private static void awaitExited(String id, int code) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!(runtime.containerStatus(id).state() instanceof ContainerState.Exited)
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(runtime.containerStatus(id).state()).isInstanceOfSatisfying(ContainerState.Exited.class,
        exited -> assertThat(exited.exitCode()).isEqualTo(code));
  }

  private static void send(OutputStream in, String text) throws IOException {
    in.write(text.getBytes(StandardCharsets.UTF_8));
    in.flush();
  }
}
