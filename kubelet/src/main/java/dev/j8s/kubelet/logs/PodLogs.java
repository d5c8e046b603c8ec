package dev.j8s.kubelet.logs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Serves pods/log from the CRI log files under {@code <root>/logs/pods/<ns>_<name>_<uid>/<container>/}
 * ({@code <restart>.log}, with the not yet gzipped rotated {@code <restart>.log.<yyyyMMdd-HHmmss>} before it),
 * as upstream's {@code ReadLogs}; thread-safe, each returned stream is for one reader.
 */
public final class PodLogs {

  private static final Pattern INSTANCE = Pattern.compile("(\\d+)\\.log");

  private final Path root;

  /** @param root the data directory holding {@code logs/pods} */
  public PodLogs(Path root) {
    this.root = root;
  }

  /** The directory of one container's logs. */
  public Path containerDir(String namespace, String podName, String podUid, String container) {
    return root.resolve("logs").resolve("pods").resolve(namespace + "_" + podName + "_" + podUid)
        .resolve(container);
  }

  /**
   * Creates the (empty) log file of one instance of a container with mode 0600 in directories only the owner
   * may enter, unless it exists: conmon then appends to it and keeps its mode. Container output is as
   * private as the pod's Secrets it may print.
   */
  public Path createLogFile(String namespace, String podName, String podUid, String container, int restartCount) {
    Path file = logFile(namespace, podName, podUid, container, restartCount);
    FileAttribute<Set<PosixFilePermission>> privateDir =
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    try {
      Files.createDirectories(root);
      Path logs = root.resolve("logs");
      for (Path dir : List.of(logs, logs.resolve("pods"), file.getParent().getParent(), file.getParent())) {
        try {
          Files.createDirectory(dir, privateDir);
        } catch (FileAlreadyExistsException e) {
          // made before, or meanwhile by another container of the pod
        }
      }
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      // a restart that reuses the attempt number: conmon appends
    } catch (IOException e) {
      throw new UncheckedIOException("create log file " + file, e);
    }
    return file;
  }

  /** The log file conmon writes for one instance of a container. */
  public Path logFile(String namespace, String podName, String podUid, String container, int restartCount) {
    return containerDir(namespace, podName, podUid, container).resolve(restartCount + ".log");
  }

  /**
   * Opens the log as the response body: lines without the CRI prefix; it ends at the end of the log, or
   * when following, once the container stopped and its file is drained. Closing it stops a follow.
   *
   * @throws LogsException {@code previous terminated container "main" in pod "busy" not found}, or
   *     {@code container "main" in pod "busy" is waiting to start: ContainerCreating}
   */
  public InputStream open(LogTarget target, LogOptions options) {
    Path dir = containerDir(target.namespace(), target.podName(), target.podUid(), target.container());
    if (options.previous()) {
      OptionalInt previous = previousInstance(dir, target.restartCount());
      if (previous.isEmpty()) {
        throw new LogsException("previous terminated container \"" + target.container() + "\" in pod \""
            + target.podName() + "\" not found");
      }
      return new LogStream(files(dir, previous.getAsInt()), dir.resolve(previous.getAsInt() + ".log"),
          options, () -> false);
    }
    Path current = dir.resolve(target.restartCount() + ".log");
    List<Path> files = files(dir, target.restartCount());
    if (files.isEmpty()) {
      if (target.waitingReason().isPresent()) {
        throw new LogsException("container \"" + target.container() + "\" in pod \"" + target.podName()
            + "\" is waiting to start: " + target.waitingReason().get());
      }
      return InputStream.nullInputStream();
    }
    return new LogStream(files, current, options, target.running());
  }

  /** The rotated files of one instance, oldest first, then its current file if it exists. */
  static List<Path> files(Path dir, int instance) {
    List<Path> result = new ArrayList<>();
    String prefix = instance + ".log.";
    if (Files.isDirectory(dir)) {
      try (Stream<Path> list = Files.list(dir)) {
        // gzipped rotations are kept for the node's operator, not served (upstream serves the live file only)
        list.filter(p -> p.getFileName().toString().startsWith(prefix)
                && !p.getFileName().toString().endsWith(".tmp") && !p.getFileName().toString().endsWith(".gz"))
            .sorted()
            .forEach(result::add);
      } catch (IOException e) {
        throw new UncheckedIOException("list logs in " + dir, e);
      }
    }
    Path current = dir.resolve(instance + ".log");
    if (Files.exists(current)) {
      result.add(current);
    }
    return result;
  }

  private static OptionalInt previousInstance(Path dir, int current) {
    if (!Files.isDirectory(dir)) {
      return OptionalInt.empty();
    }
    int best = -1;
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        Matcher m = INSTANCE.matcher(p.getFileName().toString());
        if (m.matches()) {
          int n = Integer.parseInt(m.group(1));
          if (n < current && n > best) {
            best = n;
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("list logs in " + dir, e);
    }
    return best < 0 ? OptionalInt.empty() : OptionalInt.of(best);
  }
}
