package dev.j8s.runtime.conmon;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.runtime.PodSandboxConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/** The on-disk records that let any process re-adopt sandboxes and containers; stateless, thread-safe. */
final class Meta {
  private static final System.Logger LOG = System.getLogger(Meta.class.getName());
  /** The unreadable record versions (path, size, mtime) already reported, so a relist does not repeat them. */
  private static final Set<String> REPORTED = ConcurrentHashMap.newKeySet();
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

  /**
   * A container: what status reports, and where its pieces are. {@code startingAt} is recorded (in place for any
   * later process to read) just before {@code runc start}, {@code startedAt} once it returned: a record with the first and not the second
   * belongs to a process that died in between, and runc's own state tells whether the start happened.
   */
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
      String startingAt,
      String startedAt,
      dev.j8s.runtime.ContainerConfig.Stdio stdio) {
    Container {
      startingAt = startingAt == null ? "" : startingAt; // container.json written before the field
      stdio = stdio == null ? dev.j8s.runtime.ContainerConfig.Stdio.NONE : stdio; // likewise
    }

    Container starting(String at) {
      return new Container(id, sandboxId, name, attempt, image, logPath, stopSignal, cgroupsPath, labels,
          annotations, createdAt, at, startedAt, stdio);
    }

    Container started(String at) {
      return new Container(id, sandboxId, name, attempt, image, logPath, stopSignal, cgroupsPath, labels,
          annotations, createdAt, startingAt, at, stdio);
    }
  }

  /**
   * Replaces {@code file} with {@code value} as JSON, durably: the bytes go to a temporary file that is synced,
   * renamed over {@code file}, and the directory synced, so that after a crash or a power loss the record is
   * the old one or the new one, never a torn one.
   */
  static void write(Path file, Object value) {
    write(file, value, true);
  }

  /**
   * As {@link #write}, but the record and its directory are synced by a background thread right after, off the
   * caller's path: for the records of a pod's start. Any process reads the old record or the new one from the
   * rename on, so a kill -9 at any point loses nothing; only a power loss (after which no container of the records
   * runs any more) may find the previous version of a record written in the last moments.
   */
  static void writeSyncedSoon(Path file, Object value) {
    write(file, value, false);
    Syncer.INSTANCE.add(file);
  }

  private static void write(Path file, Object value, boolean sync) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      byte[] bytes = MAPPER.writeValueAsBytes(value);
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        if (sync) {
          out.force(true);
        }
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      if (sync) {
        force(file.getParent());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("write " + file, e);
    }
  }

  private static void force(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /**
   * The background thread of {@link #writeSyncedSoon}: syncs each record written so (gone meanwhile: nothing to
   * sync), then its directory, a directory once per batch. Thread-safe.
   */
  static final class Syncer {
    static final Syncer INSTANCE = new Syncer();
    private final java.util.concurrent.LinkedBlockingQueue<Path> pending = new java.util.concurrent.LinkedBlockingQueue<>();

    private Syncer() {
      Thread.ofPlatform().daemon().name("j8s-record-sync").start(this::run);
    }

    /** Records handed over and not synced yet. */
    private final java.util.concurrent.atomic.AtomicInteger unsynced = new java.util.concurrent.atomic.AtomicInteger();

    void add(Path file) {
      unsynced.incrementAndGet();
      pending.add(file);
    }

    /** Whether every record handed over so far is synced (or gone). */
    boolean idle() {
      return unsynced.get() == 0;
    }

    private void run() {
      while (true) {
        List<Path> batch = new ArrayList<>();
        try {
          batch.add(pending.take());
        } catch (InterruptedException e) {
          return;
        }
        pending.drainTo(batch);
        Set<Path> dirs = new java.util.LinkedHashSet<>();
        for (Path file : batch) {
          try {
            force(file);
            dirs.add(file.getParent());
          } catch (java.nio.file.NoSuchFileException gone) {
            // removed meanwhile
          } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot sync record " + file + ": " + e.getMessage());
          }
        }
        for (Path dir : dirs) {
          try {
            force(dir);
          } catch (java.nio.file.NoSuchFileException gone) {
            // removed meanwhile
          } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot sync directory " + dir + ": " + e.getMessage());
          }
        }
        unsynced.addAndGet(-batch.size());
      }
    }
  }

  /** The record in {@code file}; empty when there is none, an error when it cannot be read or parsed. */
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

  /**
   * The records named {@code name} in the subdirectories of {@code dir} (sorted by directory name), for
   * listings: one that cannot be read or parsed (a truncated file, garbage) is skipped and reported in the
   * log once per version of the file, so that it does not hide every other record.
   */
  static <T> List<T> readAll(Path dir, String name, Class<T> type) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Path> subdirs;
    try (Stream<Path> entries = Files.list(dir)) {
      subdirs = entries.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("list " + dir, e);
    }
    List<T> records = new ArrayList<>();
    for (Path sub : subdirs) {
      Path file = sub.resolve(name);
      try {
        read(file, type).ifPresent(records::add);
      } catch (UncheckedIOException e) {
        reportUnreadable(file, e.getCause());
      }
    }
    return records;
  }

  private static void reportUnreadable(Path file, IOException cause) {
    String version;
    try {
      version = file + " " + Files.size(file) + " " + Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      version = file.toString();
    }
    if (REPORTED.add(version)) {
      LOG.log(Level.WARNING, "skipping an unreadable record (its sandbox or container is left out of listings) "
          + "file={0} error={1}", file, String.valueOf(cause.getMessage()).lines().findFirst().orElse(""));
    }
  }
}
