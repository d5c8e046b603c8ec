package dev.j8s.runtime.oci;

import dev.j8s.runtime.ContainerRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Mounts and unmounts with the {@code mount(2)}/{@code umount2(2)} system calls (no child process per
 * mount, which matters on the pod start path); stateless and thread-safe.
 *
 * <p>Needs {@code --enable-native-access=ALL-UNNAMED} (or the module) to run without a warning.
 */
public final class Mounts {
  private static final long MS_BIND = 4096;
  private static final long MS_PRIVATE = 1 << 18;
  private static final long MS_NOSUID = 2;
  private static final long MS_NODEV = 4;
  private static final long MS_NOEXEC = 8;
  private static final long MS_RDONLY = 1;
  private static final long MS_REMOUNT = 32;
  private static final int MNT_DETACH = 2;
  private static final int EINVAL = 22;
  private static final int ENOENT = 2;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final MethodHandle MOUNT = LINKER.downcallHandle(
      LINKER.defaultLookup().find("mount").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
          ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
      Linker.Option.captureCallState("errno"));
  private static final MethodHandle UMOUNT2 = LINKER.downcallHandle(
      LINKER.defaultLookup().find("umount2").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
      Linker.Option.captureCallState("errno"));
  private static final MethodHandle STRERROR = LINKER.downcallHandle(
      LINKER.defaultLookup().find("strerror").orElseThrow(),
      FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

  private Mounts() {}

  /**
   * Mounts an overlay of {@code layers} (base layer first) with a writable upper dir at {@code target}.
   * Layer paths may not contain {@code :} or {@code ,}, which the overlay option syntax reserves.
   */
  public static void mountOverlay(List<Path> layers, Path upper, Path work, Path target) {
    List<String> lower = new ArrayList<>();
    for (Path layer : layers.reversed()) {
      lower.add(checkOption(layer));
    }
    String options = "lowerdir=" + String.join(":", lower) + ",upperdir=" + checkOption(upper)
        + ",workdir=" + checkOption(work);
    mount("overlay", target, "overlay", 0, options);
  }

  /** Mounts a private tmpfs (nosuid, nodev, noexec) with the given options, e.g. {@code size=64m}. */
  public static void mountTmpfs(Path target, String options) {
    mount("shm", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options);
  }

  /**
   * Mounts a tmpfs at {@code target} with no extra flags (as the kubelet mounts memory-backed emptyDirs and
   * secret volumes), e.g. {@code options} {@code size=16m} or empty for the kernel's default size.
   */
  public static void mountTmpfsVolume(Path target, String options) {
    mount("tmpfs", target, "tmpfs", 0, options);
  }

  /**
   * Bind-mounts {@code source} at {@code target} (not recursively). {@code source} may be a
   * {@code /proc/self/fd/N} link, which the kernel resolves to the open file itself, never by name.
   */
  public static void bind(Path source, Path target) {
    mount(source.toString(), target, "none", MS_BIND, "");
  }

  /** Makes the bind mount at {@code target} read-only. */
  public static void remountBindReadOnly(Path target) {
    mount("none", target, "none", MS_BIND | MS_REMOUNT | MS_RDONLY, "");
  }

  /** Makes {@code dir} a private bind mount of itself, as {@code ip netns} does with /run/netns. */
  public static void makePrivateSelfBind(Path dir) {
    if (!isMountPoint(dir)) {
      mount(dir.toString(), dir, "none", MS_BIND, "");
    }
    mount("none", dir, "none", MS_PRIVATE, "");
  }

  /** Unmounts {@code target}, lazily if it is busy; a path that is not mounted is left alone. */
  public static void unmount(Path target) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE);
      int rc = (int) UMOUNT2.invokeExact(capture, arena.allocateFrom(target.toString()), 0);
      if (rc != 0) {
        int errno = (int) ERRNO.get(capture, 0L);
        if (errno == EINVAL || errno == ENOENT) {
          return; // not a mount point (any more)
        }
        rc = (int) UMOUNT2.invokeExact(capture, arena.allocateFrom(target.toString()), MNT_DETACH);
        if (rc != 0) {
          throw new ContainerRuntimeException("unmount " + target + ": " + strerror((int) ERRNO.get(capture, 0L)));
        }
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code path} is a mount point in this process's mount namespace. */
  public static boolean isMountPoint(Path path) {
    return mountPoints().contains(path.toAbsolutePath().normalize().toString());
  }

  /** The mount points of this process's mount namespace (octal escapes decoded). */
  public static List<String> mountPoints() {
    try {
      List<String> points = new ArrayList<>();
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String[] fields = line.split(" ");
        if (fields.length > 4) {
          points.add(unescape(fields[4]));
        }
      }
      return points;
    } catch (IOException e) {
      throw new UncheckedIOException("read /proc/self/mountinfo", e);
    }
  }

  private static String unescape(String field) {
    var out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String checkOption(Path path) {
    String text = path.toAbsolutePath().normalize().toString();
    if (text.contains(":") || text.contains(",")) {
      throw new IllegalArgumentException("overlay path may not contain ':' or ',': " + text);
    }
    return text;
  }

  private static void mount(String source, Path target, String type, long flags, String data) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment capture = arena.allocate(CAPTURE);
      MemorySegment options = data.isEmpty() ? MemorySegment.NULL : arena.allocateFrom(data);
      int rc = (int) MOUNT.invokeExact(capture, arena.allocateFrom(source),
          arena.allocateFrom(target.toString()), arena.allocateFrom(type), flags, options);
      if (rc != 0) {
        throw new ContainerRuntimeException("mount " + type + " at " + target + ": "
            + strerror((int) ERRNO.get(capture, 0L)));
      }
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  private static String strerror(int errno) {
    try {
      MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
      return text.reinterpret(256).getString(0);
    } catch (Throwable e) {
      return "errno " + errno;
    }
  }
}
