package dev.j8s.proxy.routes;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.PatchType;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Keeps a host route to every other node's {@code spec.podCIDR} through that node's {@code InternalIP}, as
 * kubenet's route controller and flannel's host-gw backend do, so pods on different machines reach each other: a
 * route only where the address is on a directly connected subnet and not this machine's own (nodes on one machine
 * share it, and their bridges are both local), else a log line says why there is none; a route is replaced when the
 * node's range or address changes and removed when the node goes. A node never routes its own range, nor one that
 * overlaps it. Its own Node gets this node's range as {@code spec.podCIDR} when the cluster assigned none, so the
 * other nodes can route to it. Level-triggered over a Node informer (resync every minute, which also restores a
 * route someone removed). Thread-safe; {@link #close} stops it and leaves the routes (as a stopped kubelet leaves
 * its containers: {@code j8s reset} removes them).
 */
public final class NodeRoutes implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeRoutes.class.getName());
    private static final String KEY = "routes";

    private final String nodeName;
    private final String podCidr;
    private final KubeClient nodeClient;
    private final HostRoutes routes;
    private final Function<String, HostRoutes.Reach> reach;
    private final InformerFactory informers;
    private final SharedInformer<Node> nodes;
    private final WorkQueue queue = new WorkQueue("node-routes", RateLimiter.defaults());
    private final ControllerLoop loop;
    /** Why a node has no route, as last logged (a reason is logged when it changes). */
    private final Map<String, String> reasons = new HashMap<>();
    private boolean podCidrWarned;

    NodeRoutes(String nodeName, String podCidr, KubeClient watchClient, KubeClient nodeClient, HostRoutes routes,
               Function<String, HostRoutes.Reach> reach, Duration resync) {
        this.nodeName = nodeName;
        this.podCidr = podCidr;
        this.nodeClient = nodeClient;
        this.routes = routes;
        this.reach = reach;
        this.informers = new InformerFactory(watchClient, resync);
        this.nodes = informers.informer(Kind.NODES);
        this.loop = new ControllerLoop("node-routes", queue, key -> sync(), 1);
        nodes.addEventHandler(ResourceEventHandler.of(n -> queue.add(KEY), n -> queue.add(KEY)));
    }

    /**
     * Starts keeping the routes of the instance {@code routes} names for node {@code nodeName}, whose pods are in
     * {@code podCidr}.
     *
     * @param watchClient lists and watches the Nodes, as kube-proxy's identity may (a node's may read its own Node
     *                    only, upstream's Node authorizer says since 1.32)
     * @param nodeClient  the node's own identity, which patches its Node
     */
    public static NodeRoutes start(String nodeName, String podCidr, KubeClient watchClient, KubeClient nodeClient,
                                   HostRoutes routes) {
        NodeRoutes r = new NodeRoutes(nodeName, podCidr, watchClient, nodeClient, routes, HostRoutes::reach,
                Duration.ofMinutes(1));
        r.informers.start();
        r.loop.start();
        LOG.log(Level.INFO, "keeping host routes to the other nodes'' pod ranges node={0} podCIDR={1} metric={2}",
                nodeName, podCidr, Long.toString(routes.metric()));
        return r;
    }

    /** What the Nodes call for: the routes by destination, and why each other node has none. */
    record Plan(Map<String, HostRoutes.Route> routes, Map<String, String> noRoute) {
    }

    private synchronized void sync() {
        List<Node> all = nodes.list();
        publishPodCidr(all);
        Plan plan = plan(all, nodeName, podCidr, reach);
        plan.noRoute().forEach((node, why) -> {
            if (!why.equals(reasons.put(node, why))) {
                LOG.log(Level.INFO, "no route to the pods of node={0}: {1}", node, why);
            }
        });
        reasons.keySet().retainAll(plan.noRoute().keySet());
        Map<String, String> current = new HashMap<>();
        routes.list().forEach(r -> current.put(r.destination(), r.via()));
        for (String destination : current.keySet()) {
            if (!plan.routes().containsKey(destination)) {
                routes.delete(destination);
                LOG.log(Level.INFO, "removed the route to a pod range no node has any more destination={0} via={1}",
                        destination, current.get(destination));
            }
        }
        for (HostRoutes.Route route : plan.routes().values()) {
            if (!route.via().equals(current.get(route.destination()))) {
                routes.replace(route);
                LOG.log(Level.INFO, "routed a node''s pod range destination={0} via={1}", route.destination(),
                        route.via());
            }
        }
    }

    /**
     * Gives this node's Node its pod range as {@code spec.podCIDR} (and {@code podCIDRs}) when it has none (set
     * once: the API keeps a node's range for good); a Node with another range is only reported.
     */
    private void publishPodCidr(List<Node> all) {
        Optional<Node> self = all.stream().filter(n -> n.getMetadata().getName().equals(nodeName)).findFirst();
        if (self.isEmpty()) {
            return; // not registered yet: its creation syncs again
        }
        String assigned = podCidr(self.get());
        if (assigned.isEmpty()) {
            try {
                nodeClient.resource(Kind.NODES).patch("", nodeName, PatchType.MERGE,
                        "{\"spec\":{\"podCIDR\":\"" + podCidr + "\",\"podCIDRs\":[\"" + podCidr + "\"]}}");
                LOG.log(Level.INFO, "published the node''s pod range node={0} podCIDR={1}", nodeName, podCidr);
            } catch (ClusterException.NotFound e) {
                // deleted meanwhile: registered again, it syncs again
            }
        } else if (!assigned.equals(podCidr) && !podCidrWarned) {
            podCidrWarned = true;
            LOG.log(Level.WARNING, "the Node has another pod range than this node uses, other nodes route theirs"
                    + " node={0} spec.podCIDR={1} podCIDR={2}", nodeName, assigned, podCidr);
        }
    }

    /**
     * The routes {@code all} call for on node {@code self} with pods in {@code ownCidr}: one per other node with an
     * IPv4 {@code spec.podCIDR} apart from every range routed before it (nodes by name) and an {@code InternalIP}
     * on a directly connected subnet; why not for the others.
     */
    static Plan plan(List<Node> all, String self, String ownCidr, Function<String, HostRoutes.Reach> reach) {
        Map<String, HostRoutes.Route> routes = new LinkedHashMap<>();
        Map<String, String> noRoute = new LinkedHashMap<>();
        Map<String, String> ranges = new HashMap<>(); // destination -> node
        for (Node node : all.stream().sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList()) {
            String name = node.getMetadata().getName();
            if (name.equals(self)) {
                continue;
            }
            String cidr = podCidr(node);
            Optional<long[]> range = ipv4Range(cidr);
            Optional<String> address = internalIp(node);
            if (cidr.isEmpty()) {
                noRoute.put(name, "it has no spec.podCIDR");
            } else if (range.isEmpty()) {
                noRoute.put(name, "its podCIDR " + cidr + " is not an IPv4 range");
            } else if (overlaps(range.get(), ipv4Range(ownCidr).orElseThrow())) {
                noRoute.put(name, "its podCIDR " + cidr + " overlaps this node's pod range " + ownCidr);
            } else if (overlapping(ranges, range.get()).isPresent()) {
                noRoute.put(name, "its podCIDR " + cidr + " overlaps the pod range of node "
                        + overlapping(ranges, range.get()).get());
            } else if (address.isEmpty()) {
                noRoute.put(name, "it has no IPv4 InternalIP address");
            } else {
                switch (reach.apply(address.get())) {
                    case HostRoutes.Reach.Local l -> noRoute.put(name, "its InternalIP " + address.get()
                            + " is an address of this machine, whose bridges reach its pods");
                    case HostRoutes.Reach.ThroughGateway g -> noRoute.put(name, "its InternalIP " + address.get()
                            + " is not on a directly connected subnet (reached through the router " + g.gateway()
                            + ")");
                    case HostRoutes.Reach.Unreachable u -> noRoute.put(name, "its InternalIP " + address.get()
                            + " is unreachable: " + u.why());
                    case HostRoutes.Reach.Connected c -> {
                        String destination = network(cidr, range.get());
                        routes.put(destination, new HostRoutes.Route(destination, address.get()));
                        ranges.put(destination, name);
                    }
                }
            }
        }
        return new Plan(routes, noRoute);
    }

    /** The node routed before whose range overlaps {@code range}. */
    private static Optional<String> overlapping(Map<String, String> ranges, long[] range) {
        return ranges.entrySet().stream().filter(e -> overlaps(range, ipv4Range(e.getKey()).orElseThrow()))
                .map(Map.Entry::getValue).findFirst();
    }

    private static String podCidr(Node node) {
        return node.getSpec() == null || node.getSpec().getPodCIDR() == null ? "" : node.getSpec().getPodCIDR();
    }

    private static Optional<String> internalIp(Node node) {
        if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
            return Optional.empty();
        }
        return node.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType()))
                .map(NodeAddress::getAddress).filter(a -> ipv4Range(a + "/32").isPresent()).findFirst();
    }

    /** The first and last address of an IPv4 CIDR, as unsigned numbers; empty for anything else. */
    static Optional<long[]> ipv4Range(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0 || !cidr.substring(0, slash).matches("[0-9.]+")) {
            return Optional.empty();
        }
        try {
            InetAddress address = InetAddress.ofLiteral(cidr.substring(0, slash));
            int bits = Integer.parseInt(cidr.substring(slash + 1));
            if (!(address instanceof Inet4Address) || bits < 0 || bits > 32) {
                return Optional.empty();
            }
            long value = Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(address.getAddress()).getInt());
            long size = 1L << (32 - bits);
            long first = value & ~(size - 1) & 0xFFFF_FFFFL;
            return Optional.of(new long[] {first, first + size - 1});
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static boolean overlaps(long[] a, long[] b) {
        return a[0] <= b[1] && b[0] <= a[1];
    }

    /** The CIDR as the kernel prints a route's destination: the network address, and no /32. */
    private static String network(String cidr, long[] range) {
        long first = range[0];
        String address = (first >> 24 & 255) + "." + (first >> 16 & 255) + "." + (first >> 8 & 255) + "." + (first & 255);
        String bits = cidr.substring(cidr.indexOf('/') + 1);
        return bits.equals("32") ? address : address + "/" + bits;
    }

    @Override
    public void close() {
        loop.close();
        informers.close();
    }
}
