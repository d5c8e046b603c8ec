package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.runtime.ContainerRuntimeException;
import dev.j8s.runtime.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Namespaces}: new namespaces pinned on files, and the JVM's own threads stay where they were (needs root). */
class NamespacesIT {
  Path dir;

  @BeforeEach
  void privateMountDir() throws IOException {
    dir = NamespaceFiles.create("j8s-ns-it-");
  }

  @AfterEach
  void unmount() {
    NamespaceFiles.remove(dir);
  }

  @Test
  void newNamespacesArePinnedOnTheFilesAndNoThreadOfThisProcessMoves() throws IOException {
    assertThat(Namespaces.available()).isTrue();
    long net = inode(Path.of("/proc/thread-self/ns/net"));
    long selfNet = inode(Path.of("/proc/self/ns/net"));

    Namespaces.create(java.util.Map.of("net", dir.resolve("net"), "ipc", dir.resolve("ipc"), "uts", dir.resolve("uts")));

    for (String type : NamespaceFiles.TYPES) {
      assertThat(inode(dir.resolve(type))).as(type).isNotEqualTo(inode(Path.of("/proc/self/ns/" + type)));
    }
    assertThat(inode(Path.of("/proc/thread-self/ns/net"))).isEqualTo(net);
    assertThat(inode(Path.of("/proc/self/ns/net"))).isEqualTo(selfNet);
    // the pinned network namespace is a real, empty one: only its own loopback, down
    String links = ProcessRunner.run(List.of("nsenter", "--net=" + dir.resolve("net"), "ip", "-o", "link"),
        Duration.ofSeconds(10)).orThrow("ip link in the new namespace").stdoutText();
    assertThat(links.strip().lines()).singleElement().asString().contains("lo:").contains("state DOWN");
  }

  @Test
  void aTargetThatIsNotThereIsAnErrorNamingTheBindMount() {
    Path missing = dir.resolve("absent");
    assertThatThrownBy(() -> Namespaces.create(java.util.Map.of("net", missing, "ipc", dir.resolve("ipc"), "uts", dir.resolve("uts"))))
        .isInstanceOf(ContainerRuntimeException.class)
        .hasMessageContaining("bind /proc/thread-self/ns/")
        .hasMessageContaining("No such file or directory");
  }

  private static long inode(Path path) throws IOException {
    return (long) Files.getAttribute(path, "unix:ino");
  }
}
