package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.CriLogLine;
import dev.j8s.runtime.PodSandboxConfig;
import dev.j8s.runtime.PodSandboxConfig.PortMapping;
import dev.j8s.runtime.PodSandboxConfig.Protocol;
import dev.j8s.runtime.PodSandboxStatus;
import dev.j8s.runtime.ProcessRunner;
import dev.j8s.runtime.RuntimeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real runc + conmon + CNI for what a sandbox is asked for beyond its namespaces: host ports (CNI
 * portmap), a PID namespace shared by its containers, and conmon reopening a container's log; each test
 * checks that no container, mount, process or iptables rule of it is left.
 */
class SandboxOptionsIT {
  static final int HOST_PORT = 18080;
  static RuntimeInstance instance;
  static Path base;
  static Path layer;
  static ConmonRuntime runtime;
  static RuntimeConfig config;
  final List<String> sandboxIds = new ArrayList<>();

  @BeforeAll
  static void setUp() throws IOException {
    instance = RuntimeInstance.start("j8s-sbx-it-", RuntimeInstance.podCidr(61));
    base = instance.base();
    config = instance.config();
    runtime = instance.runtime();
    layer = instance.busybox();
  }

  @AfterEach
  void removeSandboxesAndCheckNothingIsLeft() {
    instance.removeSandboxes();
    instance.assertNothingLeft();
    String rules = iptablesSave();
    for (String id : sandboxIds) {
      assertThat(rules).as("iptables rules of sandbox %s", id).doesNotContain(id);
    }
  }

  @AfterAll
  static void destroyInstance() {
    instance.destroy();
    assertThat(iptablesSave()).doesNotContain(config.networkName() + "\\\" id:");
  }

  @Test
  void aHostPortIsReachableOnLoopbackAndOnTheHostAddressAndItsRulesLeaveWithTheSandbox() throws Exception {
    String sandbox = run(pod("web").withPortMappings(List.of(new PortMapping(Protocol.TCP, 8080, HOST_PORT, ""))));
    String httpd = runtime.createContainer(sandbox, container("httpd", base.resolve("logs/httpd/0.log"),
        "sh", "-c", "mkdir -p /tmp/www && echo pong > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"));
    runtime.startContainer(httpd);
    assertThat(iptablesSave()).as("portmap's DNAT rule").contains(sandbox).contains("--dport " + HOST_PORT);

    assertThat(httpGet("127.0.0.1", HOST_PORT)).contains("pong");
    Optional<String> hostAddress = hostAddress();
    if (hostAddress.isPresent()) {
      assertThat(httpGet(hostAddress.get(), HOST_PORT)).as("via %s", hostAddress.get()).contains("pong");
    }

    runtime.stopPodSandbox(sandbox);
    runtime.removePodSandbox(sandbox);
    assertThat(iptablesSave()).doesNotContain(sandbox).doesNotContain("--dport " + HOST_PORT + " ");
  }

  @Test
  void containersOfASandboxWithASharedPidNamespaceSeeEachOtherAndTheHolderIsPidOne() {
    String sandbox = run(pod("shared").withSharedPidNamespace(true));
    String sleeper = runtime.createContainer(sandbox, container("sleeper", base.resolve("logs/sleeper/0.log"),
        "sleep", "4242"));
    runtime.startContainer(sleeper);
    // A second instance (as after a restart of j8s) finds the namespace through sandbox.json.
    ConmonRuntime restarted = new ConmonRuntime(config);
    String looker = restarted.createContainer(sandbox, container("looker", base.resolve("logs/looker/0.log"),
        "sleep", "1000"));
    restarted.startContainer(looker);

    assertThat(processes(looker)).contains("sleep 4242", "sleep 1000");
    assertThat(cmdline(looker, 1)).startsWith(Files.isExecutable(ConmonRuntime.CATATONIT) ? "/usr/bin/catatonit -P"
        : "sleep infinity");
    assertThat(processes(sleeper)).contains("sleep 1000");

    Meta.PidHolder holder = Meta.read(config.dataDir().resolve("sandboxes").resolve(sandbox).resolve("sandbox.json"),
        Meta.Sandbox.class).orElseThrow().pidHolder();
    assertThat(ConmonRuntime.processAlive(holder.pid(), holder.comm())).isTrue();
    runtime.stopPodSandbox(sandbox);
    assertThat(ConmonRuntime.processAlive(holder.pid(), holder.comm())).isFalse();
  }

  @Test
  void aSandboxWhoseSharedPidNamespaceHolderDiedIsNotReadyAndItsContainersAreGone() {
    String sandbox = run(pod("orphaned").withSharedPidNamespace(true));
    String sleeper = runtime.createContainer(sandbox, container("sleeper", base.resolve("logs/orphaned/0.log"),
        "sleep", "4242"));
    runtime.startContainer(sleeper);
    Meta.PidHolder holder = Meta.read(config.dataDir().resolve("sandboxes").resolve(sandbox).resolve("sandbox.json"),
        Meta.Sandbox.class).orElseThrow().pidHolder();
    assertThat(runtime.podSandboxStatus(sandbox).state()).isEqualTo(PodSandboxStatus.State.READY);

    ProcessHandle.of(holder.pid()).orElseThrow().destroyForcibly();

    awaitExited(sleeper);
    assertThat(runtime.podSandboxStatus(sandbox).state()).isEqualTo(PodSandboxStatus.State.NOTREADY);
    assertThatThrownBy(() -> runtime.createContainer(sandbox, container("late", base.resolve("logs/late/0.log"),
        "true"))).isInstanceOf(ContainerRuntimeException.class)
        .hasMessage("the pid namespace of sandbox " + sandbox + " is gone");
  }

