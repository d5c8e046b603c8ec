package dev.j8s.runtime.oci;

import dev.j8s.runtime.ContainerRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Resolves a container path inside a root directory as if the root were {@code /}, the way
 * cyphar/filepath-securejoin and {@code openat2(RESOLVE_IN_ROOT)} do; stateless and thread-safe.
 *
 * <p>Every component is looked at with {@code lstat}: a symlink is followed with its absolute target taken
 * relative to the root and {@code ..} clamped at the root, at most {@link #MAX_SYMLINKS} times (Linux's
 * {@code MAXSYMLINKS}); a missing component and everything after it are joined lexically. The result is a
 * host path under the root whose existing components are all real (non-symlink) directories, so host-side
 * code that then opens it without following a final symlink never leaves the root.
 *
 * <p>This is the user-space walk (securejoin's {@code SecureJoin}), not an fd-based one: it is safe while no
 * one swaps components concurrently. j8s uses it on a container's freshly mounted overlay before any process
 * of the container runs, and on read-only image layers.
 */
public final class RootPath {

  /** The symlinks one resolution may follow before failing like {@code ELOOP}. */
  public static final int MAX_SYMLINKS = 40;

  private RootPath() {}

  /**
   * The host path of {@code path} (absolute or relative to {@code /}) inside {@code root}; components that do
   * not exist are appended as given.
   *
   * @throws ContainerRuntimeException on a symlink loop, a non-directory used as a directory or an I/O error
   */
  public static Path resolve(Path root, String path) {
    return walk(root, path, false);
  }

  /**
   * Creates {@code path} inside {@code root} like {@code mkdir -p} (mode 0755), creating each missing
   * directory in its in-root parent: a symlinked component, even a dangling one, leads to a directory inside
   * the root, never on the host.
   *
   * @return the host path of the directory
   * @throws ContainerRuntimeException when a component is not a directory, on a symlink loop or an I/O error
   */
  public static Path mkdirs(Path root, String path) {
    return walk(root, path, true);
  }

  /**
   * The content of the regular file {@code path} inside {@code root}, or empty when it does not exist.
   *
   * @throws ContainerRuntimeException when it is not a regular file (a FIFO, a device, a directory), is
   *     larger than {@code maxBytes}, or on a symlink loop or an I/O error
   */
  public static Optional<byte[]> readFile(Path root, String path, int maxBytes) {
    Path file = resolve(root, path);
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new ContainerRuntimeException("read " + path + " in " + root + ": " + e.getMessage(), e);
    }
    if (!attrs.isRegularFile()) {
      throw new ContainerRuntimeException("read " + path + " in " + root + ": not a regular file");
    }
    if (attrs.size() > maxBytes) {
      throw new ContainerRuntimeException("read " + path + " in " + root + ": larger than " + maxBytes
          + " bytes");
    }
    // NOFOLLOW: the resolved last component is not a symlink; if it became one, the open fails.
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      byte[] content = in.readNBytes(maxBytes + 1);
      if (content.length > maxBytes) {
        throw new ContainerRuntimeException("read " + path + " in " + root + ": larger than " + maxBytes
            + " bytes");
      }
      return Optional.of(content);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new ContainerRuntimeException("read " + path + " in " + root + ": " + e.getMessage(), e);
    }
  }

  private static Path walk(Path root, String path, boolean create) {
    Path base;
    try {
      base = root.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("resolve root " + root, e);
    }
    Deque<String> todo = new ArrayDeque<>(components(path));
    List<String> done = new ArrayList<>();
    int symlinks = 0;
    while (!todo.isEmpty()) {
      String name = todo.pollFirst();
      if (name.isEmpty() || name.equals(".")) {
        continue;
      }
      if (name.equals("..")) {
        if (!done.isEmpty()) {
          done.removeLast();
        }
        continue;
      }
      Path candidate = join(base, done).resolve(name);
      BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(candidate, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        if (!create) {
          done.add(name); // missing: the rest is joined as given (later ".." pops it lexically)
          continue;
        }
        try {
          // The parent is a real directory inside the root and mkdir never follows a final symlink.
          Files.createDirectory(candidate,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        } catch (FileAlreadyExistsException raced) {
          // created (maybe as a symlink) since the lstat: look again, bounded by the symlink budget
          if (++symlinks > MAX_SYMLINKS) {
            throw loop(root, path);
          }
          todo.addFirst(name);
          continue;
        } catch (IOException io) {
          throw new ContainerRuntimeException("create " + path + " in " + root + ": " + io.getMessage(), io);
        }
        done.add(name);
        continue;
      } catch (IOException e) {
        throw new ContainerRuntimeException("resolve " + path + " in " + root + ": " + e.getMessage(), e);
      }
      if (attrs.isSymbolicLink()) {
        if (++symlinks > MAX_SYMLINKS) {
          throw loop(root, path);
        }
        String target;
        try {
          target = Files.readSymbolicLink(candidate).toString();
        } catch (IOException e) {
          throw new ContainerRuntimeException("resolve " + path + " in " + root + ": " + e.getMessage(), e);
        }
        if (target.startsWith("/")) {
          done.clear();
        }
        List<String> parts = components(target);
        for (int i = parts.size() - 1; i >= 0; i--) {
          todo.addFirst(parts.get(i));
        }
        continue;
      }
      boolean more = todo.stream().anyMatch(c -> !c.isEmpty() && !c.equals("."));
      if (!attrs.isDirectory() && (more || create)) {
        throw new ContainerRuntimeException((create ? "create " : "resolve ") + path + " in " + root + ": "
            + "/" + String.join("/", done) + (done.isEmpty() ? "" : "/") + name + " is not a directory");
      }
      done.add(name);
    }
    return join(base, done);
  }

  private static ContainerRuntimeException loop(Path root, String path) {
    return new ContainerRuntimeException("resolve " + path + " in " + root
        + ": too many levels of symbolic links");
  }

  private static List<String> components(String path) {
    if (path.indexOf('\0') >= 0) {
      throw new ContainerRuntimeException("invalid path " + path.replace('\0', '?') + ": contains NUL");
    }
    return List.of(path.split("/", -1));
  }

  private static Path join(Path base, List<String> names) {
    Path p = base;
    for (String name : names) {
      p = p.resolve(name);
    }
    return p;
  }
}
