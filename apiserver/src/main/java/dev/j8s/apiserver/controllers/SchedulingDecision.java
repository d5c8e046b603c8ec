package dev.j8s.apiserver.controllers;

import dev.j8s.api.scheduling.NodeAffinity;
import dev.j8s.api.scheduling.Tolerations;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Where a pod goes, as upstream's scheduler decides with its default plugins, reduced to what j8s has: the filters
 * NodeUnschedulable, TaintToleration, NodeAffinity (nodeSelector and required node affinity), NodePorts and
 * NodeResourcesFit (cpu, memory, ephemeral-storage and extended requests against allocatable, and the pod count),
 * in upstream's order with the first failing filter naming the node's reason; then the feasible node with the
 * fewest pods of the pod's own controller (its replicas spread over nodes, as upstream's default topology spreading
 * over hostnames does), then with the most room (LeastAllocated over cpu and memory with upstream's non-zero defaults
 * for pods that request nothing), ties broken by name. A pod that fits nowhere gets upstream's {@code FitError} message; j8s does not preempt
 * (there are no priorities to preempt by), so the preemption part says what upstream's preemption says when no
 * victims exist. Stateless.
 */
final class SchedulingDecision {

    /** Upstream's {@code DefaultMilliCPURequest} and {@code DefaultMemoryRequest} for scoring only. */
    private static final BigDecimal NON_ZERO_CPU = new BigDecimal("0.1");
    private static final BigDecimal NON_ZERO_MEMORY = BigDecimal.valueOf(200L * 1024 * 1024);

    private SchedulingDecision() {}

    /** The outcome: bind to a node, or stay pending with upstream's message. */
    sealed interface Result permits Bind, Unschedulable {}

    record Bind(String node) implements Result {}

    record Unschedulable(String message) implements Result {}

    /** A filter's verdict on one node: its reason, and whether preemption could resolve it (upstream's Unschedulable). */
    private record Failure(List<String> reasons, boolean resolvable) {}

    /**
     * Decides for {@code pod} over {@code nodes}, with {@code assigned} the non-terminal pods already bound (to any
     * node).
     */
    static Result decide(Pod pod, List<Node> nodes, List<Pod> assigned) {
        return decide(pod, nodes, assigned, node -> true);
    }

    /**
     * As {@link #decide(Pod, List, List)}, with {@code volumesFit} telling by name the nodes where the pod's volumes
     * can be used (upstream's VolumeBinding filter, after the others).
     */
    static Result decide(Pod pod, List<Node> nodes, List<Pod> assigned, Predicate<String> volumesFit) {
        if (nodes.isEmpty()) {
            return new Unschedulable("no nodes available to schedule pods");
        }
        Map<String, List<Pod>> byNode = assigned.stream()
                .collect(Collectors.groupingBy(p -> p.getSpec().getNodeName()));
        Map<String, Failure> failures = new TreeMap<>();
        List<Node> feasible = new ArrayList<>();
        for (Node node : nodes) {
            Optional<Failure> failure = filter(pod, node, byNode.getOrDefault(node.getMetadata().getName(), List.of()));
            if (failure.isEmpty() && !volumesFit.test(node.getMetadata().getName())) {
                failure = Optional.of(new Failure(List.of("node(s) had volume node affinity conflict"), false));
            }
            if (failure.isPresent()) {
                failures.put(node.getMetadata().getName(), failure.get());
            } else {
                feasible.add(node);
            }
        }
        if (!feasible.isEmpty()) {
            Node best = feasible.stream()
                    .max(Comparator.<Node>comparingLong(
                                    n -> -siblings(pod, byNode.getOrDefault(n.getMetadata().getName(), List.of())))
                            .thenComparing(n -> score(pod, n, byNode.getOrDefault(n.getMetadata().getName(), List.of())))
                            .thenComparing(n -> n.getMetadata().getName(), Comparator.reverseOrder()))
                    .orElseThrow();
            return new Bind(best.getMetadata().getName());
        }
        return new Unschedulable(fitError(nodes.size(), failures));
    }

    /** Upstream's {@code FitError.Error()} followed by the default preemption's message. */
    private static String fitError(int nodes, Map<String, Failure> failures) {
        Map<String, Integer> reasons = new HashMap<>();
        Map<String, Integer> preemption = new HashMap<>();
        for (Failure f : failures.values()) {
            f.reasons().forEach(r -> reasons.merge(r, 1, Integer::sum));
            preemption.merge(f.resolvable() ? "No preemption victims found for incoming pod"
                    : "Preemption is not helpful for scheduling", 1, Integer::sum);
        }
        return "0/" + nodes + " nodes are available: " + histogram(reasons) + ". preemption: 0/" + nodes
                + " nodes are available: " + histogram(preemption) + ".";
    }

