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

  /** A sandbox: its config, when it was made, READY/NOTREADY and its addresses. */
  record Sandbox(String id, PodSandboxConfig config, String createdAt, String state, List<String> ips) {
    Sandbox withState(String newState, List<String> newIps) {
      return new Sandbox(id, config, createdAt, newState, newIps);
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
