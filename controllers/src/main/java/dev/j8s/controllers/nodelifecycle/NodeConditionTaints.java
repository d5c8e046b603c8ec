package dev.j8s.controllers.nodelifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The node lifecycle controller's two tainting passes. Upstream's {@code TaintNodesByCondition}: a node whose
 * {@code MemoryPressure}, {@code DiskPressure} or {@code PIDPressure} is {@code True} carries
 * {@code node.kubernetes.io/memory-pressure}, {@code disk-pressure} or {@code pid-pressure} with effect
 * {@code NoSchedule}, and a node whose {@code Ready} is {@code False} or {@code Unknown} carries
 * {@code node.kubernetes.io/not-ready} or {@code unreachable} with effect {@code NoSchedule}. And its
 * {@code doNoExecuteTaintingPass}: the same not-ready or unreachable key with effect {@code NoExecute} and the time
 * it was added (which {@link dev.j8s.controllers.tainteviction.TaintEvictionController} counts tolerations from),
 * except in a full disruption (no node Ready, {@link #fullDisruption}), when upstream evicts nothing.
 * Each taint goes once its condition is gone; other taints are kept. The taints are patched with the node's
 * resourceVersion (a concurrent change is retried). The kubelet may not change its own taints (NodeRestriction), so
 * this runs as {@code node-controller}. Thread-safe.
 */
public final class NodeConditionTaints implements AutoCloseable {

    /** Upstream's service account of the node lifecycle controller ({@code kube-system/node-controller}). */
    public static final String SERVICE_ACCOUNT = "node-controller";

    static final Map<String, String> BY_CONDITION;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("MemoryPressure", "node.kubernetes.io/memory-pressure");
        m.put("DiskPressure", "node.kubernetes.io/disk-pressure");
        m.put("PIDPressure", "node.kubernetes.io/pid-pressure");
        BY_CONDITION = java.util.Collections.unmodifiableMap(m);
    }

    /** Upstream's {@code TaintNodeNotReady} and {@code TaintNodeUnreachable} keys. */
    public static final String NOT_READY = "node.kubernetes.io/not-ready";
    public static final String UNREACHABLE = "node.kubernetes.io/unreachable";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ResourceClient<Node> nodes;
    private final SharedInformer<Node> nodeInformer;
    private final WorkQueue queue = new WorkQueue("node-taints", RateLimiter.defaults());
    private final ControllerLoop loop;

    private final Clock clock;

    public NodeConditionTaints(KubeClient client, InformerFactory informers, Clock clock) {
        this.clock = clock;
        this.nodes = client.resource(Kind.NODES);
        this.nodeInformer = informers.informer(Kind.NODES);
        this.loop = new ControllerLoop(SERVICE_ACCOUNT, queue, this::sync, 1);
        // whether every node is down is a property of all of them: any change may change another node's taints
        nodeInformer.addEventHandler(ResourceEventHandler.of(node -> enqueueAll(), node -> enqueueAll()));
    }

    public void start() {
        loop.start();
    }

    @Override
    public void close() {
        loop.close();
    }

    private void enqueueAll() {
        List<Node> all = nodeInformer.list();
        boolean disrupted = fullDisruption(all);
        for (Node node : all) {
            if (!Objects.equals(taints(node), wanted(node, clock.instant(), disrupted))) {
                queue.add(SharedInformer.key(node));
            }
        }
    }

    /**
     * Upstream's full disruption: when no node is Ready (one zone here), the lost nodes are more likely cut off
     * from the control plane than gone, so no NoExecute taint is applied and those there are removed, and nothing
     * is evicted (a single node whose kubelet stalled keeps its pods).
     */
    static boolean fullDisruption(List<Node> nodes) {
        return !nodes.isEmpty() && nodes.stream().noneMatch(n -> "True".equals(ready(n)));
    }

    private void sync(String key) {
        Optional<Node> cached = nodeInformer.getByKey(key);
        if (cached.isEmpty()) {
            return;
        }
        Node node = cached.get();
        List<Taint> wanted = wanted(node, clock.instant(), fullDisruption(nodeInformer.list()));
        if (wanted.equals(taints(node))) {
            return;
        }
        ObjectNode patch = MAPPER.createObjectNode();
        patch.putObject("metadata").put("resourceVersion", node.getMetadata().getResourceVersion());
        ArrayNode array = patch.putObject("spec").putArray("taints");
        wanted.forEach(t -> array.add(MAPPER.valueToTree(t)));
        nodes.patch("", node.getMetadata().getName(), PatchType.MERGE, patch.toString());
    }

    /**
     * The node's taints with exactly the pressure and readiness taints its conditions call for, in a stable order;
     * a new NoExecute taint is stamped {@code now}.
     */
    static List<Taint> wanted(Node node, Instant now, boolean fullDisruption) {
        List<Taint> out = new ArrayList<>();
        for (Taint t : taints(node)) {
            if (!BY_CONDITION.containsValue(t.getKey()) && !NOT_READY.equals(t.getKey())
                    && !UNREACHABLE.equals(t.getKey())) {
                out.add(t);
            }
        }
        List<NodeCondition> conditions = node.getStatus() == null || node.getStatus().getConditions() == null
                ? List.of() : node.getStatus().getConditions();
        String ready = ready(node);
        String readinessKey = switch (ready) {
            case "False" -> NOT_READY;
            case "Unknown" -> UNREACHABLE;
            default -> null;
        };
        if (readinessKey != null) {
            for (String effect : fullDisruption ? List.of("NoSchedule") : List.of("NoSchedule", "NoExecute")) {
                out.add(taints(node).stream()
                        .filter(t -> readinessKey.equals(t.getKey()) && effect.equals(t.getEffect())).findFirst()
                        .orElseGet(() -> new TaintBuilder().withKey(readinessKey).withEffect(effect)
                                .withTimeAdded(effect.equals("NoExecute") ? DateTimeFormatter.ISO_INSTANT.format(
                                        now.truncatedTo(ChronoUnit.SECONDS)) : null)
                                .build()));
            }
        }
        for (Map.Entry<String, String> e : BY_CONDITION.entrySet()) {
            boolean pressure = conditions.stream()
                    .anyMatch(c -> e.getKey().equals(c.getType()) && "True".equals(c.getStatus()));
            if (pressure) {
                out.add(taints(node).stream().filter(t -> e.getValue().equals(t.getKey())).findFirst()
                        .orElseGet(() -> new TaintBuilder().withKey(e.getValue()).withEffect("NoSchedule").build()));
            }
        }
        return out;
    }

    private static String ready(Node node) {
        List<NodeCondition> conditions = node.getStatus() == null || node.getStatus().getConditions() == null
                ? List.of() : node.getStatus().getConditions();
        return conditions.stream().filter(c -> "Ready".equals(c.getType())).map(NodeCondition::getStatus)
                .findFirst().orElse("");
    }

    private static List<Taint> taints(Node node) {
        return node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    }
}
