package dev.j8s.runtime.conmon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ProcessRunner;
import dev.j8s.runtime.netns.Libc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The runc command line (go-runc style): a configurable binary and state root, errors with exit
 * status and stderr; stateless and thread-safe.
 */
final class Runc {
  static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** The fifo runc's init of a created container waits on; removed once started. */
  static final String EXEC_FIFO = "exec.fifo";
  /** How often a start waiting on the exec fifo checks that the init is still there, as runc start does. */
  private static final int INIT_CHECK_MILLIS = 100;
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

  /**
   * Starts a created container. One in runc's state {@code created} (its init waits on its {@code exec.fifo} to exec
   * the container's process) is started as {@code runc start} starts it, without the process: the fifo opened and
   * read to its end (the init writes one byte, then execs or fails, which closes it), then removed. Any other state,
   * or a container whose init ends before it wrote, goes to {@code runc start}, which reports it as it always did.
   */
  void start(String id) {
    if (!offVirtualThread(() -> startThroughExecFifo(id))) {
      ProcessRunner.run(command("start", id), TIMEOUT).orThrow("start container " + id);
    }
  }

  /** Whether the container was in state created and is started now; false leaves it to {@code runc start}. */
  boolean startThroughExecFifo(String id) {
    Path dir = root.resolve(id);
    Path fifo = dir.resolve(EXEC_FIFO);
    Optional<Libc> libc = Libc.instance();
    if (libc.isEmpty() || !Files.exists(fifo)) {
      return false;
    }
    long pid;
    long startTime;
    try {
      JsonNode state = MAPPER.readTree(dir.resolve("state.json").toFile());
      pid = state.path("init_process_pid").asLong(0);
      startTime = state.path("init_process_start").asLong(-1);
    } catch (IOException e) {
      return false;
    }
    if (pid <= 0 || !initWaiting(pid, startTime)) {
      return false;
    }
    int fd;
    try {
      fd = libc.get().openReadNonBlocking(fifo);
    } catch (ContainerRuntimeException e) {
      return false; // removed meanwhile: started by another caller
    }
    long read = 0;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(16);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (true) {
        if (libc.get().awaitReadable(fd, INIT_CHECK_MILLIS) != 0) {
          int n = libc.get().read(fd, buffer);
          if (n == 0) {
            break; // every writer closed: the init exec'd its process, or failed to
          }
          read += n;
        } else if (read > 0 && System.nanoTime() - deadline > 0) {
          break; // written but not yet closed: started, its exec still under way
        } else if (read == 0 && (!initWaiting(pid, startTime) || System.nanoTime() - deadline > 0)) {
          return false; // the init ended (or hangs) before it wrote: runc start reports it
        }
      }
    } finally {
      libc.get().close(fd);
    }
    if (read == 0) {
      return false;
    }
    try {
      Files.deleteIfExists(fifo);
    } catch (IOException e) {
      throw new UncheckedIOException("remove " + fifo, e);
    }
    return true;
  }

  /**
   * Runs {@code call}, which blocks in native code, on a platform thread of its own when the caller is virtual (a
   * virtual thread would hold its carrier meanwhile), its exception rethrown as is.
   */
  static <T> T offVirtualThread(java.util.function.Supplier<T> call) {
    if (!Thread.currentThread().isVirtual()) {
      return call.get();
    }
    try {
      return java.util.concurrent.CompletableFuture.supplyAsync(call, task -> Thread.ofPlatform().start(task)).join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** Whether the init process {@code pid} still runs (not a zombie) and is the one runc recorded (its start time). */
  private static boolean initWaiting(long pid, long startTime) {
    return ProcStat.of(pid).filter(p -> p.running() && p.startTime() == startTime).isPresent();
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
