package dev.j8s.runtime.conmon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.ContainerConfig;
import dev.j8s.runtime.ContainerState;
import dev.j8s.runtime.PodSandboxConfig;
import dev.j8s.runtime.PodSandboxConfig.PortMapping;
import dev.j8s.runtime.PodSandboxStatus;
import dev.j8s.runtime.oci.Mounts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Network namespaces made ahead of demand against real namespaces and CNI plugins: a fresh instance per test, whose
 * bridge, namespaces, addresses and mounts are checked gone afterwards.
 */
class NetworkPoolIT {
  RuntimeInstance instance;
  ConmonRuntime runtime;
  Path layer;

  @BeforeEach
  void setUp() throws IOException {
    instance = RuntimeInstance.start("j8s-pool-it-", RuntimeInstance.podCidr(71));
    runtime = instance.runtime();
    layer = instance.busybox();
  }

  @AfterEach
  void tearDown() {
    runtime.closeNetworkPool();
    instance.removeSandboxes();
    instance.assertNothingLeft();
    assertThat(poolIds()).isEmpty();
    assertThat(reservations()).as("host-local reservations").isEmpty();
    instance.destroy();
  }

  @Test
  void aSandboxTakesAReadyNamespaceWithItsAddressAndThePoolRefillsToItsSizeNoMore() throws Exception {
    runtime.startNetworkPool(2);
    await(() -> readyNamespaces() == 2, "two namespaces ready");
    List<String> before = poolIds();
    assertThat(before).hasSize(2);
    assertThat(reservations()).containsOnlyKeys(before);

    String sandbox = runtime.runPodSandbox(pod("taken", List.of()));

    assertThat(before).contains(sandbox);
    PodSandboxStatus status = runtime.podSandboxStatus(sandbox);
    assertThat(status.state()).isEqualTo(PodSandboxStatus.State.READY);
    assertThat(status.ips()).hasSize(1);
    String ip = status.ips().getFirst();
    assertThat(reservations()).containsEntry(sandbox, ip);
    assertThat(Files.readString(sandboxDir(sandbox).resolve("hosts"))).contains(ip + "\ttaken-host\n");
    Path log = instance.base().resolve("logs/taken/0.log");
    String id = runtime.createContainer(sandbox, container("taken", log,
        "sh", "-c", "ip -4 -o addr show eth0; hostname; grep taken-host /etc/hosts"));
    runtime.startContainer(id);
    await(() -> runtime.containerStatus(id).state() instanceof ContainerState.Exited, "container exited");
    assertThat(((ContainerState.Exited) runtime.containerStatus(id).state()).exitCode()).isZero();
    assertThat(Files.readString(log)).contains("inet " + ip + "/").contains("stdout F taken-host")
        .contains(ip + "\ttaken-host");

    await(() -> readyNamespaces() == 2, "the pool refilled");
    List<String> after = poolIds();
    assertThat(after).hasSize(2).doesNotContain(sandbox);
    for (int i = 0; i < 20; i++) {
      assertThat(poolIds()).as("never more than its size").hasSize(2);
      Thread.sleep(10);
    }

    runtime.stopPodSandbox(sandbox);
    runtime.removePodSandbox(sandbox);
    assertThat(reservations()).as("the taken sandbox's teardown released its address").doesNotContainKey(sandbox)
        .containsOnlyKeys(after);
  }

  @Test
  void aPodWithHostPortsMakesItsOwnNamespaceAndLeavesThePoolAlone() throws Exception {
    runtime.startNetworkPool(1);
    await(() -> readyNamespaces() == 1, "one namespace ready");
    List<String> before = poolIds();

    String sandbox = runtime.runPodSandbox(pod("ports", List.of(new PortMapping(PodSandboxConfig.Protocol.TCP, 8080,
        20000 + (int) (ProcessHandle.current().pid() % 10000), ""))));
    assertThat(runtime.podSandboxIps(sandbox)).hasSize(1);

    assertThat(before).doesNotContain(sandbox);
    assertThat(poolIds()).isEqualTo(before);
  }

  @Test
  void closingReleasesTheUntakenNamespacesAndTheirAddresses() throws Exception {
    runtime.startNetworkPool(2);
    await(() -> readyNamespaces() == 2, "two namespaces ready");
    List<Path> nets = poolIds().stream().map(id -> netFile(id)).toList();
    assertThat(nets).allMatch(Mounts::isMountPoint);

    runtime.closeNetworkPool();

    assertThat(poolIds()).isEmpty();
    assertThat(reservations()).isEmpty();
    assertThat(nets).noneMatch(Mounts::isMountPoint);
    assertThat(nets).noneMatch(Files::exists);
  }

