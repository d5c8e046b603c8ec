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
      join("/r/ns/s/net"), join("/r/ns/s/ipc"), join("/r/ns/s/uts"), new RuntimeSpec.Namespace.Private(),
      Path.of("/d/s/hosts"), Path.of("/d/s/hostname"), Path.of("/d/s/resolv.conf"), Path.of("/d/s/shm"),
      "/j8s-1234abcd/podu1/c1", new HostLimits(Map.of("RLIMIT_NOFILE", 20000L)), Map.of());

  static RuntimeSpec.Namespace join(String path) {
    return new RuntimeSpec.Namespace.Join(Path.of(path));
  }

  static RuntimeSpec.Context hostNamespaces(boolean network, boolean pid, boolean ipc, Map<String, String> sysctls) {
    RuntimeSpec.Namespace host = new RuntimeSpec.Namespace.Host();
    return new RuntimeSpec.Context(CONTEXT.rootfs(), CONTEXT.hostname(), network ? host : CONTEXT.network(),
        ipc ? host : CONTEXT.ipc(), network ? host : CONTEXT.uts(), pid ? host : CONTEXT.pid(), CONTEXT.etcHosts(),
        CONTEXT.etcHostname(), CONTEXT.etcResolvConf(), ipc ? Path.of("/dev/shm") : CONTEXT.shm(),
        CONTEXT.cgroupsPath(), CONTEXT.limits(), sysctls);
  }

  static ContainerConfig.Security security(boolean privileged, List<String> add, List<String> drop,
      boolean noNewPrivileges, ContainerConfig.Seccomp seccomp) {
    return new ContainerConfig.Security(privileged, add, drop, noNewPrivileges, seccomp, Optional.empty());
  }

  static ContainerConfig config() {
    return ContainerConfig.of("app", "busybox", List.of(Path.of("/l/1")), List.of("sh", "-c", "echo hi"),
        Path.of("/logs/app/0.log"));
  }

  @Test
  void processCarriesArgsEnvUserAndTheDefaultCapabilities() {
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
    assertThat(process.get("noNewPrivileges").asBoolean())
        .as("no_new_privs only for allowPrivilegeEscalation: false, as upstream").isFalse();
    assertThat(process.has("oomScoreAdj")).isFalse();
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

  @Test
  void dropAllLeavesNoCapabilityAndSingleAdditionsFollow() {
    JsonNode caps = RuntimeSpec.build(config().withSecurity(security(false, List.of("NET_ADMIN"), List.of("ALL"),
        true, new ContainerConfig.Seccomp.Unconfined())), CONTEXT).at("/process/capabilities");

    for (String set : List.of("bounding", "effective", "permitted")) {
      assertThat(texts(caps.get(set))).as(set).containsExactly("CAP_NET_ADMIN");
    }
    assertThat(caps.has("inheritable")).isFalse();
  }

  @Test
  void addedAndDroppedCapabilitiesChangeTheDefaultSet() {
    JsonNode caps = RuntimeSpec.build(config().withSecurity(security(false, List.of("net_admin", "SYS_TIME"),
        List.of("NET_RAW", "CAP_CHOWN"), false, new ContainerConfig.Seccomp.Unconfined())), CONTEXT)
        .at("/process/capabilities/effective");

    assertThat(texts(caps)).contains("CAP_NET_ADMIN", "CAP_SYS_TIME", "CAP_KILL")
        .doesNotContain("CAP_NET_RAW", "CAP_CHOWN").hasSize(14);
  }

  @Test
  void aPrivilegedContainerGetsEveryCapabilityDeviceAndWritableSysWithoutMasksOrSeccomp() {
    JsonNode spec = RuntimeSpec.build(config().withSecurity(security(true, List.of(), List.of("ALL"), false,
        new ContainerConfig.Seccomp.RuntimeDefault())), CONTEXT);

    assertThat(texts(spec.at("/process/capabilities/effective"))).containsExactlyElementsOf(Capabilities.all())
        .contains("CAP_SYS_ADMIN");
    assertThat(spec.at("/linux").has("maskedPaths")).isFalse();
    assertThat(spec.at("/linux").has("readonlyPaths")).isFalse();
    assertThat(spec.at("/linux").has("seccomp")).isFalse();
    assertThat(spec.at("/linux/resources/devices/0/allow").asBoolean()).isTrue();
    assertThat(texts(spec.at("/linux/devices").findValues("path"))).contains("/dev/null");
    assertThat(spec.at("/mounts/4/options").toString()).contains("\"rw\"");
  }

  @Test
  void runtimeDefaultSeccompIsContainerdsProfileForTheContainersCapabilities() {
    JsonNode seccomp = RuntimeSpec.build(config().withSecurity(security(false, List.of(), List.of(), false,
        new ContainerConfig.Seccomp.RuntimeDefault())), CONTEXT).at("/linux/seccomp");

    assertThat(seccomp.get("defaultAction").asText()).isEqualTo("SCMP_ACT_ERRNO");
    assertThat(texts(seccomp.get("architectures"))).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
        "SCMP_ARCH_X32");
    List<String> allowed = texts(seccomp.at("/syscalls/0/names"));
    assertThat(allowed).contains("read", "write", "execve", "openat").doesNotContain("mount", "unshare", "reboot")
        .hasSize(363);
    String rules = seccomp.get("syscalls").toString();
    assertThat(rules).contains("\"chroot\"").doesNotContain("\"bpf\"");
    assertThat(rules).contains("{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}");
    assertThat(rules).contains("{\"index\":0,\"value\":38,\"op\":\"SCMP_CMP_LT\"}");
  }

  @Test
  void runtimeDefaultSeccompWithSysAdminAllowsMountAndCloneFreely() {
    JsonNode seccomp = RuntimeSpec.build(config().withSecurity(security(false, List.of("SYS_ADMIN"), List.of(),
        false, new ContainerConfig.Seccomp.RuntimeDefault())), CONTEXT).at("/linux/seccomp");

    String rules = seccomp.get("syscalls").toString();
    assertThat(rules).contains("\"mount\"", "\"unshare\"", "\"setns\"").doesNotContain("errnoRet");
  }

  @Test
  void aLocalhostProfileIsReadFromItsFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path profile = dir.resolve("audit.json");
    java.nio.file.Files.writeString(profile, "{\"defaultAction\":\"SCMP_ACT_LOG\"}");

    JsonNode seccomp = RuntimeSpec.build(config().withSecurity(security(false, List.of(), List.of(), false,
        new ContainerConfig.Seccomp.Localhost(profile))), CONTEXT).at("/linux/seccomp");

    assertThat(seccomp.toString()).isEqualTo("{\"defaultAction\":\"SCMP_ACT_LOG\"}");
  }

  @Test
  void aMissingLocalhostProfileIsAnErrorNamingIt(@org.junit.jupiter.api.io.TempDir Path dir) {
    Path profile = dir.resolve("absent.json");

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RuntimeSpec.build(config().withSecurity(security(false,
        List.of(), List.of(), false, new ContainerConfig.Seccomp.Localhost(profile))), CONTEXT))
        .isInstanceOf(dev.j8s.runtime.ContainerRuntimeException.class)
        .hasMessage("cannot load seccomp profile \"" + profile + "\": open " + profile
            + ": no such file or directory");
  }

  @Test
  void noNewPrivilegesAndOomScoreAdjAreSetWhenAsked() {
    JsonNode process = RuntimeSpec.build(config().withSecurity(security(false, List.of(), List.of(), true,
        new ContainerConfig.Seccomp.Unconfined())).withResources(ContainerConfig.Resources.NONE.withOomScoreAdj(-997)),
        CONTEXT).get("process");

    assertThat(process.get("noNewPrivileges").asBoolean()).isTrue();
    assertThat(process.get("oomScoreAdj").asInt()).isEqualTo(-997);
  }

  @Test
  void hostNamespacesAreLeftOutAndTheHostnameWithTheHostsUts() {
    JsonNode spec = RuntimeSpec.build(config(), hostNamespaces(true, true, true, Map.of()));

    List<String> rendered = new ArrayList<>();
    spec.at("/linux/namespaces").forEach(ns -> rendered.add(ns.get("type").asText()));
    assertThat(rendered).containsExactly("mount");
    assertThat(spec.has("hostname")).isFalse();
    assertThat(spec.get("mounts").findParents("destination").stream()
        .filter(m -> m.get("destination").asText().equals("/dev/shm")).findFirst().orElseThrow()
        .get("source").asText()).isEqualTo("/dev/shm");
  }

  @Test
  void theSandboxSysctlsAreSetInTheContainer() {
    JsonNode linux = RuntimeSpec.build(config(), hostNamespaces(false, false, false,
        Map.of("net.ipv4.ip_unprivileged_port_start", "0", "kernel.shm_rmid_forced", "1"))).get("linux");

    assertThat(linux.get("sysctl").toString())
        .isEqualTo("{\"kernel.shm_rmid_forced\":\"1\",\"net.ipv4.ip_unprivileged_port_start\":\"0\"}");
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
