package dev.j8s.runtime.conmon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** A one-layer rootfs made from Debian's busybox-static binary, so tests need no registry. */
final class BusyboxRootfs {
  static final List<String> APPLETS = List.of("sh", "echo", "sleep", "cat", "wget", "ip", "nc", "httpd",
      "hostname", "id", "ls", "mkdir", "seq", "head", "tr", "grep", "printf", "true", "false", "ps", "setsid");

  private BusyboxRootfs() {}

  static Path create(Path dir) throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
    for (String applet : APPLETS) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    for (String sub : List.of("etc", "tmp", "proc", "sys", "dev")) {
      Files.createDirectories(dir.resolve(sub));
    }
    Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"
        + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    Files.writeString(dir.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
    return dir;
  }
}
