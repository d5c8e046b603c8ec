package dev.j8s.runtime.oci;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The host's device nodes under {@code /dev}, which a privileged container gets (runc's {@code HostDevices}, as
 * containerd's {@code WithHostDevices} uses it); stateless and thread-safe.
 */
public final class HostDevices {

  /** Directories of {@code /dev} whose nodes are not handed on (runc skips them). */
  static final Set<String> SKIPPED_DIRS = Set.of("pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev");
  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;

  private HostDevices() {}

  /** One device node. */
  public record Device(String path, char type, long major, long minor, int fileMode, long uid, long gid) {}

  /** Every character and block device under {@code root} but {@code console} and the skipped directories. */
  public static List<Device> under(Path root) {
    List<Device> devices = new ArrayList<>();
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          return !dir.equals(root) && SKIPPED_DIRS.contains(dir.getFileName().toString())
              ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          if (!attrs.isOther() || file.getFileName().toString().equals("console")) {
            return FileVisitResult.CONTINUE;
          }
          Map<String, Object> unix = Files.readAttributes(file, "unix:mode,rdev,uid,gid", LinkOption.NOFOLLOW_LINKS);
          int mode = (Integer) unix.get("mode");
          char type = switch (mode & S_IFMT) {
            case S_IFCHR -> 'c';
            case S_IFBLK -> 'b';
            default -> '\0';
          };
          if (type != '\0') {
            long rdev = (Long) unix.get("rdev");
            devices.add(new Device(file.toString(), type, major(rdev), minor(rdev), mode & 07777,
                ((Number) unix.get("uid")).longValue(), ((Number) unix.get("gid")).longValue()));
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE; // a node that vanished while walking
        }
      });
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("list devices under " + root, e);
    }
    return devices;
  }

  /** glibc's {@code gnu_dev_major}. */
  static long major(long dev) {
    return ((dev & 0x00000000000fff00L) >>> 8) | ((dev & 0xfffff00000000000L) >>> 32);
  }

  /** glibc's {@code gnu_dev_minor}. */
  static long minor(long dev) {
    return (dev & 0xffL) | ((dev & 0x00000ffffff00000L) >>> 12);
  }
}
