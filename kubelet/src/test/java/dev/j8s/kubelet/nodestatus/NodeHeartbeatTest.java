package dev.j8s.kubelet.nodestatus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.Cluster;
import dev.j8s.api.PodEvent;
import dev.j8s.api.PodSource;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class NodeHeartbeatTest {

  /** Keeps one node and one lease in memory and records the writes. */
  static final class FakeCluster implements Cluster {
    Node node;
    Lease lease;
    final List<String> calls = new ArrayList<>();

    @Override public PodSource watchPods(String nodeName, Consumer<PodEvent> handler) { throw new UnsupportedOperationException(); }
    @Override public Optional<Pod> pod(String namespace, String name) { throw new UnsupportedOperationException(); }
    @Override public Optional<Secret> secret(String namespace, String name) { throw new UnsupportedOperationException(); }
    @Override public Optional<ConfigMap> configMap(String namespace, String name) { throw new UnsupportedOperationException(); }
    @Override public Optional<io.fabric8.kubernetes.api.model.PersistentVolumeClaim> persistentVolumeClaim(String namespace, String name) { throw new UnsupportedOperationException(); }
    @Override public Optional<io.fabric8.kubernetes.api.model.PersistentVolume> persistentVolume(String name) { throw new UnsupportedOperationException(); }
    @Override public Optional<ServiceAccount> serviceAccount(String namespace, String name) { throw new UnsupportedOperationException(); }
    @Override public io.fabric8.kubernetes.api.model.authentication.TokenRequest createToken(String namespace, String serviceAccount, io.fabric8.kubernetes.api.model.authentication.TokenRequest request) { throw new UnsupportedOperationException(); }
    @Override public List<Service> services(String namespace) { throw new UnsupportedOperationException(); }
    @Override public Optional<Pod> updatePodStatus(String ns, String name, String uid, PodStatus status) { throw new UnsupportedOperationException(); }
    @Override public boolean deletePod(String namespace, String name, String uid) { throw new UnsupportedOperationException(); }
    @Override public Event createEvent(Event event) { throw new UnsupportedOperationException(); }
    @Override public Event updateEvent(Event event) { throw new UnsupportedOperationException(); }
    @Override public Optional<Node> node(String name) { return Optional.ofNullable(node); }
    @Override public Node createNode(Node n) {
      calls.add("createNode");
      node = new NodeBuilder(n).editMetadata().withUid("node-uid").endMetadata().build();
      return node;
    }
    @Override public Node updateNode(Node n) { calls.add("updateNode"); node = n; return n; }
    @Override public Node updateNodeStatus(Node n) { calls.add("updateNodeStatus"); node = n; return n; }
    @Override public Optional<Lease> lease(String nodeName) { return Optional.ofNullable(lease); }
    @Override public Lease createLease(Lease l) { calls.add("createLease"); lease = l; return l; }
    @Override public Lease updateLease(Lease l) { calls.add("updateLease"); lease = l; return l; }
    @Override public void close() { }
  }

  static final class MovingClock extends Clock {
    Instant now = Instant.parse("2025-03-01T12:00:00Z");
    @Override public ZoneId getZone() { return ZoneOffset.UTC; }
    @Override public Clock withZone(ZoneId zone) { return this; }
    @Override public Instant instant() { return now; }
  }

  @Test
  void theFirstRoundRegistersTheNodeCreatesItsLeaseAndReportsStatus() {
    FakeCluster cluster = new FakeCluster();
    MovingClock clock = new MovingClock();
    NodeHeartbeat heartbeat = new NodeHeartbeat(cluster, "box", () -> NodeStatusesTest.FACTS,
        NodeStatuses.Health::ready, "v1.32.0", 10250, clock);
    heartbeat.tick();
    assertThat(cluster.calls).containsExactly("createNode", "createLease", "updateNodeStatus");
    assertThat(cluster.lease.getSpec().getHolderIdentity()).isEqualTo("box");
    assertThat(cluster.lease.getSpec().getLeaseDurationSeconds()).isEqualTo(40);
    assertThat(cluster.lease.getMetadata().getNamespace()).isEqualTo("kube-node-lease");
    assertThat(cluster.lease.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo("node-uid"));
    assertThat(cluster.node.getStatus().getConditions()).extracting(c -> c.getReason()).contains("KubeletReady");
  }

  @Test
  void unchangedStatusIsReportedEveryFiveMinutesWhileTheLeaseIsRenewedEveryRound() {
    FakeCluster cluster = new FakeCluster();
    MovingClock clock = new MovingClock();
    NodeHeartbeat heartbeat = new NodeHeartbeat(cluster, "box", () -> NodeStatusesTest.FACTS,
        NodeStatuses.Health::ready, "v1.32.0", 10250, clock);
    heartbeat.tick();
    cluster.calls.clear();
    for (int i = 0; i < 29; i++) {
      clock.now = clock.now.plus(NodeHeartbeat.RENEW_INTERVAL);
      heartbeat.tick();
    }
    assertThat(cluster.calls).containsOnly("updateLease").hasSize(29);
    assertThat(cluster.lease.getSpec().getRenewTime().toInstant()).isEqualTo(clock.now);
    clock.now = clock.now.plus(Duration.ofSeconds(10));
    heartbeat.tick();
    assertThat(cluster.calls).endsWith("updateNodeStatus");
  }

  @Test
  void aChangeIsReportedAtTheNextRound() {
    FakeCluster cluster = new FakeCluster();
    MovingClock clock = new MovingClock();
    NodeStatuses.Health[] health = {NodeStatuses.Health.ready()};
    NodeHeartbeat heartbeat = new NodeHeartbeat(cluster, "box", () -> NodeStatusesTest.FACTS,
        () -> health[0], "v1.32.0", 10250, clock);
    heartbeat.tick();
    cluster.calls.clear();
    health[0] = new NodeStatuses.Health(false, "runtime down");
    clock.now = clock.now.plusSeconds(10);
    heartbeat.tick();
    assertThat(cluster.calls).containsExactly("updateLease", "updateNodeStatus");
    assertThat(cluster.node.getStatus().getConditions()).extracting(c -> c.getReason()).contains("KubeletNotReady");
    assertThat(new LeaseBuilder(cluster.lease).build().getSpec().getHolderIdentity()).isEqualTo("box");
  }

  @Test
  void conditionsSetUnknownByTheNodeControllerAreReportedAgainAtTheNextRound() {
    FakeCluster cluster = new FakeCluster();
    MovingClock clock = new MovingClock();
    NodeHeartbeat heartbeat = new NodeHeartbeat(cluster, "box", () -> NodeStatusesTest.FACTS,
        NodeStatuses.Health::ready, "v1.32.0", 10250, clock);
    heartbeat.tick();
    cluster.node = new NodeBuilder(cluster.node).editStatus().withConditions(cluster.node.getStatus().getConditions()
        .stream().map(c -> new NodeConditionBuilder(c).withStatus("Unknown")
            .withReason("NodeStatusUnknown").withMessage("Kubelet stopped posting node status.").build()).toList())
        .endStatus().build();
    cluster.calls.clear();
    clock.now = clock.now.plusSeconds(10);
    heartbeat.tick();
    assertThat(cluster.calls).containsExactly("updateLease", "updateNodeStatus");
    assertThat(cluster.node.getStatus().getConditions()).filteredOn(c -> c.getType().equals("Ready"))
        .extracting(c -> c.getStatus()).containsExactly("True");
  }
}
