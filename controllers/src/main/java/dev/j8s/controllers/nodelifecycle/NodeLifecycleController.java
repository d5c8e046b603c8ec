package dev.j8s.controllers.nodelifecycle;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.EventRecorder;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.SharedInformer;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Upstream's {@code monitorNodeHealth} (pkg/controller/nodelifecycle): every {@code monitorPeriod} each node's
 * last sign of life, its Lease in {@code kube-node-lease} renewed or its {@code Ready} heartbeat, is noted at this
 * controller's own clock (as upstream's probe timestamp, so the kubelet's clock does not matter); a node silent for
 * longer than {@code gracePeriod} gets its {@code Ready}, {@code MemoryPressure}, {@code DiskPressure} and
 * {@code PIDPressure} conditions set to {@code Unknown} ({@code NodeStatusUnknown}, "Kubelet stopped posting node
 * status.", or {@code NodeStatusNeverUpdated} for a condition never posted), the {@code NodeNotReady} event, and its
 * pods marked not ready ({@code Ready=False}, event {@code NodeNotReady} "Node is not ready") as upstream's
 * {@code MarkPodsNotReady} does, which takes them out of Services' endpoints. The taints follow from the conditions
 * ({@link NodeConditionTaints}) and the evictions from the taints (the taint eviction controller). Runs as
 * {@code node-controller}. Thread-safe.
 */
public final class NodeLifecycleController implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeLifecycleController.class.getName());
    /** Upstream's {@code --node-monitor-grace-period} and {@code --node-monitor-period} defaults. */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(40);
    public static final Duration DEFAULT_MONITOR_PERIOD = Duration.ofSeconds(5);
    static final String LEASE_NAMESPACE = "kube-node-lease";
    static final List<String> CONDITIONS = List.of("Ready", "MemoryPressure", "DiskPressure", "PIDPressure");

    private final ResourceClient<Node> nodes;
    private final ResourceClient<Pod> pods;
    private final SharedInformer<Node> nodeInformer;
    private final SharedInformer<Lease> leaseInformer;
    private final SharedInformer<Pod> podInformer;
    private final EventRecorder recorder;
    private final Clock clock;
    private final Duration gracePeriod;
    private final Duration monitorPeriod;
    /** Per node: the last lease renewal and heartbeat seen, and when this controller saw them change. */
    private final Map<String, Health> health = new HashMap<>();
    private volatile Thread thread;

    private record Health(String renewTime, String heartbeat, Instant probe) {}

    public NodeLifecycleController(KubeClient client, InformerFactory informers, Clock clock, Duration gracePeriod,
            Duration monitorPeriod) {
        this.nodes = client.resource(Kind.NODES);
        this.pods = client.resource(Kind.PODS);
        this.nodeInformer = informers.informer(Kind.NODES);
        this.leaseInformer = informers.informer(Kind.LEASES);
        this.podInformer = informers.informer(Kind.PODS);
        this.recorder = new EventRecorder(client, "node-controller", clock);
        this.clock = clock;
        this.gracePeriod = gracePeriod;
        this.monitorPeriod = monitorPeriod;
    }

    public void start() {
        thread = Thread.ofVirtual().name("node-lifecycle-controller").start(() -> {
            while (true) {
                try {
                    Thread.sleep(monitorPeriod);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    monitorNodeHealth();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "node health monitoring failed: " + e.getMessage(), e);
                }
            }
        });
    }

    /** One pass over every node; returns the nodes this pass marked Unknown. */
    public synchronized List<String> monitorNodeHealth() {
        Instant now = clock.instant();
        List<String> marked = new ArrayList<>();
        List<Node> all = nodeInformer.list();
        health.keySet().retainAll(all.stream().map(n -> n.getMetadata().getName()).toList());
        for (Node node : all) {
            String name = node.getMetadata().getName();
            String renewTime = leaseInformer.get(LEASE_NAMESPACE, name)
                    .map(l -> l.getSpec() == null || l.getSpec().getRenewTime() == null ? ""
                            : l.getSpec().getRenewTime().toString())
                    .orElse("");
            String heartbeat = condition(node, "Ready").map(NodeCondition::getLastHeartbeatTime).orElse("");
            Health seen = health.get(name);
            if (seen == null || !seen.renewTime().equals(renewTime) || !Objects.equals(seen.heartbeat(), heartbeat)) {
                seen = new Health(renewTime, heartbeat, now);
                health.put(name, seen);
            }
            if (now.isAfter(seen.probe().plus(gracePeriod)) && markUnknown(node, now)) {
                marked.add(name);
            }
        }
        return marked;
    }

    /** Sets the conditions Unknown if they are not already; true when the node's Ready condition changed. */
    private boolean markUnknown(Node node, Instant now) {
        String time = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
        List<NodeCondition> conditions = new ArrayList<>(node.getStatus() == null
                || node.getStatus().getConditions() == null ? List.of() : node.getStatus().getConditions());
        boolean changed = false;
        boolean readyChanged = false;
        for (String type : CONDITIONS) {
            int i = indexOf(conditions, type);
            if (i < 0) {
                conditions.add(new NodeConditionBuilder().withType(type).withStatus("Unknown")
                        .withReason("NodeStatusNeverUpdated").withMessage("Kubelet never posted node status.")
                        .withLastHeartbeatTime(node.getMetadata().getCreationTimestamp()).withLastTransitionTime(time)
                        .build());
            } else if (!"Unknown".equals(conditions.get(i).getStatus())) {
                conditions.set(i, new NodeConditionBuilder(conditions.get(i)).withStatus("Unknown")
                        .withReason("NodeStatusUnknown").withMessage("Kubelet stopped posting node status.")
                        .withLastTransitionTime(time).build());
            } else {
                continue;
            }
            changed = true;
            readyChanged |= type.equals("Ready");
        }
        if (!changed) {
            return false;
        }
        String name = node.getMetadata().getName();
        try {
            nodes.updateStatus(new NodeBuilder(node).editOrNewStatus().withConditions(conditions).endStatus().build());
        } catch (ClusterException.Conflict | ClusterException.NotFound e) {
            return false; // the kubelet posted meanwhile, or the node went: the next pass looks again
        }
        LOG.log(Level.INFO, "node stopped posting its status node={0} silentFor>{1}", name, gracePeriod);
        if (readyChanged) {
            recorder.event(node, EventRecorder.NORMAL, "NodeNotReady", "Node " + name + " status is now: NodeNotReady");
            markPodsNotReady(name, time);
        }
        return readyChanged;
    }

    /** Upstream's {@code MarkPodsNotReady}: the node's pods are Ready=False, so Services stop sending them traffic. */
    private void markPodsNotReady(String node, String time) {
        for (Pod pod : podInformer.list()) {
            if (!node.equals(Pods.nodeName(pod)) || Pods.isTerminal(pod)) {
                continue;
            }
            List<PodCondition> conditions = pod.getStatus() == null || pod.getStatus().getConditions() == null
                    ? List.of() : pod.getStatus().getConditions();
            boolean ready = conditions.stream().anyMatch(c -> "Ready".equals(c.getType())
                    && !"False".equals(c.getStatus()));
            if (!ready) {
                continue;
            }
            String patch = "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\","
                    + "\"lastTransitionTime\":\"" + time + "\"}]}}";
            try {
                pods.patchStatus(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                        PatchType.STRATEGIC_MERGE, patch);
                recorder.event(pod, EventRecorder.WARNING, "NodeNotReady", "Node is not ready");
            } catch (ClusterException e) {
                LOG.log(Level.DEBUG, "cannot mark pod not ready pod={0}: {1}", SharedInformer.key(pod),
                        e.getMessage());
            }
        }
    }

    private static java.util.Optional<NodeCondition> condition(Node node, String type) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return java.util.Optional.empty();
        }
        return node.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private static int indexOf(List<NodeCondition> conditions, String type) {
        for (int i = 0; i < conditions.size(); i++) {
            if (type.equals(conditions.get(i).getType())) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        recorder.close();
    }
}
