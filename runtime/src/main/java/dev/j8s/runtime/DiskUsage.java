package dev.j8s.runtime;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * How much of a filesystem a directory tree takes (bytes and inodes, as {@code du} and cAdvisor's fs usage count
 * them for writable layers, logs and emptyDir volumes) and what a filesystem has left ({@code statvfs(2)}, which
 * also gives inodes, which {@link java.nio.file.FileStore} does not); stateless and thread-safe.
 */
public final class DiskUsage {

  private static final MethodHandle STATVFS = linkStatvfs();
  /** {@code struct statvfs} on x86-64 and aarch64 glibc: eleven 8-byte fields and six ints. */
  private static final long STATVFS_SIZE = 112;

  private DiskUsage() {}

  /** Bytes and inodes used. */
  public record Usage(long bytes, long inodes) {
    public static final Usage NONE = new Usage(0, 0);

    public Usage plus(Usage other) {
      return new Usage(bytes + other.bytes, inodes + other.inodes);
    }
  }

  /** A filesystem's size and what is free on it (for unprivileged users, as {@code df} shows). */
  public record Filesystem(long capacityBytes, long availableBytes, long inodes, long inodesFree) {}

  /**
   * The apparent size of the regular files and the number of entries under {@code root} (itself included), without
   * following symlinks or crossing into what vanished meanwhile; {@link Usage#NONE} when it does not exist.
   */
  public static Usage of(Path root) {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return Usage.NONE;
    }
    long[] totals = new long[2];
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          totals[1]++;
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          totals[1]++;
          if (attrs.isRegularFile()) {
            totals[0] += attrs.size();
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("measure " + root, e);
    }
    return new Usage(totals[0], totals[1]);
  }

  /**
   * {@code statvfs(2)} of the filesystem holding {@code path}.
   *
   * @throws ContainerRuntimeException naming the path when the call fails
   */
  public static Filesystem filesystem(Path path) {
    if (STATVFS == null) {
      throw new ContainerRuntimeException("statvfs is not available in this JVM");
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(STATVFS_SIZE, 8);
      int rc = (int) STATVFS.invokeExact(arena.allocateFrom(path.toString()), buf);
      if (rc != 0) {
        throw new ContainerRuntimeException("statvfs " + path + " failed");
      }
      long frsize = buf.get(ValueLayout.JAVA_LONG, 8);
      long blocks = buf.get(ValueLayout.JAVA_LONG, 16);
      long bavail = buf.get(ValueLayout.JAVA_LONG, 32);
      long files = buf.get(ValueLayout.JAVA_LONG, 40);
      long ffree = buf.get(ValueLayout.JAVA_LONG, 48);
      return new Filesystem(blocks * frsize, bavail * frsize, files, ffree);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  private static MethodHandle linkStatvfs() {
    try {
      Linker linker = Linker.nativeLinker();
      return linker.downcallHandle(linker.defaultLookup().find("statvfs").orElseThrow(),
          FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    } catch (RuntimeException | Error e) {
      System.getLogger(DiskUsage.class.getName()).log(System.Logger.Level.WARNING,
          "statvfs unavailable, no filesystem stats: " + e);
      return null;
    }
  }
}