  @Test
  void containersOfASandboxWithoutASharedPidNamespaceSeeOnlyThemselves() {
    String sandbox = run(pod("apart"));
    String sleeper = runtime.createContainer(sandbox, container("sleeper", base.resolve("logs/sleeper/0.log"),
        "sleep", "4242"));
    runtime.startContainer(sleeper);
    String looker = runtime.createContainer(sandbox, container("looker", base.resolve("logs/looker/0.log"),
        "sleep", "1000"));
    runtime.startContainer(looker);

    assertThat(processes(looker)).contains("sleep 1000").doesNotContain("sleep 4242");
    assertThat(cmdline(looker, 1)).isEqualTo("sleep 1000");
    assertThat(Meta.read(config.dataDir().resolve("sandboxes").resolve(sandbox).resolve("sandbox.json"),
        Meta.Sandbox.class).orElseThrow().pidHolder()).isEqualTo(Meta.PidHolder.NONE);
  }

  @Test
  void reopeningTheLogAfterARenameMakesConmonWriteANewFileAtTheLogPath() throws Exception {
    String sandbox = run(pod("chatty"));
    Path log = base.resolve("logs/chatty/0.log");
    String id = runtime.createContainer(sandbox, container("chatty", log, "sh", "-c",
        "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.02; done"));
    runtime.startContainer(id);
    awaitLines(log, 3);

    Path rotated = log.resolveSibling("0.log.20250101-000000");
    Files.move(log, rotated);
    runtime.reopenContainerLog(id);
    awaitLines(log, 3);

    List<CriLogLine> before = lines(rotated);
    List<CriLogLine> after = lines(log);
    int lastBefore = number(before.getLast());
    int firstAfter = number(after.getFirst());
    assertThat(firstAfter).as("no line lost or repeated across the reopen").isEqualTo(lastBefore + 1);
    try (Stream<Path> files = Files.list(log.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("0.log",
          "0.log.20250101-000000");
    }

    runtime.stopContainer(id, Duration.ZERO);
    assertThatThrownBy(() -> runtime.reopenContainerLog(id)).isInstanceOf(ContainerRuntimeException.class)
        .hasMessage("container " + id + " is not running");
  }

  private String run(PodSandboxConfig pod) {
    String id = runtime.runPodSandbox(pod);
    sandboxIds.add(id);
    return id;
  }

  private static PodSandboxConfig pod(String name) {
    return PodSandboxConfig.of(name, "default", UUID.randomUUID().toString(), name + "-host");
  }

  private static ContainerConfig container(String name, Path log, String... args) {
    return ContainerConfig.of(name, "busybox", List.of(layer), List.of(args), log);
  }

  /** The command lines of every process the container sees, one per line. */
  private static String processes(String containerId) {
    return runtime.execSync(containerId, List.of("sh", "-c",
        "for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline; echo; done"), Duration.ofSeconds(10)).stdoutText();
  }

  private static String cmdline(String containerId, int pid) {
    return runtime.execSync(containerId, List.of("sh", "-c", "tr '\\0' ' ' < /proc/" + pid + "/cmdline"),
        Duration.ofSeconds(10)).stdoutText().strip();
  }

  private static String httpGet(String host, int port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    IOException last = null;
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), 1000);
        socket.setSoTimeout(2000);
        OutputStream out = socket.getOutputStream();
        out.write("GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        if (response.contains("200")) {
          return response;
        }
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no answer from " + host + ":" + port, last);
  }

  /** The first IPv4 address of an up, non-loopback interface that is not a pod bridge or veth. */
  private static Optional<String> hostAddress() throws IOException {
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      String name = nif.getName();
      if (nif.isLoopback() || !nif.isUp() || name.startsWith("j8s") || name.startsWith("veth")
          || name.startsWith("cni") || name.startsWith("docker")) {
        continue;
      }
      for (var address : Collections.list(nif.getInetAddresses())) {
        if (address instanceof Inet4Address) {
          return Optional.of(address.getHostAddress());
        }
      }
    }
    return Optional.empty();
  }

  private static String iptablesSave() {
    return ProcessRunner.run(List.of("iptables-save"), Duration.ofSeconds(20)).orThrow("iptables-save")
        .stdoutText();
  }

  private static List<CriLogLine> lines(Path log) throws IOException {
    return Files.readAllLines(log).stream().map(CriLogLine::parse).toList();
  }

  private static int number(CriLogLine line) {
    return Integer.parseInt(line.content().substring("line ".length()));
  }

  private static void awaitExited(String containerId) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (runtime.containerStatus(containerId).state() instanceof ContainerState.Exited) {
        return;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("container " + containerId + " did not exit: " + runtime.containerStatus(containerId).state());
  }

  private static void awaitLines(Path log, int count) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readAllLines(log).size() >= count) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("log " + log + " never had " + count + " lines");
  }
}
