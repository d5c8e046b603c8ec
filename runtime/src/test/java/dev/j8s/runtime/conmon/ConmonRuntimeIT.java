package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.ContainerStatus;
import dev.j8s.runtime.CriLogLine;
import dev.j8s.runtime.ExecResult;
import dev.j8s.runtime.PodSandboxConfig;
import dev.j8s.runtime.PodSandboxStatus;
import dev.j8s.runtime.RuntimeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real runc + conmon + CNI: pods made of a busybox-static rootfs, checked afterwards for leftover
 * containers, mounts, namespaces, cgroups and processes.
 */
class ConmonRuntimeIT {
  static RuntimeInstance instance;
  static Path base;
  static Path layer;
  static ConmonRuntime runtime;
  static RuntimeConfig config;

  @BeforeAll
  static void setUp() throws IOException {
    // 10.250/16: the test with a /30 below makes a second instance in 10.251/16 while this one runs
    instance = RuntimeInstance.start("j8s-rt-it-", "10.250." + (100 + ProcessHandle.current().pid() % 100) + ".0/24");
    base = instance.base();
    config = instance.config();
    runtime = instance.runtime();
    layer = instance.busybox();
  }

  @AfterEach
  void removeSandboxesAndCheckNothingIsLeft() {
    instance.removeSandboxes();
    instance.assertNothingLeft();
  }

  @AfterAll
  static void destroyInstance() {
    instance.destroy();
  }

