package dev.j8s.kubelet.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogRotatorTest {

  @TempDir
  Path dir;

  private static Stream<String> names(Path dir) throws IOException {
    return Files.list(dir).map(p -> p.getFileName().toString()).sorted();
  }

  @Test
  void aFileBelowTheLimitIsLeftAlone() throws IOException {
    Path log = dir.resolve("0.log");
    Files.writeString(log, "x".repeat(100));
    AtomicInteger reopened = new AtomicInteger();
    assertThat(new LogRotator(100, 5, Clock.systemUTC()).rotateIfNeeded(log, reopened::incrementAndGet)).isFalse();
    assertThat(reopened).hasValue(0);
    assertThat(LogRotator.defaults(Clock.systemUTC()).rotateIfNeeded(dir.resolve("missing.log"), () -> { }))
        .isFalse();
  }

  @Test
  void aLargeFileIsRenamedWithATimestampTheWriterReopensAndOnlyFiveFilesRemain() throws IOException {
    Path log = dir.resolve("0.log");
    Instant start = Instant.parse("2025-01-01T00:00:00Z");
    AtomicInteger reopened = new AtomicInteger();
    for (int i = 0; i < 7; i++) {
      Files.writeString(log, "x".repeat(101));
      LogRotator rotator = new LogRotator(100, 5, Clock.fixed(start.plus(Duration.ofSeconds(i)), ZoneOffset.UTC));
      assertThat(rotator.rotateIfNeeded(log, reopened::incrementAndGet)).isTrue();
    }
    Files.writeString(log, "current");
    assertThat(reopened).hasValue(7);
    assertThat(names(dir)).containsExactly("0.log", "0.log.20250101-000003.gz", "0.log.20250101-000004.gz",
        "0.log.20250101-000005.gz", "0.log.20250101-000006");
  }

  @Test
  void olderRotatedFilesAreGzippedWithTheirContentAndTheNewestStaysPlain() throws IOException {
    Path log = dir.resolve("0.log");
    Instant start = Instant.parse("2025-01-01T00:00:00Z");
    for (int i = 0; i < 3; i++) {
      Files.writeString(log, "line " + i + "\n" + "y".repeat(200));
      new LogRotator(100, 5, Clock.fixed(start.plus(Duration.ofSeconds(i)), ZoneOffset.UTC))
          .rotateIfNeeded(log, () -> { });
    }
    assertThat(names(dir)).containsExactly("0.log.20250101-000000.gz", "0.log.20250101-000001.gz",
        "0.log.20250101-000002");
    try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(dir.resolve("0.log.20250101-000001.gz")))) {
      assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo("line 1\n" + "y".repeat(200));
    }
    assertThat(Files.readString(dir.resolve("0.log.20250101-000002"))).startsWith("line 2\n");
  }

  @Test
  void twoRotationsWithinOneSecondKeepBothFiles() throws IOException {
    Path log = dir.resolve("0.log");
    LogRotator rotator = new LogRotator(1, 5, Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC));
    Files.writeString(log, "aa");
    rotator.rotateIfNeeded(log, () -> { });
    Files.writeString(log, "bb");
    rotator.rotateIfNeeded(log, () -> { });
    assertThat(names(dir)).containsExactly("0.log.20250101-000000.1", "0.log.20250101-000000.gz");
  }

  @Test
  void aRotationInTheSameSecondAsAGzippedOneNeverReusesItsName() throws IOException {
    Path log = dir.resolve("0.log");
    LogRotator rotator = new LogRotator(1, 5, Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC));
    for (String text : List.of("first", "second", "third")) {
      Files.writeString(log, text);
      rotator.rotateIfNeeded(log, () -> { });
    }
    assertThat(names(dir)).containsExactly("0.log.20250101-000000.1.gz", "0.log.20250101-000000.2",
        "0.log.20250101-000000.gz");
    try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(dir.resolve("0.log.20250101-000000.gz")))) {
      assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("first");
    }
    assertThat(Files.readString(dir.resolve("0.log.20250101-000000.2"))).isEqualTo("third");
  }

  @Test
  void aFailedReopenPutsTheFileBackForTheNextRound() throws IOException {
    Path log = dir.resolve("0.log");
    Files.writeString(log, "x".repeat(101));
    LogRotator rotator = new LogRotator(100, 5, Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC));
    assertThatThrownBy(() -> rotator.rotateIfNeeded(log, () -> {
      throw new IllegalStateException("container abc is not running");
    })).hasMessage("container abc is not running");
    assertThat(names(dir)).containsExactly("0.log");
    assertThat(Files.readString(log)).hasSize(101);
  }

  @Test
  void theWritersTemporaryFileIsNeitherCountedNorRemoved() throws IOException {
    Path log = dir.resolve("0.log");
    Files.writeString(dir.resolve("0.log.20241231-000000"), "old");
    Files.writeString(log, "x".repeat(101));
    LogRotator rotator = new LogRotator(100, 3, Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC));
    // conmon reopens by writing <log>.tmp and renaming it over the log.
    rotator.rotateIfNeeded(log, () -> write(dir.resolve("0.log.tmp"), "new"));
    assertThat(names(dir)).containsExactly("0.log.20241231-000000.gz", "0.log.20250101-000000", "0.log.tmp");
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void nonsenseLimitsAreRejected() {
    assertThatThrownBy(() -> new LogRotator(0, 5, Clock.systemUTC()))
        .hasMessage("log rotation needs maxSize >= 1 and maxFiles >= 2, got 0 and 5");
  }
}
