package dev.j8s.runtime.conmon;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.runtime.PodSandboxConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The on-disk records that let any process re-adopt sandboxes and containers; stateless, thread-safe. */
final class Meta {
  static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private Meta() {}

  /**
   * A sandbox: its config, when it was made, READY/NOTREADY, its addresses and the holder of its shared
   * PID namespace ({@link PidHolder#NONE} when its containers do not share one).
   */
  record Sandbox(String id, PodSandboxConfig config, String createdAt, String state, List<String> ips,
      PidHolder pidHolder) {
    Sandbox {
      pidHolder = pidHolder == null ? PidHolder.NONE : pidHolder; // sandbox.json written before the field
    }

    Sandbox withState(String newState, List<String> newIps) {
      return new Sandbox(id, config, createdAt, newState, newIps, pidHolder);
    }
  }

  /**
   * The PID 1 of a sandbox's shared PID namespace: its pid and its {@code comm}, which together tell it
   * apart from a later process that reused the pid.
   */
  record PidHolder(long pid, String comm) {
    static final PidHolder NONE = new PidHolder(0, "");

    boolean present() {
      return pid > 0;
    }
  }

  /** A container: what status reports, and where its pieces are. */
  record Container(
      String id,
      String sandboxId,
      String name,
      int attempt,
      String image,
      String logPath,
      String stopSignal,
      String cgroupsPath,
      Map<String, String> labels,
      Map<String, String> annotations,
      String createdAt,
      String startedAt) {
    Container started(String at) {
      return new Container(id, sandboxId, name, attempt, image, logPath, stopSignal, cgroupsPath, labels,
          annotations, createdAt, at);
    }
  }

  static void write(Path file, Object value) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      MAPPER.writeValue(tmp.toFile(), value);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("write " + file, e);
    }
  }

  static <T> Optional<T> read(Path file, Class<T> type) {
    try {
      return Optional.of(MAPPER.readValue(file.toFile(), type));
    } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      if (!Files.exists(file)) {
        return Optional.empty();
      }
      throw new UncheckedIOException("read " + file, e);
    }
  }
}
