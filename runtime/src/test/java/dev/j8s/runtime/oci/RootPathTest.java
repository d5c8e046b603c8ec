package dev.j8s.runtime.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.runtime.ContainerRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootPathTest {
  @TempDir
  Path tmp;
  Path root;
  Path host;

  @BeforeEach
  void hostileTree() throws IOException {
    root = Files.createDirectories(tmp.resolve("root"));
    host = Files.createDirectories(tmp.resolve("host"));
    Files.writeString(host.resolve("shadow"), "host secret\n");
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/shadow"), "in-root shadow\n");
  }

  @Test
  void anAbsoluteSymlinkIsFollowedRelativeToTheRoot() throws IOException {
    Files.createSymbolicLink(root.resolve("etc/passwd"), Path.of("/etc/shadow"));

    assertThat(RootPath.resolve(root, "/etc/passwd")).isEqualTo(root.toRealPath().resolve("etc/shadow"));
    assertThat(RootPath.readFile(root, "/etc/passwd", 100)).hasValueSatisfying(
        b -> assertThat(new String(b)).isEqualTo("in-root shadow\n"));
  }

  @Test
  void anAbsoluteSymlinkNamingAHostPathStaysInsideTheRoot() throws IOException {
    Files.createSymbolicLink(root.resolve("etc/passwd"), host.resolve("shadow"));

    assertThat(RootPath.resolve(root, "/etc/passwd"))
        .isEqualTo(root.toRealPath().resolve(host.toString().substring(1)).resolve("shadow"));
    assertThat(RootPath.readFile(root, "/etc/passwd", 100)).isEmpty();
  }

  @Test
  void dotDotChainsAreClampedAtTheRoot() throws IOException {
    Files.createSymbolicLink(root.resolve("etc/up"), Path.of("../../../../../../host/shadow"));
    Files.createDirectories(root.resolve("host"));
    Files.writeString(root.resolve("host/shadow"), "in-root host\n");

    assertThat(RootPath.resolve(root, "/../../etc/../../etc/shadow"))
        .isEqualTo(root.toRealPath().resolve("etc/shadow"));
    assertThat(RootPath.resolve(root, "etc/up")).isEqualTo(root.toRealPath().resolve("host/shadow"));
    assertThat(new String(RootPath.readFile(root, "/etc/up", 100).orElseThrow())).isEqualTo("in-root host\n");
  }

  @Test
  void twoHopRelativeEscapesStayInside() throws IOException {
    // go-archive's TestUntarSymlinkBreakout: inner/go_up -> .., inner/go_up/escape -> ../victim
    Files.createDirectories(root.resolve("inner"));
    Files.createSymbolicLink(root.resolve("inner/go_up"), Path.of(".."));
    Files.createSymbolicLink(root.resolve("escape"), Path.of("../host"));

    assertThat(RootPath.resolve(root, "/inner/go_up/escape/shadow"))
        .isEqualTo(root.toRealPath().resolve("host/shadow"));
    assertThat(RootPath.readFile(root, "/inner/go_up/escape/shadow", 100)).isEmpty();
  }

  @Test
  void aDirectoryComponentLinkedToSlashIsTheRootItself() throws IOException {
    Files.createSymbolicLink(root.resolve("slash"), Path.of("/"));
    Files.createSymbolicLink(root.resolve("parent"), Path.of(".."));

    assertThat(RootPath.resolve(root, "/slash/etc/shadow")).isEqualTo(root.toRealPath().resolve("etc/shadow"));
    assertThat(RootPath.resolve(root, "/parent/parent/etc")).isEqualTo(root.toRealPath().resolve("etc"));
    assertThat(RootPath.resolve(root, "/slash")).isEqualTo(root.toRealPath());
  }

  @Test
  void symlinkLoopsFailLikeEloop() throws IOException {
    Files.createSymbolicLink(root.resolve("a"), Path.of("b"));
    Files.createSymbolicLink(root.resolve("b"), Path.of("/a"));
    Files.createSymbolicLink(root.resolve("self"), Path.of("self/x"));

    assertThatThrownBy(() -> RootPath.resolve(root, "/a/x"))
        .isInstanceOf(ContainerRuntimeException.class)
        .hasMessageEndingWith(": too many levels of symbolic links");
    assertThatThrownBy(() -> RootPath.mkdirs(root, "/self"))
        .hasMessageEndingWith(": too many levels of symbolic links");
  }

  @Test
  void aChainOfFortySymlinksResolvesAndFortyOneFails() throws IOException {
    Files.writeString(root.resolve("target"), "t");
    Path previous = Path.of("/target");
    for (int i = 0; i < 41; i++) {
      Files.createSymbolicLink(root.resolve("l" + i), previous);
      previous = Path.of("l" + i);
    }
    assertThat(RootPath.resolve(root, "/l39")).isEqualTo(root.toRealPath().resolve("target"));
    assertThatThrownBy(() -> RootPath.resolve(root, "/l40")).hasMessageContaining("too many levels");
  }

  @Test
  void missingComponentsAreJoinedAsGivenAndDotDotAfterThemReturnsToCheckedGround() throws IOException {
    Files.createSymbolicLink(root.resolve("etc/link"), host);

    assertThat(RootPath.resolve(root, "/no/such/file")).isEqualTo(root.toRealPath().resolve("no/such/file"));
    assertThat(RootPath.resolve(root, "/no/../etc/link/shadow"))
        .isEqualTo(root.toRealPath().resolve(host.toString().substring(1)).resolve("shadow"));
  }

  @Test
  void aFileUsedAsADirectoryIsRefused() {
    assertThatThrownBy(() -> RootPath.resolve(root, "/etc/shadow/x"))
        .hasMessageEndingWith("/etc/shadow is not a directory");
    assertThatThrownBy(() -> RootPath.mkdirs(root, "/etc/shadow"))
        .hasMessageEndingWith("/etc/shadow is not a directory");
  }

  @Test
  void mkdirsThroughASymlinkToAHostDirectoryCreatesInsideTheRoot() throws IOException {
    Files.createSymbolicLink(root.resolve("work"), host);
    Files.createSymbolicLink(root.resolve("dangling"), Path.of("/tmp/j8s-no-such-host-dir/x"));

    Path made = RootPath.mkdirs(root, "/work/app/data");
    Path dangling = RootPath.mkdirs(root, "/dangling/y");

    Path inRootHost = root.toRealPath().resolve(host.toString().substring(1));
    assertThat(made).isEqualTo(inRootHost.resolve("app/data")).isDirectory();
    assertThat(host.resolve("app")).doesNotExist();
    assertThat(dangling).isEqualTo(root.toRealPath().resolve("tmp/j8s-no-such-host-dir/x/y")).isDirectory();
    assertThat(Path.of("/tmp/j8s-no-such-host-dir")).doesNotExist();
    assertThat(RootPath.mkdirs(root, "/work/app/data")).isEqualTo(made);
  }

  @Test
  void onlyBoundedRegularFilesAreRead() throws IOException {
    Files.createDirectories(root.resolve("etc/dir"));
    Files.writeString(root.resolve("etc/big"), "x".repeat(101));
    Files.createSymbolicLink(root.resolve("etc/zero"), Path.of("/dev/zero"));
    Files.createDirectories(root.resolve("dev"));
    new ProcessBuilder("mkfifo", root.resolve("etc/fifo").toString()).start().onExit().join();

    assertThatThrownBy(() -> RootPath.readFile(root, "/etc/dir", 100)).hasMessageEndingWith("not a regular file");
    assertThatThrownBy(() -> RootPath.readFile(root, "/etc/fifo", 100)).hasMessageEndingWith("not a regular file");
    assertThatThrownBy(() -> RootPath.readFile(root, "/etc/big", 100)).hasMessageEndingWith("larger than 100 bytes");
    assertThat(RootPath.readFile(root, "/etc/zero", 100)).isEmpty();
    assertThat(RootPath.readFile(root, "/etc/big", 101)).hasValueSatisfying(b -> assertThat(b).hasSize(101));
  }
}
