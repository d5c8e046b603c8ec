package dev.j8s.kubelet.logs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Rotates a container's log by size, as upstream's container log manager does (10 MiB, 5 files by
 * default): the file is renamed to {@code <name>.<yyyyMMdd-HHmmss>}, the writer told to reopen, the
 * oldest rotated files removed and the others but the newest gzipped to {@code <rotated>.gz}; thread-safe
 * as long as one caller rotates a given file.
 */
public final class LogRotator {

  /** Upstream's {@code containerLogMaxSize} default. */
  public static final long DEFAULT_MAX_SIZE = 10L * 1024 * 1024;
  /** Upstream's {@code containerLogMaxFiles} default (the current file included). */
  public static final int DEFAULT_MAX_FILES = 5;
  private static final DateTimeFormatter SUFFIX =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  private final long maxSize;
  private final int maxFiles;
  private final Clock clock;

  public LogRotator(long maxSize, int maxFiles, Clock clock) {
    if (maxSize < 1 || maxFiles < 2) {
      throw new IllegalArgumentException("log rotation needs maxSize >= 1 and maxFiles >= 2, got "
          + maxSize + " and " + maxFiles);
    }
    this.maxSize = maxSize;
    this.maxFiles = maxFiles;
    this.clock = clock;
  }

  /** With upstream's defaults. */
  public static LogRotator defaults(Clock clock) {
    return new LogRotator(DEFAULT_MAX_SIZE, DEFAULT_MAX_FILES, clock);
  }

  /**
   * Rotates {@code logFile} when it is larger than the limit; {@code reopen} makes the writer (conmon)
   * open a new file under the old name. Returns whether it rotated. When {@code reopen} fails, the file
   * is renamed back and the failure rethrown.
   */
  public boolean rotateIfNeeded(Path logFile, Runnable reopen) {
    try {
      if (!Files.exists(logFile) || Files.size(logFile) <= maxSize) {
        return false;
      }
      String base = logFile.getFileName().toString() + "." + SUFFIX.format(clock.instant());
      Path target = logFile.resolveSibling(base);
      // two rotations within one second; a name whose gzipped copy exists is taken too
      for (int i = 1; Files.exists(target) || Files.exists(target.resolveSibling(target.getFileName() + ".gz")); i++) {
        target = logFile.resolveSibling(base + "." + i);
      }
      Files.move(logFile, target, StandardCopyOption.ATOMIC_MOVE);
      try {
        reopen.run();
      } catch (RuntimeException e) {
        // As upstream: put the file back so the next round tries again (the writer still writes into it).
        try {
          Files.move(target, logFile, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException back) {
          e.addSuppressed(back);
        }
        throw e;
      }
      removeOldest(logFile);
      compressAllBut(logFile, target);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("rotate log " + logFile, e);
    }
  }

  private void removeOldest(Path logFile) throws IOException {
    List<Path> rotated = rotated(logFile);
    int excess = rotated.size() - (maxFiles - 1);
    for (int i = 0; i < excess; i++) {
      Files.deleteIfExists(rotated.get(i));
    }
  }

  /** The rotated files of {@code logFile}, oldest first (by the timestamp in their names, gzipped or not). */
  private static List<Path> rotated(Path logFile) throws IOException {
    String prefix = logFile.getFileName().toString() + ".";
    try (Stream<Path> list = Files.list(logFile.getParent())) {
      // conmon reopens through <log>.tmp, renamed over the log: that one is the live file, not a rotated one;
      // <rotated>.gz.tmp is a compression that did not finish (removed below, redone on the next rotation).
      return list.filter(p -> p.getFileName().toString().startsWith(prefix)
              && !p.getFileName().toString().endsWith(".tmp"))
          .sorted(Comparator.comparing(p -> p.getFileName().toString().replaceFirst("\\.gz$", "")))
          .toList();
    }
  }

  /**
   * Gzips every rotated file but {@code newest} (as upstream, which keeps the latest rotated log plain):
   * into {@code <file>.gz.tmp}, renamed to {@code <file>.gz}, then the plain file removed.
   */
  private static void compressAllBut(Path logFile, Path newest) throws IOException {
    for (Path file : rotated(logFile)) {
      String name = file.getFileName().toString();
      if (file.equals(newest) || name.endsWith(".gz")) {
        continue;
      }
      Path tmp = file.resolveSibling(name + ".gz.tmp");
      // container output is as private as the Secrets it may print: 0600, as conmon writes the live file
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      try (InputStream in = Files.newInputStream(file);
           OutputStream out = new GZIPOutputStream(Files.newOutputStream(tmp), 64 * 1024)) {
        in.transferTo(out);
      } catch (IOException e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
      Files.move(tmp, file.resolveSibling(name + ".gz"), StandardCopyOption.ATOMIC_MOVE);
      Files.delete(file);
    }
  }
}