  @Test
  void namespacesLeftByAKilledProcessAreReleasedAtTheNextStartAndOwnedOnesKept() throws Exception {
    runtime.startNetworkPool(2);
    await(() -> readyNamespaces() == 2, "two namespaces ready");
    // a process killed after taking one (its sandbox record written, its marker not yet removed) ...
    String sandbox = runtime.runPodSandbox(pod("owned", List.of()));
    await(() -> readyNamespaces() == 2, "the pool refilled");
    Files.createFile(markersDir().resolve(sandbox));
    // ... and while making one: its marker and namespace exist, its CNI ADD never ran
    String halfMade = "ab".repeat(32);
    Files.createFile(markersDir().resolve(halfMade));
    Files.createDirectories(netFile(halfMade).getParent());
    Files.createFile(netFile(halfMade));
    Namespaces.create(Map.of("net", netFile(halfMade)));
    List<String> left = poolIds().stream().filter(id -> !id.equals(sandbox)).toList();
    assertThat(left).hasSize(3).contains(halfMade);

    // the killed process's instance is dropped without a close; a new process starts the pool anew
    ConmonRuntime next = new ConmonRuntime(instance.config());
    next.startNetworkPool(1);
    try {
      assertThat(left).noneMatch(id -> Files.exists(netFile(id)));
      assertThat(reservations()).doesNotContainKeys(left.toArray(String[]::new));
      assertThat(reservations()).containsKey(sandbox);
      assertThat(next.listPodSandboxes()).extracting(PodSandboxStatus::id).containsExactly(sandbox);
      await(() -> poolIds().size() == 1 && reservations().size() == 2, "the new pool made its one namespace");
    } finally {
      next.closeNetworkPool();
    }
    assertThat(reservations()).containsOnlyKeys(sandbox);
  }

  @Test
  void destroyingTheInstanceFromAnotherProcessReleasesTheNamespacesOfAKilledOne() throws Exception {
    runtime.startNetworkPool(2);
    await(() -> readyNamespaces() == 2, "two namespaces ready");
    List<Path> nets = poolIds().stream().map(id -> netFile(id)).toList();

    // j8s reset after a kill -9 of the server: a runtime of its own, whose pool never started
    new ConmonRuntime(instance.config()).destroy();

    assertThat(poolIds()).isEmpty();
    assertThat(nets).noneMatch(Mounts::isMountPoint);
    assertThat(Mounts.mountPoints()).noneMatch(m -> m.startsWith(instance.base().toString()));
    assertThat(Path.of("/sys/class/net", instance.config().bridgeName())).doesNotExist();
    runtime = new ConmonRuntime(instance.config()); // the destroyed instance made anew for the checks after the test
  }

  private PodSandboxConfig pod(String name, List<PortMapping> ports) {
    return new PodSandboxConfig(name, "default", UUID.randomUUID().toString(), 0, name + "-host",
        PodSandboxConfig.DnsConfig.NONE, ports, false, Map.of(), Map.of());
  }

  private ContainerConfig container(String name, Path log, String... args) {
    return ContainerConfig.of(name, "busybox", List.of(layer), List.of(args), log);
  }

  /** The namespaces of the pool with their CNI ADD done (its result cached after the last plugin) and no sandbox yet. */
  private long readyNamespaces() {
    Path results = instance.config().dataDir().resolve("cni/results");
    return poolIds().stream().filter(id -> Files.exists(results.resolve(id + ".json")))
        .filter(id -> !Files.exists(sandboxDir(id))).count();
  }

  private Path markersDir() {
    return instance.config().dataDir().resolve("netpool");
  }

  private Path sandboxDir(String id) {
    return instance.config().dataDir().resolve("sandboxes").resolve(id);
  }

  private Path netFile(String id) {
    return instance.config().runDir().resolve("ns").resolve(id).resolve("net");
  }

  private List<String> poolIds() {
    return list(markersDir()).stream().map(p -> p.getFileName().toString()).toList();
  }

  /** host-local's reservations of the instance's network: container id to address. */
  private Map<String, String> reservations() {
    Map<String, String> out = new java.util.HashMap<>();
    Path dir = instance.config().dataDir().resolve("cni/ipam").resolve(instance.config().networkName());
    for (Path file : list(dir)) {
      String name = file.getFileName().toString();
      if (!name.matches("[0-9.]+")) {
        continue; // last_reserved_ip.0, the lock
      }
      try {
        out.put(Files.readString(file).lines().findFirst().orElse("").strip(), name);
      } catch (IOException e) {
        // released meanwhile
      }
    }
    return out;
  }

  private static List<Path> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return new ArrayList<>(files.sorted().toList());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(10);
    }
  }
}
