package dev.j8s.kubelet.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodLogsTest {

  @TempDir
  Path root;

  private PodLogs logs;
  private Path dir;

  @BeforeEach
  void setUp() throws IOException {
    logs = new PodLogs(root);
    dir = logs.containerDir("default", "busy", "uid-1", "main");
    Files.createDirectories(dir);
    assertThat(dir).isEqualTo(root.resolve("logs/pods/default_busy_uid-1/main"));
  }

  private static String cri(String time, String stream, String tag, String content) {
    return time + " " + stream + " " + tag + " " + content + "\n";
  }

  private void write(String file, String... lines) throws IOException {
    Files.writeString(dir.resolve(file), String.join("", lines), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private void standardLog() throws IOException {
    write("0.log",
        cri("2025-01-01T00:00:01.000000001Z", "stdout", "F", "one"),
        cri("2025-01-01T00:00:02.5Z", "stderr", "F", "two"),
        cri("2025-01-01T00:00:03Z", "stdout", "P", "thr"),
        cri("2025-01-01T00:00:03.1Z", "stdout", "F", "ee"),
        "garbage that is not CRI\n",
        cri("2025-01-01T00:00:04+01:00", "stdout", "F", "four"),
        cri("2025-01-01T00:00:05Z", "stdout", "F", ""));
  }

  private LogTarget target(int restart, boolean running) {
    return new LogTarget("default", "busy", "uid-1", "main", restart, () -> running, Optional.empty());
  }

  private static LogOptions options(boolean follow, boolean previous, Long tail, boolean timestamps,
      Instant since, Long limit) {
    return new LogOptions("main", follow, previous,
        tail == null ? OptionalLong.empty() : OptionalLong.of(tail), timestamps, Optional.ofNullable(since),
        limit == null ? OptionalLong.empty() : OptionalLong.of(limit));
  }

  private String read(LogTarget target, LogOptions options) throws IOException {
    try (InputStream in = logs.open(target, options)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void gzippedRotationsAreNotServedThePlainOnesAndTheLiveFileAreInOrder() throws IOException {
    Path dir = Files.createDirectories(root.resolve("rotations"));
    Files.write(dir.resolve("0.log.20250101-000000.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0});
    Files.writeString(dir.resolve("0.log.20250101-000001"), "older\n");
    Files.writeString(dir.resolve("0.log.20250101-000001.gz.tmp"), "half\n");
    Files.writeString(dir.resolve("0.log"), "live\n");

    assertThat(PodLogs.files(dir, 0)).containsExactly(dir.resolve("0.log.20250101-000001"), dir.resolve("0.log"));
  }

  @Test
  void linesComeWithoutTheCriPrefixAndPartialLinesAreJoined() throws IOException {
    standardLog();
    assertThat(read(target(0, false), LogOptions.of("main"))).isEqualTo("one\ntwo\nthree\nfour\n\n");
  }

  @Test
  void timestampsArePrefixedWithNineFractionDigitsInUtc() throws IOException {
    standardLog();
    assertThat(read(target(0, false), options(false, false, null, true, null, null))).isEqualTo("""
        2025-01-01T00:00:01.000000001Z one
        2025-01-01T00:00:02.500000000Z two
        2025-01-01T00:00:03.000000000Z three
        2024-12-31T23:00:04.000000000Z four
        2025-01-01T00:00:05.000000000Z\s
        """);
  }

  @Test
  void tailLinesKeepsTheLastEntries() throws IOException {
    standardLog();
    assertThat(read(target(0, false), options(false, false, 3L, false, null, null))).isEqualTo("three\nfour\n\n");
    assertThat(read(target(0, false), options(false, false, 0L, false, null, null))).isEmpty();
    assertThat(read(target(0, false), options(false, false, 100L, false, null, null)))
        .isEqualTo("one\ntwo\nthree\nfour\n\n");
  }

  @Test
  void sinceSkipsOlderEntriesAndLimitBytesCutsTheOutput() throws IOException {
    standardLog();
    assertThat(read(target(0, false), options(false, false, null, false,
        Instant.parse("2025-01-01T00:00:02.5Z"), null))).isEqualTo("two\nthree\n\n");
    assertThat(read(target(0, false), options(false, false, null, false, null, 6L))).isEqualTo("one\ntw");
  }

  @Test
  void previousReadsTheInstanceBeforeTheCurrentOne() throws IOException {
    write("0.log", cri("2025-01-01T00:00:01Z", "stdout", "F", "first run"));
    write("1.log", cri("2025-01-01T00:01:01Z", "stdout", "F", "second run"));
    assertThat(read(target(1, true), options(false, true, null, false, null, null))).isEqualTo("first run\n");
    assertThat(read(target(1, false), LogOptions.of("main"))).isEqualTo("second run\n");
  }

  @Test
  void previousWithoutAnEarlierInstanceIsTheUpstreamError() throws IOException {
    standardLog();
    assertThatThrownBy(() -> logs.open(target(0, true), options(false, true, null, false, null, null)))
        .isInstanceOf(LogsException.class)
        .hasMessage("previous terminated container \"main\" in pod \"busy\" not found");
  }

  @Test
  void aContainerThatHasNotStartedSaysWhyItWaits() {
    LogTarget waiting = new LogTarget("default", "busy", "uid-1", "main", 0, () -> false,
        Optional.of("ContainerCreating"));
    assertThatThrownBy(() -> logs.open(waiting, LogOptions.of("main")))
        .isInstanceOf(LogsException.class)
        .hasMessage("container \"main\" in pod \"busy\" is waiting to start: ContainerCreating");
  }

  @Test
  void rotatedFilesAreReadBeforeTheCurrentOne() throws IOException {
    write("0.log.20250101-000001", cri("2025-01-01T00:00:01Z", "stdout", "F", "a"));
    write("0.log.20250101-000002", cri("2025-01-01T00:00:02Z", "stdout", "F", "b"));
    write("0.log", cri("2025-01-01T00:00:03Z", "stdout", "F", "c"));
    assertThat(read(target(0, false), LogOptions.of("main"))).isEqualTo("a\nb\nc\n");
    assertThat(read(target(0, false), options(false, false, 2L, false, null, null))).isEqualTo("b\nc\n");
  }

  @Test
  void followStreamsNewLinesAcrossARotationAndEndsWhenTheContainerExits() throws Exception {
    write("0.log", cri("2025-01-01T00:00:01Z", "stdout", "F", "before"));
    AtomicBoolean running = new AtomicBoolean(true);
    LogTarget target = new LogTarget("default", "busy", "uid-1", "main", 0, running::get, Optional.empty());
    InputStream in = logs.open(target, options(true, false, null, false, null, null));
    StringBuilder seen = new StringBuilder();
    CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
      try (in) {
        byte[] buf = new byte[256];
        int n;
        while ((n = in.read(buf)) > 0) {
          synchronized (seen) {
            seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
          }
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, r -> Thread.ofVirtual().start(r));
    awaitSeen(seen, "before\n");
    write("0.log", cri("2025-01-01T00:00:02Z", "stdout", "P", "mid"), cri("2025-01-01T00:00:02Z", "stdout", "F", "dle"));
    awaitSeen(seen, "before\nmiddle\n");
    LogRotator rotator = new LogRotator(1, 5, Clock.fixed(Instant.parse("2025-01-01T00:00:03Z"), ZoneOffset.UTC));
    assertThat(rotator.rotateIfNeeded(dir.resolve("0.log"), () -> { })).isTrue();
    write("0.log", cri("2025-01-01T00:00:04Z", "stdout", "F", "after rotation"));
    awaitSeen(seen, "before\nmiddle\nafter rotation\n");
    assertThat(reader).isNotDone();
    running.set(false);
    reader.get(10, TimeUnit.SECONDS);
    assertThat(seen.toString()).isEqualTo("before\nmiddle\nafter rotation\n");
  }

  @Test
  void followWithTailShowsTheLastLinesThenEndsForAStoppedContainer() throws Exception {
    standardLog();
    CompletableFuture<String> body = CompletableFuture.supplyAsync(() -> {
      try {
        return read(target(0, false), options(true, false, 2L, false, null, null));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertThat(body.get(10, TimeUnit.SECONDS)).isEqualTo("four\n\n");
  }

  private static void awaitSeen(StringBuilder seen, String expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      synchronized (seen) {
        if (seen.toString().equals(expected)) {
          return;
        }
      }
      Thread.sleep(10);
    }
    synchronized (seen) {
      assertThat(seen.toString()).isEqualTo(expected);
    }
  }
}