  @Test
  void containerThatEchoesAndExitsZeroIsCompletedWithItsOutputInTheCriLog() throws IOException {
    String sandbox = runtime.runPodSandbox(pod("echo"));
    Path log = base.resolve("logs/echo/0.log");
    String id = runtime.createContainer(sandbox, container("echo", log,
        "sh", "-c", "echo hello from $(hostname); echo oops >&2"));
    assertThat(runtime.containerStatus(id).state()).isInstanceOf(ContainerState.Created.class);

    runtime.startContainer(id);
    ContainerState.Exited exited = awaitExited(id, Duration.ofSeconds(10));

    assertThat(exited.exitCode()).isZero();
    assertThat(exited.reason()).isEqualTo("Completed");
    List<CriLogLine> lines = Files.readAllLines(log).stream().map(CriLogLine::parse).toList();
    assertThat(lines).extracting(CriLogLine::stream, CriLogLine::partial, CriLogLine::content)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(CriLogLine.Stream.STDOUT, false, "hello from echo-host"),
            org.assertj.core.groups.Tuple.tuple(CriLogLine.Stream.STDERR, false, "oops"));
  }

  @Test
  void nonZeroExitIsReportedAsError() {
    String sandbox = runtime.runPodSandbox(pod("fail"));
    String id = runtime.createContainer(sandbox, container("fail", base.resolve("logs/fail/0.log"),
        "sh", "-c", "exit 3"));
    runtime.startContainer(id);

    ContainerState.Exited exited = awaitExited(id, Duration.ofSeconds(10));

    assertThat(exited.exitCode()).isEqualTo(3);
    assertThat(exited.reason()).isEqualTo("Error");
  }

  @Test
  void aSandboxWhoseNetworkFailsRefusesToStartItsContainersAndTurnsNotReady() throws IOException {
    // A /30 has one address for pods (host-local keeps .1 for the gateway): the second sandbox gets none.
    int octet = 100 + (int) (ProcessHandle.current().pid() % 100);
    Path small = base.resolve("small");
    RuntimeConfig tiny = RuntimeConfig.of(small.resolve("data"), small.resolve("run"), "10.251." + octet + ".0/30");
    ConmonRuntime other = new ConmonRuntime(tiny);
    try {
      String first = other.runPodSandbox(pod("first"));
      String firstContainer = other.createContainer(first, container("c", small.resolve("logs/first/0.log"),
          "sh", "-c", "exit 0"));
      other.startContainer(firstContainer);
      assertThat(other.podSandboxStatus(first).ips()).hasSize(1);

      String second = other.runPodSandbox(pod("second"));
      String secondContainer = other.createContainer(second, container("c", small.resolve("logs/second/0.log"),
          "sh", "-c", "exit 0"));
      assertThatThrownBy(() -> other.startContainer(secondContainer))
          .isInstanceOf(ContainerRuntimeException.SandboxFailed.class)
          .hasMessageContaining("set up network of pod default/second")
          .hasMessageContaining("no IP addresses available");
      assertThat(other.podSandboxStatus(second).state()).isEqualTo(PodSandboxStatus.State.NOTREADY);
      assertThat(other.containerStatus(secondContainer).state()).isInstanceOf(ContainerState.Created.class);
    } finally {
      other.destroy();
    }
    assertThat(Files.exists(Path.of("/sys/class/net", tiny.bridgeName()))).isFalse();
  }

  @Test
  void listingsFilterByPodUidAndByEveryLabelOfTheSelector() {
    PodSandboxConfig a = pod("filter-a");
    PodSandboxConfig b = pod("filter-b");
    String sandboxA = runtime.runPodSandbox(a);
    String sandboxB = runtime.runPodSandbox(b);
    ContainerConfig template = container("c", base.resolve("logs/filter/0.log"), "sh", "-c", "exit 0");
    String inA = runtime.createContainer(sandboxA, labelled(template, Map.of("pod", a.uid(), "role", "main")));
    String sideA = runtime.createContainer(sandboxA, labelled(template, Map.of("pod", a.uid(), "role", "side")));
    String inB = runtime.createContainer(sandboxB, labelled(template, Map.of("pod", b.uid(), "role", "main")));

    assertThat(runtime.listPodSandboxes(a.uid())).extracting(PodSandboxStatus::id).containsExactly(sandboxA);
    assertThat(runtime.listContainers(Map.of("pod", a.uid()))).extracting(ContainerStatus::id)
        .containsExactlyInAnyOrder(inA, sideA);
    assertThat(runtime.listContainers(Map.of("pod", a.uid(), "role", "main"))).extracting(ContainerStatus::id)
        .containsExactly(inA);
    assertThat(runtime.listContainers(Map.of("pod", b.uid()))).extracting(ContainerStatus::id).containsExactly(inB);
    assertThat(runtime.listContainers(Map.of("pod", "no-such-uid"))).isEmpty();
  }

  private static ContainerConfig labelled(ContainerConfig c, Map<String, String> labels) {
    return new ContainerConfig(c.name() + "-" + labels.get("role"), c.attempt(), c.image(), c.rootfsLayers(), c.args(),
        c.env(), c.workingDir(), c.user(), c.mounts(), c.resources(), c.logPath(), c.readOnlyRootfs(), c.stopSignal(),
        labels, c.annotations(), c.security(), c.stdio());
  }

  @Test
  void stopSendsSigtermThatTheContainerObservesWithinTheGracePeriod() throws Exception {
    String sandbox = runtime.runPodSandbox(pod("trap"));
    Path log = base.resolve("logs/trap/0.log");
    String id = runtime.createContainer(sandbox, container("trap", log, "sh", "-c",
        "trap 'echo got TERM; exit 0' TERM; echo ready; while true; do sleep 0.1; done"));
    runtime.startContainer(id);
    awaitLog(log, "ready");
    assertThat(runtime.containerStatus(id).state()).isInstanceOf(ContainerState.Running.class);

    long start = System.nanoTime();
    runtime.stopContainer(id, Duration.ofSeconds(20));
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took).isLessThan(Duration.ofSeconds(5));
    ContainerState.Exited exited = (ContainerState.Exited) runtime.containerStatus(id).state();
    assertThat(exited.exitCode()).isZero();
    assertThat(Files.readString(log)).contains(" stdout F got TERM");
  }

  @Test
  void containerIgnoringSigtermIsKilledAfterTheGracePeriodWithCode137() {
    String sandbox = runtime.runPodSandbox(pod("stubborn"));
    // PID 1 without a handler ignores SIGTERM.
    String id = runtime.createContainer(sandbox, container("stubborn", base.resolve("logs/stubborn/0.log"),
        "sleep", "1000"));
    runtime.startContainer(id);

    long start = System.nanoTime();
    runtime.stopContainer(id, Duration.ofSeconds(2));
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(8));
    ContainerState.Exited exited = (ContainerState.Exited) runtime.containerStatus(id).state();
    assertThat(exited.exitCode()).isEqualTo(137);
    assertThat(exited.reason()).isEqualTo("Error");
  }

  @Test
  void execReturnsOutputAndExitCode() {
    String sandbox = runtime.runPodSandbox(pod("exec"));
    String id = runtime.createContainer(sandbox, container("exec", base.resolve("logs/exec/0.log"),
        "sleep", "1000"));
    runtime.startContainer(id);

    ExecResult result = runtime.execSync(id, List.of("sh", "-c", "echo out; echo err >&2; exit 7"),
        Duration.ofSeconds(10));

    assertThat(result.exitCode()).isEqualTo(7);
    assertThat(result.stdoutText()).isEqualTo("out\n");
    assertThat(result.stderrText()).isEqualTo("err\n");
  }

  @Test
  void closingAnExecWhoseCommandRunsEndsItAndWhatItStartedButAFinishedOneKeepsItsBackground() throws Exception {
    String sandbox = runtime.runPodSandbox(pod("exec-close"));
    String id = runtime.createContainer(sandbox, container("exec-close", base.resolve("logs/exec-close/0.log"),
        "sleep", "1000"));
    runtime.startContainer(id);

    dev.j8s.runtime.ExecSession running = runtime.exec(id, List.of("sh", "-c",
        "sleep 601 & (setsid sleep 602 &) ; echo started; sleep 603"));
    assertThat(new String(running.stdout().readNBytes(8), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("started\n");
    assertThat(sleeps(id)).contains("sleep 601", "sleep 603");
    running.close();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (sleeps(id).contains("sleep 60") && System.nanoTime() < deadline) {
      sleep();
    }
    assertThat(sleeps(id)).as("left after the client went away").doesNotContain("sleep 601", "sleep 603");

    dev.j8s.runtime.ExecSession finished = runtime.exec(id, List.of("sh", "-c", "sleep 604 >/dev/null 2>&1 &"));
    assertThat(finished.awaitExit(Duration.ofSeconds(10))).hasValue(0);
    finished.close();
    assertThat(sleeps(id)).as("what a finished command left in the background").contains("sleep 604");
  }

  /** The sleep commands running in the container. */
  private static String sleeps(String id) {
    return runtime.execSync(id, List.of("ps", "-o", "args"), Duration.ofSeconds(10)).stdoutText().lines()
        .filter(l -> l.startsWith("sleep 60")).sorted().collect(java.util.stream.Collectors.joining("\n"));
  }

  @Test
  void twoPodsReachEachOtherByPodIp() throws Exception {
    String server = runtime.runPodSandbox(pod("server"));
    // The network attaches in the background: the sandbox is READY, the container waits for it to start.
    assertThat(runtime.podSandboxStatus(server).state()).isEqualTo(PodSandboxStatus.State.READY);
    String httpd = runtime.createContainer(server, container("httpd", base.resolve("logs/httpd/0.log"),
        "sh", "-c", "mkdir -p /tmp/www && echo pong > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"));
    runtime.startContainer(httpd);
    String serverIp = runtime.podSandboxStatus(server).ips().getFirst();
    assertThat(serverIp).startsWith(config.podCidr().substring(0, config.podCidr().lastIndexOf('.')));

    String client = runtime.runPodSandbox(pod("client"));
    Path log = base.resolve("logs/client/0.log");
    String wget = runtime.createContainer(client, container("wget", log, "sh", "-c",
        "ip -4 -o addr show eth0; for i in $(seq 100); do printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc " + serverIp
            + " 8080 | grep -q pong && echo pong && exit 0; sleep 0.1; done; exit 1"));
    runtime.startContainer(wget);
    String clientIp = runtime.podSandboxStatus(client).ips().getFirst();
    assertThat(clientIp).isNotEqualTo(serverIp);

    ContainerState.Exited exited = awaitExited(wget, Duration.ofSeconds(20));
    assertThat(Files.readString(log)).as("the container's first command already sees its address")
        .contains("inet " + clientIp + "/");
    assertThat(exited.exitCode()).as("client log:%n%s%nserver log:%n%s%nserver exec:%n%s", Files.readString(log),
        Files.readString(base.resolve("logs/httpd/0.log")),
        runtime.execSync(httpd, List.of("sh", "-c", "ip addr; ip route"),
            Duration.ofSeconds(10)).stdoutText()).isZero();
    assertThat(Files.readString(log)).contains(" stdout F pong");
  }

  @Test
  void aNewRuntimeInstanceReadoptsRunningContainers() throws Exception {
    String sandbox = runtime.runPodSandbox(pod("adopt"));
    Path log = base.resolve("logs/adopt/0.log");
    String id = runtime.createContainer(sandbox, container("adopt", log, "sh", "-c",
        "trap 'echo bye; exit 0' TERM; echo up; while true; do sleep 0.1; done"));
    runtime.startContainer(id);
    awaitLog(log, "up");

    ConmonRuntime restarted = new ConmonRuntime(config);

    assertThat(restarted.listPodSandboxes()).extracting(PodSandboxStatus::id).containsExactly(sandbox);
    assertThat(restarted.containerStatus(id).state()).isInstanceOf(ContainerState.Running.class);
    restarted.stopContainer(id, Duration.ofSeconds(10));
    assertThat(((ContainerState.Exited) restarted.containerStatus(id).state()).exitCode()).isZero();
    assertThat(Files.readString(log)).contains(" stdout F bye");
  }

  @Test
  void aGarbageContainerRecordIsSkippedAndTheHealthyOnesAreStillListed() throws Exception {
    String sandbox = runtime.runPodSandbox(pod("records"));
    String first = runtime.createContainer(sandbox, container("first", base.resolve("logs/records/first.log"),
        "sleep", "1000"));
    String garbled = runtime.createContainer(sandbox, container("garbled", base.resolve("logs/records/garbled.log"),
        "sleep", "1000"));
    String last = runtime.createContainer(sandbox, container("last", base.resolve("logs/records/last.log"),
        "sleep", "1000"));
    for (String id : List.of(first, garbled, last)) {
      runtime.startContainer(id);
    }
    Path record = config.dataDir().resolve("containers").resolve(garbled).resolve("container.json");
    Files.write(record, new byte[] {'{', '"', 'i', 'd', 0, (byte) 0xff, 0x13});
    try {
      assertThat(runtime.listContainers()).extracting(ContainerStatus::id).containsExactlyInAnyOrder(first, last);
      assertThat(runtime.listContainers()).allSatisfy(c -> assertThat(c.state()).isInstanceOf(ContainerState.Running.class));
      assertThat(new ConmonRuntime(config).listContainers(Map.of())).extracting(ContainerStatus::id)
          .containsExactlyInAnyOrder(first, last);
      assertThatThrownBy(() -> runtime.containerStatus(garbled)).hasMessageContaining("read " + record);
    } finally {
      runtime.removeContainer(garbled); // it runs on, out of every listing: nothing else would remove it
    }
  }

  @Test
  void aContainerStartedByAProcessThatDiedBeforeRecordingTheStartIsRunningNotCreated() throws Exception {
    String sandbox = runtime.runPodSandbox(pod("crash"));
    Path log = base.resolve("logs/crash/0.log");
    String started = runtime.createContainer(sandbox, container("started", log, "sh", "-c",
        "echo up; while true; do sleep 0.1; done"));
    String created = runtime.createContainer(sandbox, container("created", base.resolve("logs/crash/1.log"),
        "sleep", "1000"));
    runtime.startContainer(started);
    awaitLog(log, "up");
    Path record = config.dataDir().resolve("containers").resolve(started).resolve("container.json");
    Meta.Container recorded = Meta.read(record, Meta.Container.class).orElseThrow();
    // what a SIGKILL between runc start and the second record write leaves: the start announced, not recorded
    Meta.write(record, recorded.started(""));
    Path createdRecord = config.dataDir().resolve("containers").resolve(created).resolve("container.json");
    Meta.write(createdRecord, Meta.read(createdRecord, Meta.Container.class).orElseThrow()
        .starting(recorded.startingAt()));

    ConmonRuntime restarted = new ConmonRuntime(config);

    assertThat(restarted.containerStatus(started).state()).isEqualTo(
        new ContainerState.Running(java.time.Instant.parse(recorded.startingAt())));
    assertThat(Meta.read(record, Meta.Container.class).orElseThrow().startedAt()).isEqualTo(recorded.startingAt());
    assertThat(restarted.containerStatus(created).state())
        .as("announced, but runc never started it").isInstanceOf(ContainerState.Created.class);
  }

  @Test
  void aCreatedContainerIsStartedThroughItsExecFifoWhichIsThenGoneAndASecondStartFailsAsRuncStartDoes()
      throws Exception {
    String sandbox = runtime.runPodSandbox(pod("fifo"));
    Path log = base.resolve("logs/fifo/0.log");
    String id = runtime.createContainer(sandbox, container("fifo", log, "sh", "-c",
        "echo up; while true; do sleep 0.1; done"));
    Path fifo = config.runcRoot().resolve(id).resolve(Runc.EXEC_FIFO);
    assertThat(fifo).exists();
    Runc runc = new Runc(config.runtimePath(), config.runcRoot());

    assertThat(runc.startThroughExecFifo(id)).as("started without runc start").isTrue();

    assertThat(fifo).doesNotExist();
    awaitLog(log, "up");
    assertThat(runc.started(id)).as("runc state: running").isTrue();
    assertThat(runc.startThroughExecFifo(id)).isFalse();
    assertThatThrownBy(() -> runc.start(id)).isInstanceOf(ContainerRuntimeException.CommandFailed.class)
        .hasMessageContaining("cannot start an already running container");
  }

  @Test
  void aContainerWhoseInitEndedBeforeItsStartFailsToStartAndReportsItsExit() throws Exception {
    String sandbox = runtime.runPodSandbox(pod("gone"));
    String id = runtime.createContainer(sandbox, container("gone", base.resolve("logs/gone/0.log"), "sleep", "1000"));
    long init = Meta.MAPPER.readTree(config.runcRoot().resolve(id).resolve("state.json").toFile())
        .path("init_process_pid").asLong();
    ProcessHandle.of(init).orElseThrow().destroyForcibly();
    ContainerState.Exited exited = awaitExited(id, Duration.ofSeconds(10));

    assertThat(new Runc(config.runtimePath(), config.runcRoot()).startThroughExecFifo(id)).isFalse();
    assertThatThrownBy(() -> runtime.startContainer(id)).isInstanceOf(ContainerRuntimeException.CommandFailed.class)
        .hasMessageContaining("cannot start a container that has stopped");
    assertThat(exited.exitCode()).isEqualTo(137);
    assertThat(runtime.containerStatus(id).state()).isInstanceOfSatisfying(ContainerState.Exited.class,
        after -> assertThat(after.exitCode()).isEqualTo(137));
  }

  @Test
  void aContainerWhoseProcessFailsToExecStartsAndThenExitsWithAnError() throws Exception {
    // an executable file that is no program: runc finds it at create, the exec after the start fails (ENOEXEC)
    Path bad = base.resolve("layers/bad");
    Files.createDirectories(bad);
    Files.writeString(bad.resolve("not-a-program"), "neither ELF nor script\n");
    Files.setPosixFilePermissions(bad.resolve("not-a-program"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    String sandbox = runtime.runPodSandbox(pod("noexec"));
    String id = runtime.createContainer(sandbox, ContainerConfig.of("noexec", "busybox", List.of(bad, layer),
        List.of("/not-a-program"), base.resolve("logs/noexec/0.log")));

    runtime.startContainer(id);

    assertThat(config.runcRoot().resolve(id).resolve(Runc.EXEC_FIFO)).doesNotExist();
    ContainerState.Exited exited = awaitExited(id, Duration.ofSeconds(10));
    assertThat(exited.exitCode()).isNotZero();
    assertThat(exited.reason()).isEqualTo("Error");
  }

  @Test
  void conmonRunsInASessionOfItsOwnWithItsSyncFifoReadWriteAndNoFileOfThisProcessNorAZombieLeft() throws Exception {
    Path marker = base.resolve("marker-open-in-the-jvm");
    Files.writeString(marker, "x");
    try (var open = new java.io.FileInputStream(marker.toFile())) {
      String sandbox = runtime.runPodSandbox(pod("spawn"));
      String id = runtime.createContainer(sandbox, container("spawn", base.resolve("logs/spawn/0.log"),
          "sleep", "1000"));
      long conmon = Long.parseLong(Files.readString(config.runDir().resolve("conmon").resolve(id + ".pid")).strip());
      Path proc = Path.of("/proc", Long.toString(conmon));

      String stat = Files.readString(proc.resolve("stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      assertThat(fields[3]).as("session").isEqualTo(Long.toString(conmon));
      // fd 3: the sync FIFO, open for reading too, so conmon's one write never meets a pipe without a reader
      assertThat(Files.readSymbolicLink(proc.resolve("fd/3")).toString()).contains("sync.fifo");
      String flags = Files.readAllLines(proc.resolve("fdinfo/3")).stream().filter(l -> l.startsWith("flags:"))
          .findFirst().orElseThrow().substring(6).strip();
      assertThat(Integer.parseInt(flags, 8) & 3).as("O_RDWR").isEqualTo(2);
      try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
        assertThat(fds.map(fd -> {
          try {
            return Files.readSymbolicLink(fd).toString();
          } catch (IOException e) {
            return "";
          }
        }).toList()).doesNotContain(marker.toString());
      }
      long self = ProcessHandle.current().pid();
      try (Stream<Path> all = Files.list(Path.of("/proc"))) {
        assertThat(all.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).map(p -> {
          try {
            String s = Files.readString(p.resolve("stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return f[1].equals(Long.toString(self)) ? s.substring(s.indexOf('(') + 1, s.lastIndexOf(')')) + " " + f[0]
                : "";
          } catch (IOException e) {
            return "";
          }
        }).toList()).as("this process's children").doesNotContain("conmon Z");
      }
      assertThat(open.read()).isEqualTo('x');
    }
  }

  @Test
  void memoryLimitBreachIsReportedAsOomKilled() {
    String sandbox = runtime.runPodSandbox(pod("oom"));
    String id = runtime.createContainer(sandbox, container("oom", base.resolve("logs/oom/0.log"),
        "sh", "-c", "x=a; while true; do x=$x$x; done")
        .withResources(ContainerConfig.Resources.memory(16 << 20)));
    runtime.startContainer(id);

    ContainerState.Exited exited = awaitExited(id, Duration.ofSeconds(20));

    assertThat(exited.exitCode()).isEqualTo(137);
    assertThat(exited.reason()).isEqualTo("OOMKilled");
  }

  private static PodSandboxConfig pod(String name) {
    return PodSandboxConfig.of(name, "default", UUID.randomUUID().toString(), name + "-host");
  }

  private static ContainerConfig container(String name, Path log, String... args) {
    return ContainerConfig.of(name, "busybox", List.of(layer), List.of(args), log);
  }

  private static ContainerState.Exited awaitExited(String id, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (runtime.containerStatus(id).state() instanceof ContainerState.Exited exited) {
        return exited;
      }
      sleep();
    }
    throw new AssertionError("container " + id + " did not exit within " + timeout + ": "
        + runtime.containerStatus(id).state());
  }

  private static void awaitLog(Path log, String text) throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log).contains(text)) {
        return;
      }
      sleep();
    }
    throw new AssertionError("log " + log + " never showed " + text);
  }

  private static void sleep() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }


}
