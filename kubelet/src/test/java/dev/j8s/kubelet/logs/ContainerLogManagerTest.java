package dev.j8s.kubelet.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.ContainerRuntime;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.ContainerStats;
import dev.j8s.runtime.ContainerStatus;
import dev.j8s.runtime.ExecResult;
import dev.j8s.runtime.ExecSession;
import dev.j8s.runtime.PodSandboxConfig;
import dev.j8s.runtime.PodSandboxStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerLogManagerTest {

  static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  @TempDir
  Path dir;

  @Test
  void onlyRunningContainersAreRotatedAndAFailedReopenLeavesItsLogInPlaceForTheNextRound() throws IOException {
    FakeRuntime runtime = new FakeRuntime();
    Path running = log("running/0.log", 200);
    Path exited = log("exited/0.log", 200);
    Path broken = log("broken/0.log", 200);
    Path small = log("small/0.log", 10);
    runtime.containers.add(status("c-running", new ContainerState.Running(T0), running));
    runtime.containers.add(status("c-exited", new ContainerState.Exited(T0, T0.plusSeconds(1), 0, false), exited));
    runtime.containers.add(status("c-broken", new ContainerState.Running(T0), broken));
    runtime.containers.add(status("c-small", new ContainerState.Running(T0), small));
    var manager = new ContainerLogManager(runtime,
        new LogRotator(100, 3, Clock.fixed(T0, ZoneOffset.UTC)), ContainerLogManager.MONITOR_PERIOD);

    manager.rotateLogs();

    assertThat(runtime.reopened).containsExactlyInAnyOrder("c-running", "c-broken");
    assertThat(names(running.getParent())).containsExactly("0.log", "0.log.20250101-000000");
    assertThat(names(exited.getParent())).containsExactly("0.log");
    assertThat(names(broken.getParent())).as("renamed back").containsExactly("0.log");
    assertThat(Files.size(broken)).isEqualTo(200);
    assertThat(names(small.getParent())).containsExactly("0.log");
  }

  private Path log(String name, int size) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, "x".repeat(size));
    return file;
  }

  private static ContainerStatus status(String id, ContainerState state, Path log) {
    return new ContainerStatus(id, "sandbox", id, 0, "busybox", state, T0, log, Map.of(), Map.of());
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Lists the given containers; reopening makes a new empty log, except for {@code c-broken}. */
  static final class FakeRuntime implements ContainerRuntime {
    final List<ContainerStatus> containers = new ArrayList<>();
    final List<String> reopened = new ArrayList<>();

    @Override
    public void reopenContainerLog(String containerId) {
      reopened.add(containerId);
      if (containerId.equals("c-broken")) {
        throw new ContainerRuntimeException("container " + containerId + " is not running");
      }
      Path log = containers.stream().filter(c -> c.id().equals(containerId)).findFirst().orElseThrow().logPath();
      try {
        Files.createFile(log);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public List<ContainerStatus> listContainers() {
      return List.copyOf(containers);
    }

    @Override
    public String runPodSandbox(PodSandboxConfig config) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void stopPodSandbox(String sandboxId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void removePodSandbox(String sandboxId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public PodSandboxStatus podSandboxStatus(String sandboxId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<PodSandboxStatus> listPodSandboxes() {
      throw new UnsupportedOperationException();
    }

    @Override
    public String createContainer(String sandboxId, ContainerConfig config) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void startContainer(String containerId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void stopContainer(String containerId, Duration timeout) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void removeContainer(String containerId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ContainerStatus containerStatus(String containerId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ExecResult execSync(String containerId, List<String> command, Duration timeout) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ExecSession exec(String containerId, List<String> command) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ExecSession execTty(String containerId, List<String> command, int width, int height) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ExecSession attach(String containerId, boolean stdin) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ContainerStats containerStats(String containerId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public java.nio.channels.SocketChannel openSocket(String sandboxId, java.net.ProtocolFamily family) {
      throw new UnsupportedOperationException();
    }
  }
}
