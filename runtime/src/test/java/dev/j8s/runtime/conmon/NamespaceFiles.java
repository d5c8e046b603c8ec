package dev.j8s.runtime.conmon;

import dev.j8s.runtime.oci.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A temporary directory with the empty files {@code net}, {@code ipc} and {@code uts} that namespace tests pin
 * namespaces on, and its removal with every bind mount on it. Stateless (needs root).
 */
final class NamespaceFiles {

  static final List<String> TYPES = List.of("net", "ipc", "uts");

  private NamespaceFiles() {}

  /** A new private mount directory holding an empty file per namespace type. */
  static Path create(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    Mounts.makePrivateSelfBind(dir);
    for (String type : TYPES) {
      Files.createFile(dir.resolve(type));
    }
    return dir;
  }

  /** Unmounts the namespaces pinned in {@code dir}, then the directory itself, and deletes it. */
  static void remove(Path dir) {
    for (String type : TYPES) {
      Mounts.unmount(dir.resolve(type));
    }
    Mounts.unmount(dir);
    ConmonRuntime.deleteTree(dir);
  }
}
