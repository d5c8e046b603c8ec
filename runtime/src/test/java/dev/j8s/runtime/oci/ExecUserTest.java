package dev.j8s.runtime.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.ContainerRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ExecUserTest {
  static final String PASSWD = """
      root:x:0:0:root:/root:/bin/sh
      # a comment
      broken:x:notanumber:1:b:/b:/bin/sh
      short:x:5
      huge:x:99999999999:1:h:/h:/bin/sh
      app:x:1000:1000:app:/home/app:/bin/sh
      nobody:x:65534:65534:nobody:/nonexistent:/bin/false
      nohome:x:1001:1001:nohome::/bin/sh
      app:x:2000:2000:second app entry:/other:/bin/sh
      """;
  static final String GROUP = """
      root:x:0:
      wheel:x:10:root,app
      app:x:1000:app
      staff:x:50: nohome , app
      bad:x:x:app
      nogroup:x:65534:
      """;

  @TempDir
  Path root;

  @BeforeEach
  void files() throws IOException {
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/passwd"), PASSWD);
    Files.writeString(root.resolve("etc/group"), GROUP);
  }

  record Case(String user, List<Long> supplemental, long uid, long gid, List<Long> groups, String home) {}

  static List<Case> cases() {
    return List.of(
        new Case("app", List.of(), 1000, 1000, List.of(1000L, 10L, 50L), "/home/app"),
        new Case("app:staff", List.of(), 1000, 50, List.of(50L, 10L), "/home/app"),
        new Case("app:7", List.of(), 1000, 7, List.of(7L, 10L, 50L), "/home/app"),
        new Case("1000", List.of(), 1000, 1000, List.of(1000L, 10L, 50L), "/home/app"),
        new Case("1000:staff", List.of(3000L), 1000, 50, List.of(50L, 10L, 3000L), "/home/app"),
        new Case("4242", List.of(3000L), 4242, 0, List.of(0L, 3000L), "/"),
        new Case("4242:4343", List.of(), 4242, 4343, List.of(4343L), "/"),
        new Case("nobody", List.of(65534L), 65534, 65534, List.of(65534L), "/nonexistent"),
        new Case("nohome", List.of(), 1001, 1001, List.of(1001L, 50L), "/"),
        new Case("root", List.of(), 0, 0, List.of(0L, 10L), "/root"));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void userFormsResolveAsRuncAndContainerdDo(Case c) {
    ExecUser user = ExecUser.resolve(root, ContainerConfig.User.lookup(
        ContainerConfig.Lookup.parse(c.user()).user(), ContainerConfig.Lookup.parse(c.user()).group(),
        c.supplemental()));

    assertThat(user).isEqualTo(new ExecUser(c.uid(), c.gid(), c.groups(), c.home()));
  }

  @Test
  void anUnknownUserNameIsWordedAsRunc() {
    assertThatThrownBy(() -> ExecUser.resolve(root, ContainerConfig.User.lookup("nosuch", Optional.empty(),
        List.of()))).isInstanceOf(ContainerRuntimeException.class)
        .hasMessage("unable to find user nosuch: no matching entries in passwd file");
    assertThatThrownBy(() -> ExecUser.resolve(root, ContainerConfig.User.lookup("app", Optional.of("nosuch"),
        List.of()))).hasMessage("unable to find group nosuch: no matching entries in group file");
  }

  @Test
  void malformedLinesNeverMatch() {
    assertThatThrownBy(() -> ExecUser.resolve(root, ContainerConfig.User.lookup("broken", Optional.empty(),
        List.of()))).hasMessage("unable to find user broken: no matching entries in passwd file");
    assertThatThrownBy(() -> ExecUser.resolve(root, ContainerConfig.User.lookup("app", Optional.of("bad"),
        List.of()))).hasMessage("unable to find group bad: no matching entries in group file");
    assertThatThrownBy(() -> ExecUser.resolve(root, ContainerConfig.User.lookup("huge", Optional.empty(),
        List.of()))).hasMessage("unable to find user huge: no matching entries in passwd file");
    assertThatThrownBy(() -> ExecUser.resolve(root, ContainerConfig.User.lookup("2147483648", Optional.empty(),
        List.of()))).hasMessage("uids and gids must be in range 0-2147483647: 2147483648");
  }

  @Test
  void withoutPasswdFileANameFailsAndANumberRunsAsIs() throws IOException {
    Files.delete(root.resolve("etc/passwd"));
    Files.delete(root.resolve("etc/group"));

    assertThatThrownBy(() -> ExecUser.resolve(root, ContainerConfig.User.lookup("app", Optional.empty(),
        List.of()))).hasMessage("unable to find user app: no matching entries in passwd file");
    assertThat(ExecUser.resolve(root, ContainerConfig.User.lookup("1000", Optional.empty(), List.of(5L))))
        .isEqualTo(new ExecUser(1000, 0, List.of(0L, 5L), "/"));
  }

  @Test
  void aPasswdSymlinkedToAHostFileIsReadInsideTheRoot() throws IOException {
    Path hostShadow = Files.writeString(root.getParent().resolve("host-shadow-" + root.getFileName()),
        "evil:x:0:0:evil:/:/bin/sh\n");
    try {
      Files.delete(root.resolve("etc/passwd"));
      Files.createSymbolicLink(root.resolve("etc/passwd"), hostShadow);

      assertThatThrownBy(() -> ExecUser.resolve(root, ContainerConfig.User.lookup("evil", Optional.empty(),
          List.of()))).hasMessage("unable to find user evil: no matching entries in passwd file");
      Path inRoot = root.resolve(hostShadow.toString().substring(1));
      Files.createDirectories(inRoot.getParent());
      Files.writeString(inRoot, "evil:x:4000:4001:in-root evil:/evil:/bin/sh\n");
      assertThat(ExecUser.resolve(root, ContainerConfig.User.lookup("evil", Optional.empty(), List.of())))
          .isEqualTo(new ExecUser(4000, 4001, List.of(4001L), "/evil"));
    } finally {
      Files.delete(hostShadow);
    }
  }

  @Test
  void aPasswdThatIsNotARegularFileFailsFast() throws IOException {
    Files.delete(root.resolve("etc/passwd"));
    new ProcessBuilder("mkfifo", root.resolve("etc/passwd").toString()).start().onExit().join();

    assertThatThrownBy(() -> ExecUser.resolve(root, ContainerConfig.User.lookup("app", Optional.empty(),
        List.of()))).hasMessageEndingWith("/etc/passwd in " + root + ": not a regular file");
  }

  @Test
  void aNumericUserWithoutLookupIsUsedAsGiven() {
    assertThat(ExecUser.resolve(root, new ContainerConfig.User(1000, 7, List.of(8L))))
        .isEqualTo(new ExecUser(1000, 7, List.of(8L), "/"));
  }

  @Test
  void lookupParsesTheImageUserForms() {
    assertThat(ContainerConfig.Lookup.parse("app")).isEqualTo(new ContainerConfig.Lookup("app", Optional.empty()));
    assertThat(ContainerConfig.Lookup.parse("1000:staff"))
        .isEqualTo(new ContainerConfig.Lookup("1000", Optional.of("staff")));
    assertThat(ContainerConfig.Lookup.parse(":staff")).isEqualTo(new ContainerConfig.Lookup("0", Optional.of("staff")));
    assertThat(ContainerConfig.Lookup.parse("app:")).isEqualTo(new ContainerConfig.Lookup("app", Optional.empty()));
    assertThatThrownBy(() -> ContainerConfig.Lookup.parse("a:b:c")).hasMessageStartingWith("invalid group \"b:c\"");
    assertThatThrownBy(() -> ContainerConfig.Lookup.parse("a b")).hasMessageStartingWith("invalid user \"a b\"");
  }
}
