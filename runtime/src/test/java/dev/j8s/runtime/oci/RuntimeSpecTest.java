package dev.j8s.runtime.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.runtime.ContainerConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RuntimeSpecTest {
  static final RuntimeSpec.Context CONTEXT = new RuntimeSpec.Context(Path.of("/d/c/rootfs"), "web-0",
      Path.of("/r/ns/s/net"), Path.of("/r/ns/s/ipc"), Path.of("/r/ns/s/uts"), Optional.empty(),
      Path.of("/d/s/hosts"), Path.of("/d/s/hostname"), Path.of("/d/s/resolv.conf"), Path.of("/d/s/shm"),
      "/j8s-1234abcd/podu1/c1", new HostLimits(Map.of("RLIMIT_NOFILE", 20000L)));

  static ContainerConfig config() {
    return ContainerConfig.of("app", "busybox", List.of(Path.of("/l/1")), List.of("sh", "-c", "echo hi"),
        Path.of("/logs/app/0.log"));
  }

  @Test
  void processCarriesArgsEnvUserAndNoNewPrivileges() {
    JsonNode process = RuntimeSpec.build(config().withEnv(List.of("A=1"))
        .withUser(new ContainerConfig.User(1000, 2000, List.of(3000L))), CONTEXT).get("process");

    assertThat(process.get("terminal").asBoolean()).isFalse();
    assertThat(texts(process.get("args"))).containsExactly("sh", "-c", "echo hi");
    assertThat(texts(process.get("env"))).containsExactly(
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=web-0", "A=1");
    assertThat(process.at("/user/uid").asLong()).isEqualTo(1000);
    assertThat(process.at("/user/gid").asLong()).isEqualTo(2000);
    assertThat(process.at("/user/additionalGids/0").asLong()).isEqualTo(3000);
    assertThat(process.get("cwd").asText()).isEqualTo("/");
    assertThat(process.get("noNewPrivileges").asBoolean()).isTrue();
    assertThat(texts(process.at("/capabilities/bounding"))).containsExactlyElementsOf(
        RuntimeSpec.DEFAULT_CAPABILITIES).hasSize(14).doesNotContain("CAP_SYS_ADMIN");
    assertThat(process.at("/capabilities/inheritable").isMissingNode()).isTrue();
  }

  @Test
  void openFilesLimitIsCappedToTheHostHardLimit() {
    JsonNode rlimit = RuntimeSpec.build(config(), CONTEXT).at("/process/rlimits/0");

    assertThat(rlimit.get("type").asText()).isEqualTo("RLIMIT_NOFILE");
    assertThat(rlimit.get("hard").asLong()).isEqualTo(20000);
    assertThat(rlimit.get("soft").asLong()).isEqualTo(20000);
  }

  @Test
  void maskedAndReadonlyPathsAreContainerdsDefaults() {
    JsonNode linux = RuntimeSpec.build(config(), CONTEXT).get("linux");

    assertThat(texts(linux.get("maskedPaths"))).contains("/proc/kcore", "/proc/keys", "/sys/firmware",
        "/proc/scsi", "/sys/devices/virtual/powercap").hasSize(11);
    assertThat(texts(linux.get("readonlyPaths"))).containsExactly("/proc/bus", "/proc/fs", "/proc/irq",
        "/proc/sys", "/proc/sysrq-trigger");
  }

  @Test
  void podNamespacesAreJoinedByPathAndPidAndMountAreNew() {
    JsonNode namespaces = RuntimeSpec.build(config(), CONTEXT).at("/linux/namespaces");

    List<String> rendered = new ArrayList<>();
    namespaces.forEach(ns -> rendered.add(ns.get("type").asText() + "=" + ns.path("path").asText("")));
    assertThat(rendered).containsExactly("pid=", "ipc=/r/ns/s/ipc", "uts=/r/ns/s/uts", "mount=",
        "network=/r/ns/s/net");
  }

  @Test
  void mountsIncludeKernelFilesystemsAndThePodFiles() {
    JsonNode spec = RuntimeSpec.build(config(), CONTEXT);
    List<String> destinations = texts(spec.get("mounts").findValues("destination"));

    assertThat(destinations).containsExactly("/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys",
        "/sys/fs/cgroup", "/dev/shm", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf");
    assertThat(spec.at("/mounts/4/options").toString()).contains("\"ro\"");
    assertThat(spec.at("/mounts/8/source").asText()).isEqualTo("/d/s/hosts");
    assertThat(spec.at("/root/path").asText()).isEqualTo("/d/c/rootfs");
    assertThat(spec.get("hostname").asText()).isEqualTo("web-0");
  }

  @Test
  void aContainerMountAtEtcHostsReplacesThePodFile() {
    JsonNode spec = RuntimeSpec.build(config().withMounts(List.of(
        new ContainerConfig.Mount("/etc/hosts", Path.of("/kubelet/etc-hosts"), false))), CONTEXT);

    List<JsonNode> hosts = spec.get("mounts").findParents("destination").stream()
        .filter(m -> m.get("destination").asText().equals("/etc/hosts")).toList();
    assertThat(hosts).hasSize(1);
    assertThat(hosts.getFirst().get("source").asText()).isEqualTo("/kubelet/etc-hosts");
  }

  @Test
  void cgroupPathAndLimitsAreSet() {
    JsonNode linux = RuntimeSpec.build(config().withResources(new ContainerConfig.Resources(
        java.util.OptionalLong.of(512), java.util.OptionalLong.of(50_000), java.util.OptionalLong.of(100_000),
        java.util.OptionalLong.of(64 << 20), java.util.OptionalLong.of(100))), CONTEXT).get("linux");

    assertThat(linux.get("cgroupsPath").asText()).isEqualTo("/j8s-1234abcd/podu1/c1");
    assertThat(linux.at("/resources/memory/limit").asLong()).isEqualTo(64 << 20);
    assertThat(linux.at("/resources/cpu/shares").asLong()).isEqualTo(512);
    assertThat(linux.at("/resources/cpu/quota").asLong()).isEqualTo(50_000);
    assertThat(linux.at("/resources/cpu/period").asLong()).isEqualTo(100_000);
    assertThat(linux.at("/resources/pids/limit").asLong()).isEqualTo(100);
    assertThat(linux.at("/resources/devices/0/allow").asBoolean(true)).isFalse();
  }

  @Test
  void hostLimitsAreParsedFromProcLimitsSkippingUnlimited() {
    HostLimits limits = HostLimits.parse("""
        Limit                     Soft Limit           Hard Limit           Units
        Max cpu time              unlimited            unlimited            seconds
        Max processes             96551                96551                processes
        Max open files            1024                 20000                files
        """);

    assertThat(limits.hard()).containsOnly(Map.entry("RLIMIT_NPROC", 96551L), Map.entry("RLIMIT_NOFILE", 20000L));
    assertThat(limits.cap("RLIMIT_NOFILE", 1_048_576)).isEqualTo(20000);
    assertThat(limits.cap("RLIMIT_CPU", 5)).isEqualTo(5);
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  static List<String> texts(List<JsonNode> nodes) {
    return nodes.stream().map(JsonNode::asText).toList();
  }
}
