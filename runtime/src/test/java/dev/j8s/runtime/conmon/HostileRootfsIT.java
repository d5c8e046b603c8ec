package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.CriLogLine;
import dev.j8s.runtime.PodSandboxConfig;
import dev.j8s.runtime.RuntimeConfig;
import dev.j8s.runtime.oci.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real runc + conmon with an image layer whose {@code /etc/passwd}, {@code /etc/group}, {@code /etc/hosts},
 * {@code /etc/resolv.conf}, working dir and volume destination are absolute symlinks to host sentinels under
 * {@code /tmp}: the runtime and runc must resolve them inside the rootfs and leave the sentinels untouched.
 */
class HostileRootfsIT {
  static final String HOST_PASSWD = "app:x:0:0:host root:/root:/bin/sh\n";
  static final String HOST_GROUP = "app:x:0:\n";
  static final String HOST_HOSTS = "127.0.0.1 sentinel\n";

  static RuntimeInstance instance;
  static Path base;
  static Path sentinel;
  static Path busybox;
  static Path hostile;
  static ConmonRuntime runtime;
  static RuntimeConfig config;

  @BeforeAll
  static void setUp() throws IOException {
    instance = RuntimeInstance.start("j8s-rt-hostile-", RuntimeInstance.podCidr(83));
    base = instance.base();
    sentinel = Files.createTempDirectory(Path.of("/tmp"), "j8s-sentinel-");
    Files.writeString(sentinel.resolve("passwd"), HOST_PASSWD);
    Files.writeString(sentinel.resolve("group"), HOST_GROUP);
    Files.writeString(sentinel.resolve("hosts"), HOST_HOSTS);
    Files.writeString(sentinel.resolve("resolv.conf"), HOST_HOSTS);
    Files.createDirectories(sentinel.resolve("workdir"));
    Files.createDirectories(sentinel.resolve("voldir"));

    busybox = instance.busybox();
    hostile = Files.createDirectories(base.resolve("hostile"));
    Path etc = Files.createDirectories(hostile.resolve("etc"));
    for (String name : List.of("passwd", "group", "hosts", "resolv.conf")) {
      Files.createSymbolicLink(etc.resolve(name), sentinel.resolve(name));
    }
    Files.createSymbolicLink(hostile.resolve("work"), sentinel.resolve("workdir"));
    Files.createSymbolicLink(hostile.resolve("vol"), sentinel.resolve("voldir"));
    // what the links name when read as if the rootfs were /
    Path inRoot = Files.createDirectories(hostile.resolve(sentinel.toString().substring(1)));
    Files.writeString(inRoot.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n"
        + "app:x:1234:1234:in-root app:/home/app:/bin/sh\n");
    Files.writeString(inRoot.resolve("group"), "root:x:0:\napp:x:1234:\nextra:x:555:app\n");

    config = instance.config();
    runtime = instance.runtime();
  }

  @AfterEach
  void removeSandboxesAndCheckNothingIsLeft() throws IOException {
    instance.removeSandboxes();
    instance.assertNothingLeft();
    assertSentinelsUntouched();
  }

  @AfterAll
  static void destroyInstance() throws IOException {
    instance.destroy();
    assertThat(Mounts.mountPoints()).noneMatch(m -> m.startsWith(sentinel.toString()));
    ConmonRuntime.deleteTree(sentinel);
  }

  @Test
  void theUserComesFromTheInRootPasswdAndTheWorkingDirIsCreatedInsideTheRootfs() throws IOException {
    String sandbox = runtime.runPodSandbox(pod("app"));
    Path log = base.resolve("logs/app/0.log");
    ContainerConfig container = hostileContainer("app", log,
        "id; pwd; echo HOME=$HOME; grep app /etc/passwd",
        ContainerConfig.User.lookup("app", Optional.empty(), List.of(3000L)), List.of());

    String id = runtime.createContainer(sandbox, container);
    assertSentinelsUntouched();
    runtime.startContainer(id);
    ContainerState.Exited exited = awaitExited(id);

    List<String> out = logLines(log);
    assertThat(exited.exitCode()).as("output %s", out).isZero();
    assertThat(out).containsExactly(
        "uid=1234(app) gid=1234(app) groups=555(extra),1234(app),3000",
        // inside the container: the symlink /work -> <sentinel>/workdir is followed within the rootfs
        sentinel.resolve("workdir/data").toString(),
        "HOME=/home/app",
        "app:x:1234:1234:in-root app:/home/app:/bin/sh");
    assertSentinelsUntouched();
  }

