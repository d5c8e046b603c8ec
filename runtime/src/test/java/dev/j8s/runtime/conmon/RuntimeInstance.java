package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.PodSandboxStatus;
import dev.j8s.runtime.ProcessRunner;
import dev.j8s.runtime.RuntimeConfig;
import dev.j8s.runtime.oci.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * One real {@link ConmonRuntime} for an integration test class, in its own temp dir with its own pod CIDR, and
 * the checks that it leaves nothing behind (no container, runc state, mount, process or pod cgroup; after
 * {@link #destroy}, no bridge or mount at all). Not thread-safe: one test class at a time.
 *
 * @param base the temp dir holding the data dir, the run dir and the test's rootfs layers
 */
record RuntimeInstance(Path base, RuntimeConfig config, ConmonRuntime runtime) {

  /** A runtime in a new temp dir named {@code prefix…} whose pods get addresses from {@code podCidr}. */
  static RuntimeInstance start(String prefix, String podCidr) throws IOException {
    Path base = Files.createTempDirectory(prefix);
    RuntimeConfig config = RuntimeConfig.of(base.resolve("data"), base.resolve("run"), podCidr);
    return new RuntimeInstance(base, config, new ConmonRuntime(config));
  }

  /**
   * A /24 in 10.251.0.0/16 that differs per test class ({@code salt}) and per JVM, so classes and parallel
   * builds do not share a pod network.
   */
  static String podCidr(int salt) {
    return "10.251." + (100 + (int) ((ProcessHandle.current().pid() + salt) % 100)) + ".0/24";
  }

  /** A busybox-static rootfs under {@link #base}, built once per call. */
  Path busybox() throws IOException {
    return BusyboxRootfs.create(base.resolve("layer"));
  }

  /** Stops and removes every sandbox; then no container is left. */
  void removeSandboxes() {
    for (PodSandboxStatus sandbox : runtime.listPodSandboxes()) {
      runtime.stopPodSandbox(sandbox.id());
      runtime.removePodSandbox(sandbox.id());
    }
    assertThat(runtime.listContainers()).isEmpty();
  }

  /** After {@link #removeSandboxes}: no runc container, no mount but the namespace dir, no process, no pod cgroup. */
  void assertNothingLeft() {
    String runcList = ProcessRunner.run(List.of(config.runtimePath().toString(), "--root",
        config.runcRoot().toString(), "list", "-q"), Duration.ofSeconds(10)).orThrow("runc list").stdoutText();
    assertThat(runcList).isBlank();
    assertThat(Mounts.mountPoints()).filteredOn(m -> m.startsWith(base.toString()))
        .containsOnly(config.runDir().resolve("ns").toString());
    assertThat(livingProcessesMentioning(base.toString())).isEmpty();
    for (Path hierarchy : ConmonRuntime.cgroupHierarchies()) {
      Path parent = hierarchy.resolve(config.cgroupParent().substring(1));
      if (Files.isDirectory(parent)) {
        assertThat(subdirectories(parent)).as("pod cgroups in %s", parent).isEmpty();
      }
    }
  }

  /** Destroys the instance and checks that its bridge, mounts and cgroup parent are gone, then deletes {@link #base}. */
  void destroy() {
    runtime.destroy();
    assertThat(Files.exists(Path.of("/sys/class/net", config.bridgeName()))).isFalse();
    assertThat(Mounts.mountPoints()).noneMatch(m -> m.startsWith(base.toString()));
    for (Path hierarchy : ConmonRuntime.cgroupHierarchies()) {
      assertThat(hierarchy.resolve(config.cgroupParent().substring(1))).doesNotExist();
    }
    ConmonRuntime.deleteTree(base);
  }

  static List<String> subdirectories(Path dir) {
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(Files::isDirectory).map(Path::toString).toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Non-zombie processes whose command line mentions {@code text}. */
  static List<String> livingProcessesMentioning(String text) {
    Predicate<ProcessHandle> mentions = p -> p.info().commandLine().map(c -> c.contains(text)).orElse(false);
    return ProcessHandle.allProcesses()
        .filter(mentions)
        .filter(p -> ConmonRuntime.processAlive(p.pid(), p.info().command().map(c -> Path.of(c).getFileName()
            .toString()).orElse("?")))
        .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
        .toList();
  }
}
