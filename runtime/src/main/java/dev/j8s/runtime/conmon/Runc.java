package dev.j8s.runtime.conmon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.runtime.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The runc command line (go-runc style): a configurable binary and state root, errors with exit
 * status and stderr; stateless and thread-safe.
 */
final class Runc {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Path binary;
  private final Path root;

  Runc(Path binary, Path root) {
    this.binary = binary;
    this.root = root;
  }

  Path binary() {
    return binary;
  }

  Path root() {
    return root;
  }

  List<String> command(String... args) {
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--root", root.toString()));
    command.addAll(List.of(args));
    return command;
  }

  void start(String id) {
    ProcessRunner.run(command("start", id), TIMEOUT).orThrow("start container " + id);
  }

  /**
   * Whether {@code runc start} happened for the container: runc reports it running or paused (a created
   * container waits in its init for the start; a stopped one exited, which its exit file records).
   */
  boolean started(String id) {
    ProcessRunner.Result result = ProcessRunner.run(command("state", id), TIMEOUT);
    if (result.exitStatus() != 0) {
      return false;
    }
    try {
      String status = MAPPER.readTree(result.stdout()).path("status").asText("");
      return status.equals("running") || status.equals("paused");
    } catch (IOException e) {
      return false;
    }
  }

  /** Sends a signal; false when runc reports the container is not running (or gone). */
  boolean kill(String id, String signal) {
    ProcessRunner.Result result = ProcessRunner.run(command("kill", id, signal), TIMEOUT);
    if (result.exitStatus() == 0) {
      return true;
    }
    String err = result.stderrText();
    if (err.contains("not running") || err.contains("does not exist") || err.contains("process already finished")) {
      return false;
    }
    result.orThrow("signal " + signal + " to container " + id);
    return false;
  }

  void delete(String id) {
    ProcessRunner.Result result = ProcessRunner.run(command("delete", "--force", id), TIMEOUT);
    if (result.exitStatus() != 0 && !result.stderrText().contains("does not exist")) {
      result.orThrow("delete container " + id);
    }
  }

  /** The containers runc knows under its root ({@code runc list --format json}). */
  List<JsonNode> list() {
    ProcessRunner.Result result = ProcessRunner.run(command("list", "--format", "json"), TIMEOUT)
        .orThrow("list containers");
    try {
      JsonNode array = MAPPER.readTree(result.stdout());
      List<JsonNode> containers = new ArrayList<>();
      if (array != null) {
        array.forEach(containers::add);
      }
      return containers;
    } catch (IOException e) {
      throw new UncheckedIOException("parse runc list output", e);
    }
  }
}