  @Test
  void rootWritingThroughSymlinkedHostsResolvConfWorkingDirAndVolumeNeverReachesTheHost() throws IOException {
    String sandbox = runtime.runPodSandbox(pod("writer"));
    Path log = base.resolve("logs/writer/0.log");
    Path volume = Files.createDirectories(base.resolve("volume"));
    ContainerConfig container = hostileContainer("writer", log,
        "echo pwned >> /etc/hosts && echo pwned >> /etc/resolv.conf && echo pwned > /work/data/file"
            + " && echo pwned > /vol/file && grep -c pwned /etc/hosts",
        ContainerConfig.User.lookup("0", Optional.empty(), List.of()),
        List.of(new ContainerConfig.Mount("/vol", volume, false)));

    String id = runtime.createContainer(sandbox, container);
    runtime.startContainer(id);
    ContainerState.Exited exited = awaitExited(id);

    List<String> out = logLines(log);
    assertThat(exited.exitCode()).as("output %s", out).isZero();
    assertThat(out).containsExactly("1");
    assertThat(Files.readString(volume.resolve("file"))).isEqualTo("pwned\n");
    assertSentinelsUntouched();
  }

  private static ContainerConfig hostileContainer(String name, Path log, String script, ContainerConfig.User user,
      List<ContainerConfig.Mount> mounts) {
    return new ContainerConfig(name, 0, "hostile", List.of(busybox, hostile), List.of("sh", "-c", script),
        List.of("PATH=/bin"), "/work/data", user, mounts, ContainerConfig.Resources.NONE, log, false, "SIGTERM",
        Map.of(), Map.of());
  }

  private static List<String> logLines(Path log) throws IOException {
    return Files.readAllLines(log).stream().map(CriLogLine::parse).map(CriLogLine::content).toList();
  }

  @Test
  void anImageUserMissingFromTheInRootPasswdFailsCreationWithRuncsWording() {
    String sandbox = runtime.runPodSandbox(pod("ghost"));
    ContainerConfig container = ContainerConfig.of("ghost", "hostile", List.of(busybox, hostile),
        List.of("true"), base.resolve("logs/ghost/0.log"))
        .withUser(ContainerConfig.User.lookup("ghost", Optional.empty(), List.of()));

    assertThatThrownBy(() -> runtime.createContainer(sandbox, container))
        .isInstanceOf(ContainerRuntimeException.class)
        .hasMessage("unable to find user ghost: no matching entries in passwd file");
    assertThat(runtime.listContainers()).isEmpty();
  }

  private static void assertSentinelsUntouched() throws IOException {
    assertThat(Files.readString(sentinel.resolve("passwd"))).isEqualTo(HOST_PASSWD);
    assertThat(Files.readString(sentinel.resolve("group"))).isEqualTo(HOST_GROUP);
    assertThat(Files.readString(sentinel.resolve("hosts"))).isEqualTo(HOST_HOSTS);
    assertThat(Files.readString(sentinel.resolve("resolv.conf"))).isEqualTo(HOST_HOSTS);
    try (var workdir = Files.list(sentinel.resolve("workdir")); var voldir = Files.list(sentinel.resolve("voldir"))) {
      assertThat(workdir).isEmpty();
      assertThat(voldir).isEmpty();
    }
    assertThat(Mounts.mountPoints()).noneMatch(m -> m.startsWith(sentinel.toString()));
  }

  private static PodSandboxConfig pod(String name) {
    return PodSandboxConfig.of(name, "default", UUID.randomUUID().toString(), name + "-host");
  }

  private static ContainerState.Exited awaitExited(String id) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      if (runtime.containerStatus(id).state() instanceof ContainerState.Exited exited) {
        return exited;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("container " + id + " did not exit: " + runtime.containerStatus(id).state());
  }
}
