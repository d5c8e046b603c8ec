package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.runtime.ContainerRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RuncTest {
  @Test
  void commandsUseTheConfiguredBinaryAndRoot() {
    assertThat(new Runc(Path.of("/usr/bin/crun"), Path.of("/run/x/runc")).command("start", "c1"))
        .containsExactly("/usr/bin/crun", "--root", "/run/x/runc", "start", "c1");
  }

  @Test
  void aFailingRuntimeRaisesExitStatus() {
    Runc runc = new Runc(Path.of("/bin/false"), Path.of("/tmp/none"));
    assertThatThrownBy(() -> runc.start("c1"))
        .isInstanceOfSatisfying(ContainerRuntimeException.CommandFailed.class,
            e -> assertThat(e.exitStatus()).isEqualTo(1))
        .hasMessageStartingWith("start container c1: /bin/false exited with status 1");
  }

  @Test
  void aSucceedingRuntimeReportsTheSignalDelivered() {
    assertThat(new Runc(Path.of("/bin/true"), Path.of("/tmp/none")).kill("c1", "SIGTERM")).isTrue();
  }

  @Test
  void hostsFileHasTheKubeletHeaderAndOneLinePerPodIp() {
    assertThat(ConmonRuntime.hosts(dev.j8s.runtime.PodSandboxConfig.of("web-0", "default", "u-1", "web-0"),
        java.util.List.of("10.244.0.5"))).isEqualTo("""
        # Kubernetes-managed hosts file.
        127.0.0.1\tlocalhost
        ::1\tlocalhost ip6-localhost ip6-loopback
        fe00::0\tip6-localnet
        fe00::0\tip6-mcastprefix
        fe00::1\tip6-allnodes
        fe00::2\tip6-allrouters
        10.244.0.5\tweb-0
        """);
  }

  @Test
  void hostsFileWithADomainHasTheFqdnFirstThenTheHostAliases() {
    var sandbox = new dev.j8s.runtime.PodSandboxConfig("web-0", "shop", "u-1", 0, "web-0.db.shop.svc.cluster.local",
        dev.j8s.runtime.PodSandboxConfig.DnsConfig.NONE, java.util.List.of(), false, java.util.Map.of(),
        java.util.Map.of(), "db.shop.svc.cluster.local", java.util.List.of(
            new dev.j8s.runtime.PodSandboxConfig.HostAlias("10.1.2.3", java.util.List.of("foo.local", "bar.local"))));
    assertThat(ConmonRuntime.hosts(sandbox, java.util.List.of("10.244.0.5"))).endsWith("""
        fe00::2\tip6-allrouters
        10.244.0.5\tweb-0.db.shop.svc.cluster.local\tweb-0

        # Entries added by HostAliases.
        10.1.2.3\tfoo.local\tbar.local
        """);
  }
}
