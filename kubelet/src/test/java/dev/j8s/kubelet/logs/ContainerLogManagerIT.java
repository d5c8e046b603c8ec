package dev.j8s.kubelet.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.CriLogLine;
import dev.j8s.runtime.PodSandboxConfig;
import dev.j8s.runtime.PodSandboxStatus;
import dev.j8s.runtime.RuntimeConfig;
import dev.j8s.runtime.conmon.ConmonRuntime;
import dev.j8s.runtime.oci.Mounts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real conmon + runc: a container printing fast has its log rotated by size while {@code pods/log} follows it.
 */
class ContainerLogManagerIT {
  static final long MAX_SIZE = 16 * 1024;
  static final int MAX_FILES = 3;
  Path base;
  ConmonRuntime runtime;

  @BeforeEach
  void setUp() throws IOException {
    base = Files.createTempDirectory("j8s-logrot-it-");
    int octet = 100 + (int) ((ProcessHandle.current().pid() + 71) % 100);
    runtime = new ConmonRuntime(RuntimeConfig.of(base.resolve("data"), base.resolve("run"),
        "10.253." + octet + ".0/24"));
  }

  @AfterEach
  void tearDown() throws IOException {
    for (PodSandboxStatus sandbox : runtime.listPodSandboxes()) {
      runtime.stopPodSandbox(sandbox.id());
      runtime.removePodSandbox(sandbox.id());
    }
    runtime.destroy();
    assertThat(Mounts.mountPoints()).noneMatch(m -> m.startsWith(base.toString()));
    try (Stream<Path> walk = Files.walk(base)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Test
  void aFastWriterEndsWithAtMostMaxFilesWhileTheLiveOneIsStillWrittenAndFollowedWithoutGaps() throws Exception {
    PodLogs logs = new PodLogs(base.resolve("data"));
    Path log = logs.logFile("default", "chatty", "uid-1", "main", 0);
    Files.createDirectories(log.getParent());
    String sandbox = runtime.runPodSandbox(PodSandboxConfig.of("chatty", "default", "uid-1", "chatty"));
    String id = runtime.createContainer(sandbox, ContainerConfig.of("main", "busybox", List.of(busybox()),
        List.of("sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; "
            + "if [ $((i % 100)) = 0 ]; then sleep 0.1; fi; done"), log));
    runtime.startContainer(id);

    List<Integer> followed = new ArrayList<>();
    LogOptions follow = new LogOptions("main", true, false, OptionalLong.empty(), false, Optional.empty(),
        OptionalLong.empty());
    try (var rotation = new ContainerLogManager(runtime, new LogRotator(MAX_SIZE, MAX_FILES, Clock.systemUTC()),
        Duration.ofMillis(200));
        InputStream in = logs.open(new LogTarget("default", "chatty", "uid-1", "main", 0, () -> true,
            Optional.empty()), follow)) {
      rotation.start();
      var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      // ~1000 lines/s of ~40 bytes in the CRI format: a rotation about every half second.
      while (followed.size() < 4000) {
        followed.add(Integer.parseInt(reader.readLine().substring("line ".length())));
      }
    }

    assertThat(followed.getFirst()).isEqualTo(1);
    for (int i = 1; i < followed.size(); i++) {
      assertThat(followed.get(i)).as("line after %s", followed.get(i - 1)).isEqualTo(followed.get(i - 1) + 1);
    }
    List<Path> files = PodLogs.files(log.getParent(), 0);
    assertThat(files).hasSizeLessThanOrEqualTo(MAX_FILES).hasSizeGreaterThan(1).endsWith(log);
    try (var all = Files.list(log.getParent())) {
      List<String> names = all.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".tmp")).toList();
      assertThat(names).as("rotated files, the live one included").hasSizeLessThanOrEqualTo(MAX_FILES);
      assertThat(names).as("older rotations are gzipped").anyMatch(n -> n.endsWith(".gz"));
    }
    List<Integer> kept = new ArrayList<>();
    for (Path file : files) {
      Files.readAllLines(file).stream().map(CriLogLine::parse)
          .forEach(l -> kept.add(Integer.parseInt(l.content().substring("line ".length()))));
    }
    assertThat(kept.getFirst()).as("the oldest rotated files were removed").isGreaterThan(1);
    for (int i = 1; i < kept.size(); i++) {
      assertThat(kept.get(i)).as("kept line after %s", kept.get(i - 1)).isEqualTo(kept.get(i - 1) + 1);
    }
    long size = Files.size(log);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (Files.size(log) == size && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(Files.size(log)).as("the live file is still written").isGreaterThan(size);
  }

  private Path busybox() throws IOException {
    Path layer = base.resolve("layer");
    Path bin = Files.createDirectories(layer.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
    for (String applet : List.of("sh", "echo", "sleep")) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    for (String dir : List.of("etc", "tmp", "proc", "sys", "dev")) {
      Files.createDirectories(layer.resolve(dir));
    }
    return layer;
  }
}
