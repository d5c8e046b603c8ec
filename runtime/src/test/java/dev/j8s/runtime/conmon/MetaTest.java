package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.runtime.PodSandboxConfig;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetaTest {

  @TempDir
  Path dir;

  @Test
  void aRecordIsReplacedWholeAndReadBack() {
    Path file = dir.resolve("a").resolve("sandbox.json");
    file.getParent().toFile().mkdirs();
    Meta.write(file, sandbox("a", "NOTREADY"));
    Meta.write(file, sandbox("a", "READY"));

    assertThat(Meta.read(file, Meta.Sandbox.class)).map(Meta.Sandbox::state).contains("READY");
    assertThat(dir.resolve("a").toFile().list()).containsExactly("sandbox.json");
  }

  @Test
  void aRecordSyncedSoonIsInPlaceAtOnceAndSyncedInTheBackground() throws Exception {
    Path file = dir.resolve("b").resolve("sandbox.json");
    Files.createDirectories(file.getParent());
    Meta.writeSyncedSoon(file, sandbox("b", "NOTREADY"));
    Meta.writeSyncedSoon(file, sandbox("b", "READY"));
    Path gone = dir.resolve("c").resolve("sandbox.json");
    Files.createDirectories(gone.getParent());
    Meta.writeSyncedSoon(gone, sandbox("c", "READY"));
    Files.delete(gone);

    assertThat(Meta.read(file, Meta.Sandbox.class)).map(Meta.Sandbox::state).contains("READY");
    assertThat(dir.resolve("b").toFile().list()).containsExactly("sandbox.json");
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
    while (!Meta.Syncer.INSTANCE.idle()) {
      assertThat(System.nanoTime()).as("synced within 10 s").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void listingSkipsTruncatedGarbageAndEmptyRecordsAndKeepsTheOthers() throws Exception {
    for (String id : List.of("1", "2", "3", "4", "5")) {
      Files.createDirectories(dir.resolve(id));
      Meta.write(dir.resolve(id).resolve("sandbox.json"), sandbox(id, "READY"));
    }
    byte[] whole = Files.readAllBytes(dir.resolve("2").resolve("sandbox.json"));
    Files.write(dir.resolve("2").resolve("sandbox.json"), java.util.Arrays.copyOf(whole, whole.length / 2));
    Files.write(dir.resolve("3").resolve("sandbox.json"), new byte[] {0, 1, 2, (byte) 0xfe});
    Files.write(dir.resolve("4").resolve("sandbox.json"), new byte[0]);
    Files.createDirectories(dir.resolve("6")); // a directory without a record yet

    assertThat(Meta.readAll(dir, "sandbox.json", Meta.Sandbox.class)).extracting(Meta.Sandbox::id)
        .containsExactly("1", "5");
    assertThatThrownBy(() -> Meta.read(dir.resolve("3").resolve("sandbox.json"), Meta.Sandbox.class))
        .isInstanceOf(UncheckedIOException.class).hasMessageContaining("read " + dir.resolve("3"));
  }

  @Test
  void aContainerRecordWrittenBeforeTheStartWasAnnouncedReadsWithoutOne() throws Exception {
    Path file = dir.resolve("container.json");
    Files.writeString(file, """
        {"id":"c","sandboxId":"s","name":"n","attempt":0,"image":"i","logPath":"/l","stopSignal":"SIGTERM",
         "cgroupsPath":"/j8s/x","labels":{},"annotations":{},"createdAt":"2026-01-01T00:00:00Z",
         "startedAt":"2026-01-01T00:00:01Z"}""");

    Meta.Container c = Meta.read(file, Meta.Container.class).orElseThrow();

    assertThat(c.startingAt()).isEmpty();
    assertThat(c.startedAt()).isEqualTo("2026-01-01T00:00:01Z");
  }

  private static Meta.Sandbox sandbox(String id, String state) {
    return new Meta.Sandbox(id, PodSandboxConfig.of("p" + id, "default", "uid-" + id, "h"), "2026-01-01T00:00:00Z",
        state, List.of(), Meta.PidHolder.NONE);
  }
}
