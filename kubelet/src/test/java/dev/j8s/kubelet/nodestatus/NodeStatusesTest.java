package dev.j8s.kubelet.nodestatus;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeStatus;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeStatusesTest {

  static final HostFacts FACTS = new HostFacts("box", "192.168.1.10", 4, 8L * 1024 * 1024 * 1024,
      4L * 1024 * 1024 * 1024, 100L * 1024 * 1024 * 1024, 50L * 1024 * 1024 * 1024, "mid", "uuid", "boot",
      "6.1.0-18-amd64", "Debian GNU/Linux 12 (bookworm)", "amd64", "runc://1.1.12");
  static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");

  private static NodeCondition condition(NodeStatus s, String type) {
    return s.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
  }

  @Test
  void aHealthyNodeReportsUpstreamReasonsAndMessages() {
    NodeStatus s = NodeStatuses.status(Optional.empty(), FACTS, "v1.32.0", 10250, NodeStatuses.Health.ready(), NOW);
    assertThat(s.getConditions()).extracting(NodeCondition::getType)
        .containsExactly("MemoryPressure", "DiskPressure", "PIDPressure", "Ready");
    assertThat(condition(s, "Ready").getReason()).isEqualTo("KubeletReady");
    assertThat(condition(s, "Ready").getMessage()).isEqualTo("kubelet is posting ready status");
    assertThat(condition(s, "MemoryPressure").getReason()).isEqualTo("KubeletHasSufficientMemory");
    assertThat(condition(s, "MemoryPressure").getMessage()).isEqualTo("kubelet has sufficient memory available");
    assertThat(condition(s, "DiskPressure").getReason()).isEqualTo("KubeletHasNoDiskPressure");
    assertThat(condition(s, "DiskPressure").getMessage()).isEqualTo("kubelet has no disk pressure");
    assertThat(condition(s, "PIDPressure").getReason()).isEqualTo("KubeletHasSufficientPID");
    assertThat(condition(s, "PIDPressure").getMessage()).isEqualTo("kubelet has sufficient PID available");
    assertThat(condition(s, "Ready").getLastHeartbeatTime()).isEqualTo("2025-03-01T12:00:00Z");
  }

  @Test
  void capacityComesFromTheMachineAndAllocatableLeavesTheEvictionReserve() {
    NodeStatus s = NodeStatuses.status(Optional.empty(), FACTS, "v1.32.0", 10250, NodeStatuses.Health.ready(), NOW);
    assertThat(s.getCapacity().get("cpu").toString()).isEqualTo("4");
    assertThat(s.getCapacity().get("memory").toString()).isEqualTo("8388608Ki");
    assertThat(s.getCapacity().get("pods").toString()).isEqualTo("110");
    assertThat(s.getCapacity().get("ephemeral-storage").toString()).isEqualTo("104857600Ki");
    assertThat(s.getAllocatable().get("memory").toString()).isEqualTo("8286208Ki");
    assertThat(s.getAllocatable().get("ephemeral-storage").toString()).isEqualTo("96636764160");
    assertThat(s.getNodeInfo().getContainerRuntimeVersion()).isEqualTo("runc://1.1.12");
    assertThat(s.getNodeInfo().getKubeletVersion()).isEqualTo("v1.32.0");
    assertThat(s.getAddresses()).extracting(a -> a.getType() + "=" + a.getAddress())
        .containsExactly("InternalIP=192.168.1.10", "Hostname=box");
    assertThat(s.getDaemonEndpoints().getKubeletEndpoint().getPort()).isEqualTo(10250);
  }

  @Test
  void pressureAndNotReadyAreReported() {
    HostFacts tight = new HostFacts("box", "192.168.1.10", 4, 8L << 30, 50L << 20, 100L << 30, 5L << 30,
        "m", "u", "b", "k", "os", "amd64", "runc://1.1.12");
    NodeStatus s = NodeStatuses.status(Optional.empty(), tight, "v1.32.0", 10250,
        new NodeStatuses.Health(false, "container runtime is down",
            java.util.Set.of("MemoryPressure", "DiskPressure", "PIDPressure")), NOW);
    assertThat(condition(s, "MemoryPressure").getReason()).isEqualTo("KubeletHasInsufficientMemory");
    assertThat(condition(s, "DiskPressure").getReason()).isEqualTo("KubeletHasDiskPressure");
    assertThat(condition(s, "PIDPressure").getReason()).isEqualTo("KubeletHasInsufficientPID");
    assertThat(condition(s, "PIDPressure").getMessage()).isEqualTo("kubelet has insufficient PID available");
    assertThat(condition(s, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(s, "Ready").getReason()).isEqualTo("KubeletNotReady");
    assertThat(condition(s, "Ready").getMessage()).isEqualTo("container runtime is down");
  }

  @Test
  void transitionsAreKeptAndOnlyHeartbeatsDoNotCountAsAChange() {
    NodeStatus first = NodeStatuses.status(Optional.empty(), FACTS, "v1.32.0", 10250, NodeStatuses.Health.ready(), NOW);
    NodeStatus second = NodeStatuses.status(Optional.of(first), FACTS, "v1.32.0", 10250, NodeStatuses.Health.ready(),
        NOW.plusSeconds(10));
    assertThat(condition(second, "Ready").getLastTransitionTime()).isEqualTo("2025-03-01T12:00:00Z");
    assertThat(condition(second, "Ready").getLastHeartbeatTime()).isEqualTo("2025-03-01T12:00:10Z");
    assertThat(NodeStatuses.changed(first, second)).isFalse();
    NodeStatus down = NodeStatuses.status(Optional.of(second), FACTS, "v1.32.0", 10250,
        new NodeStatuses.Health(false, "x"), NOW.plusSeconds(20));
    assertThat(NodeStatuses.changed(second, down)).isTrue();
    assertThat(condition(down, "Ready").getLastTransitionTime()).isEqualTo("2025-03-01T12:00:20Z");
  }

  @Test
  void theNodeCarriesTheWellKnownLabels() {
    Node node = NodeStatuses.node("box", FACTS, "v1.32.0", 10250, NodeStatuses.Health.ready(), NOW);
    assertThat(node.getMetadata().getLabels()).containsEntry("kubernetes.io/hostname", "box")
        .containsEntry("kubernetes.io/os", "linux").containsEntry("kubernetes.io/arch", "amd64");
  }

  @Test
  void hostFactsAreParsedFromProcAndRunc() {
    assertThat(HostFacts.meminfoBytes("MemTotal:       16318412 kB\nMemAvailable:    1000 kB\n", "MemAvailable"))
        .isEqualTo(1024000);
    assertThat(HostFacts.parseRuncVersion("runc version 1.1.12\ncommit: v1.1.12-0-g51d5e94\nspec: 1.0.2-dev\n"))
        .isEqualTo("1.1.12");
    assertThat(HostFacts.parseRuncVersion("nonsense")).isEqualTo("unknown");
    assertThat(HostFacts.osImage("NAME=x\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"))
        .isEqualTo("Debian GNU/Linux 12 (bookworm)");
    assertThat(HostFacts.runcVersion("/nonexistent/runc")).isEqualTo("unknown");
  }
}