    private static String histogram(Map<String, Integer> counts) {
        return counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).sorted()
                .collect(Collectors.joining(", "));
    }

    private static Optional<Failure> filter(Pod pod, Node node, List<Pod> onNode) {
        PodSpec spec = pod.getSpec();
        List<Toleration> tolerations = spec.getTolerations() == null ? List.of() : spec.getTolerations();
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
                : node.getSpec().getTaints();
        boolean unschedulable = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
        if (unschedulable && tolerations.stream().noneMatch(t -> Tolerations.tolerates(t,
                new Taint("NoSchedule", "node.kubernetes.io/unschedulable", null, null)))) {
            return Optional.of(new Failure(List.of("node(s) were unschedulable"), false));
        }
        Optional<Taint> untolerated = Tolerations.firstUntolerated(taints, tolerations,
                Tolerations::noScheduleOrNoExecute);
        if (untolerated.isPresent()) {
            Taint t = untolerated.get();
            return Optional.of(new Failure(List.of("node(s) had untolerated taint {" + t.getKey() + ": "
                    + (t.getValue() == null ? "" : t.getValue()) + "}"), false));
        }
        if (!NodeAffinity.matches(node, spec)) {
            return Optional.of(new Failure(List.of("node(s) didn't match Pod's node affinity/selector"), false));
        }
        if (portsConflict(pod, onNode)) {
            return Optional.of(new Failure(List.of("node(s) didn't have free ports for the requested pod ports"),
                    true));
        }
        List<String> insufficient = new ArrayList<>();
        Map<String, BigDecimal> allocatable = allocatable(node);
        if (onNode.size() + 1 > allocatable.getOrDefault("pods", BigDecimal.ZERO).longValue()) {
            insufficient.add("Too many pods");
        }
        Map<String, BigDecimal> wanted = requests(pod);
        Map<String, BigDecimal> used = new HashMap<>();
        onNode.forEach(p -> requests(p).forEach((k, v) -> used.merge(k, v, BigDecimal::add)));
        for (Map.Entry<String, BigDecimal> e : new TreeMap<>(wanted).entrySet()) {
            if (e.getValue().signum() <= 0) {
                continue;
            }
            BigDecimal free = allocatable.getOrDefault(e.getKey(), BigDecimal.ZERO)
                    .subtract(used.getOrDefault(e.getKey(), BigDecimal.ZERO));
            if (free.compareTo(e.getValue()) < 0) {
                insufficient.add("Insufficient " + e.getKey());
            }
        }
        return insufficient.isEmpty() ? Optional.empty() : Optional.of(new Failure(insufficient, true));
    }

    /** NodePorts: a host port (with its protocol and host IP, 0.0.0.0 meaning all) already taken on the node. */
    private static boolean portsConflict(Pod pod, List<Pod> onNode) {
        Set<String> wanted = hostPorts(pod);
        if (wanted.isEmpty()) {
            return false;
        }
        Set<String> taken = new HashSet<>();
        onNode.forEach(p -> taken.addAll(hostPorts(p)));
        for (String w : wanted) {
            String[] parts = w.split("/", 3);
            for (String t : taken) {
                String[] other = t.split("/", 3);
                boolean sameIp = parts[2].equals(other[2]) || parts[2].equals("0.0.0.0") || other[2].equals("0.0.0.0");
                if (parts[0].equals(other[0]) && parts[1].equals(other[1]) && sameIp) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Set<String> hostPorts(Pod pod) {
        Set<String> out = new HashSet<>();
        for (Container c : containers(pod.getSpec())) {
            for (ContainerPort p : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                if (p.getHostPort() != null && p.getHostPort() > 0) {
                    String ip = p.getHostIP() == null || p.getHostIP().isEmpty() ? "0.0.0.0" : p.getHostIP();
                    out.add(p.getHostPort() + "/" + (p.getProtocol() == null ? "TCP" : p.getProtocol()) + "/" + ip);
                }
            }
        }
        return out;
    }

    private static List<Container> containers(PodSpec spec) {
        List<Container> all = new ArrayList<>();
        if (spec.getInitContainers() != null) {
            all.addAll(spec.getInitContainers());
        }
        if (spec.getContainers() != null) {
            all.addAll(spec.getContainers());
        }
        return all;
    }

    /**
     * Upstream's {@code PodRequests}: the containers' requests summed (sidecars, restartable init containers,
     * included), at least each regular init container's, plus the pod's overhead.
     */
    static Map<String, BigDecimal> requests(Pod pod) {
        PodSpec spec = pod.getSpec();
        Map<String, BigDecimal> sum = new HashMap<>();
        List<Container> regular = spec.getContainers() == null ? List.of() : spec.getContainers();
        regular.forEach(c -> add(sum, c));
        Map<String, BigDecimal> sidecars = new HashMap<>();
        for (Container init : spec.getInitContainers() == null ? List.<Container>of() : spec.getInitContainers()) {
            if ("Always".equals(init.getRestartPolicy())) {
                add(sum, init);
                add(sidecars, init);
                continue;
            }
            Map<String, BigDecimal> one = new HashMap<>(sidecars);
            add(one, init);
            one.forEach((k, v) -> sum.merge(k, v, BigDecimal::max));
        }
        if (spec.getOverhead() != null) {
            spec.getOverhead().forEach((k, v) -> sum.merge(k, Quantity.getAmountInBytes(v), BigDecimal::add));
        }
        return sum;
    }

    private static void add(Map<String, BigDecimal> into, Container c) {
        if (c.getResources() != null && c.getResources().getRequests() != null) {
            c.getResources().getRequests().forEach((k, v) -> into.merge(k, Quantity.getAmountInBytes(v),
                    BigDecimal::add));
        } else if (c.getResources() != null && c.getResources().getLimits() != null) {
            // requests default to limits (admission writes them; a pod read back without them still counts)
            c.getResources().getLimits().forEach((k, v) -> into.merge(k, Quantity.getAmountInBytes(v),
                    BigDecimal::add));
        }
    }

    private static Map<String, BigDecimal> allocatable(Node node) {
        Map<String, Quantity> q = node.getStatus() == null ? null : node.getStatus().getAllocatable();
        if (q == null || q.isEmpty()) {
            q = node.getStatus() == null || node.getStatus().getCapacity() == null ? Map.of()
                    : node.getStatus().getCapacity();
        }
        Map<String, BigDecimal> out = new HashMap<>();
        q.forEach((k, v) -> out.put(k, Quantity.getAmountInBytes(v)));
        return out;
    }

    /**
     * The pods on a node that the same controller owns as {@code pod} (its ReplicaSet, Job, StatefulSet…): fewer
     * is better, as upstream's default topology spreading over hostnames spreads a workload's replicas.
     */
    private static long siblings(Pod pod, List<Pod> onNode) {
        Optional<String> owner = controller(pod);
        if (owner.isEmpty()) {
            return 0;
        }
        return onNode.stream().filter(p -> p.getMetadata().getNamespace().equals(pod.getMetadata().getNamespace())
                && controller(p).equals(owner)).count();
    }

    private static Optional<String> controller(Pod pod) {
        if (pod.getMetadata().getOwnerReferences() == null) {
            return Optional.empty();
        }
        return pod.getMetadata().getOwnerReferences().stream().filter(r -> Boolean.TRUE.equals(r.getController()))
                .map(r -> r.getUid()).filter(Objects::nonNull).findFirst();
    }

    /** LeastAllocated: the mean over cpu and memory of the share left free once the pod is placed (0 to 1). */
    private static BigDecimal score(Pod pod, Node node, List<Pod> onNode) {
        Map<String, BigDecimal> allocatable = allocatable(node);
        BigDecimal total = BigDecimal.ZERO;
        for (String resource : List.of("cpu", "memory")) {
            BigDecimal fallback = resource.equals("cpu") ? NON_ZERO_CPU : NON_ZERO_MEMORY;
            BigDecimal requested = nonZero(requests(pod).get(resource), fallback);
            for (Pod p : onNode) {
                requested = requested.add(nonZero(requests(p).get(resource), fallback));
            }
            BigDecimal capacity = allocatable.getOrDefault(resource, BigDecimal.ZERO);
            if (capacity.signum() > 0 && requested.compareTo(capacity) <= 0) {
                total = total.add(capacity.subtract(requested).divide(capacity, 6, RoundingMode.DOWN));
            }
        }
        return total.divide(BigDecimal.TWO, 6, RoundingMode.DOWN);
    }

    private static BigDecimal nonZero(BigDecimal value, BigDecimal fallback) {
        return value == null || value.signum() == 0 ? fallback : value;
    }
}
