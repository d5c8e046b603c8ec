package dev.j8s.kubelet.nodestatus;

import dev.j8s.api.Cluster;
import dev.j8s.api.ClusterException;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Keeps this node registered and alive through {@link Cluster}: registers the Node, renews its Lease in
 * kube-node-lease every 10 s (40 s duration, holder = node name) and writes the node status every 10 s
 * when it changed, else every 5 min, as upstream's nodelease controller and {@code updateNodeStatus};
 * thread-safe.
 */
public final class NodeHeartbeat implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(NodeHeartbeat.class.getName());
  public static final Duration RENEW_INTERVAL = Duration.ofSeconds(10);
  public static final int LEASE_DURATION_SECONDS = 40;
  public static final Duration STATUS_UPDATE_INTERVAL = Duration.ofSeconds(10);
  public static final Duration STATUS_REPORT_INTERVAL = Duration.ofMinutes(5);

  private final Cluster cluster;
  private final String nodeName;
  private final Supplier<HostFacts> facts;
  private final Supplier<NodeStatuses.Health> health;
  private final String kubeletVersion;
  private final int kubeletPort;
  private final Clock clock;
  private Thread thread;
  private Optional<NodeStatus> lastReported = Optional.empty();
  private Instant lastReportTime = Instant.MIN;
  private String nodeUid = "";

  public NodeHeartbeat(Cluster cluster, String nodeName, Supplier<HostFacts> facts,
      Supplier<NodeStatuses.Health> health, String kubeletVersion, int kubeletPort, Clock clock) {
    this.cluster = cluster;
    this.nodeName = nodeName;
    this.facts = facts;
    this.health = health;
    this.kubeletVersion = kubeletVersion;
    this.kubeletPort = kubeletPort;
    this.clock = clock;
  }

  /** Starts the loop on a virtual thread; each round survives API failures and retries next round. */
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("node heartbeat already started node=" + nodeName);
    }
    thread = Thread.ofVirtual().name("node-heartbeat-" + nodeName).start(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        try {
          tick();
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "node heartbeat failed node=" + nodeName + " error=" + e.getMessage());
        }
        try {
          Thread.sleep(RENEW_INTERVAL);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
  }

  /** One round: register if needed, renew the lease, report the status if due. */
  public synchronized void tick() {
    Instant now = clock.instant();
    Node node = registerNode(now);
    renewLease(now);
    NodeStatus status = NodeStatuses.status(Optional.ofNullable(node.getStatus()), facts.get(),
        kubeletVersion, kubeletPort, health.get(), now);
    boolean changed = lastReported.isEmpty() || NodeStatuses.changed(lastReported.get(), status);
    if (changed || !now.isBefore(lastReportTime.plus(STATUS_REPORT_INTERVAL))) {
      Node written = cluster.updateNodeStatus(new NodeBuilder(node).withStatus(status).build());
      lastReported = Optional.of(written.getStatus());
      lastReportTime = now;
    }
  }

  private Node registerNode(Instant now) {
    Optional<Node> existing = cluster.node(nodeName);
    if (existing.isPresent()) {
      Node node = existing.get();
      if (!java.util.Objects.equals(node.getMetadata().getUid(), nodeUid)) {
        // first seen by this kubelet (a node registered before, by another run or by someone else): upstream's
        // updateDefaultLabels sets the hostname, os and arch labels the node should carry
        node = withDefaultLabels(node, now);
        nodeUid = node.getMetadata().getUid();
      }
      return node;
    }
    Node created;
    try {
      created = cluster.createNode(NodeStatuses.node(nodeName, facts.get(), kubeletVersion, kubeletPort,
          health.get(), now));
    } catch (ClusterException.AlreadyExists e) {
      created = cluster.node(nodeName).orElseThrow(() -> e);
    }
    nodeUid = created.getMetadata().getUid();
    lastReported = Optional.empty();
    return created;
  }

  private Node withDefaultLabels(Node existing, Instant now) {
    java.util.Map<String, String> wanted = NodeStatuses.node(nodeName, facts.get(), kubeletVersion, kubeletPort,
        health.get(), now).getMetadata().getLabels();
    java.util.Map<String, String> labels = existing.getMetadata().getLabels() == null ? java.util.Map.of()
        : existing.getMetadata().getLabels();
    if (wanted.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))) {
      return existing;
    }
    return cluster.updateNode(new NodeBuilder(existing).editMetadata().addToLabels(wanted).endMetadata().build());
  }

  private void renewLease(Instant now) {
    ZonedDateTime renew = ZonedDateTime.ofInstant(now.truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC);
    Optional<Lease> lease = cluster.lease(nodeName);
    if (lease.isEmpty()) {
      LeaseBuilder b = new LeaseBuilder().withNewMetadata().withName(nodeName)
          .withNamespace(Cluster.NODE_LEASE_NAMESPACE).endMetadata()
          .withNewSpec().withHolderIdentity(nodeName).withLeaseDurationSeconds(LEASE_DURATION_SECONDS)
          .withRenewTime(renew).endSpec();
      if (nodeUid != null && !nodeUid.isEmpty()) {
        b.editMetadata().addNewOwnerReference().withApiVersion("v1").withKind("Node").withName(nodeName)
            .withUid(nodeUid).endOwnerReference().endMetadata();
      }
      cluster.createLease(b.build());
      return;
    }
    cluster.updateLease(new LeaseBuilder(lease.get()).editSpec().withHolderIdentity(nodeName)
        .withLeaseDurationSeconds(LEASE_DURATION_SECONDS).withRenewTime(renew).endSpec().build());
  }

  @Override
  public synchronized void close() {
    if (thread != null) {
      thread.interrupt();
    }
  }
}
