package dev.j8s.proxy.nftables;

import dev.j8s.api.client.Kind;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.proxy.conntrack.Conntrack;
import dev.j8s.proxy.healthcheck.ServiceHealthServers;
import dev.j8s.runtime.cni.Nftables;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The service proxy of one instance (kube-proxy's nftables proxier): every change of a Service, an EndpointSlice or
 * the node's addresses marks the rules dirty; one thread rebuilds the table from the informers' caches
 * ({@link Rules}) and applies it with one {@code nft -f}, at most once per {@code minSyncPeriod}, nothing before
 * the caches have synced and nothing when the script did not change; then removes the UDP conntrack entries of
 * endpoints that stopped serving. {@link #close} deletes the table. Thread-safe.
 */
public final class Proxier implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Proxier.class.getName());
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final String table;
    private final String podCidr;
    private final String serviceCidr;
    private final String nodeName;
    private final Duration minSyncPeriod;
    private final Conntrack conntrack;
    private final SharedInformer<Service> services;
    /** The endpoints as slices: the EndpointSlice informer's, or those its Endpoints stand for. */
    private final java.util.function.Supplier<List<EndpointSlice>> slices;
    private final SharedInformer<?> endpointsInformer;
    private final SharedInformer<Node> nodes;
    private final List<Consumer<Instant>> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private boolean dirty = true;
    private boolean closed;
    private Thread thread;
    private String applied = "";
    /** The chains, maps and sets the table holds after the last successful application; empty before and after a failure. */
    private Map<String, String> appliedObjects = Map.of();
    /** UDP service ports as last programmed, for the conntrack cleanup. */
    private Map<String, ServicePort> lastUdp = Map.of();
    private volatile java.util.function.BiConsumer<ServiceHealthServers.Target, String> healthCheckFailures =
            (target, why) -> { };
    private final ServiceHealthServers healthChecks = new ServiceHealthServers(
            java.net.InetAddress.ofLiteral("0.0.0.0"), (target, why) -> healthCheckFailures.accept(target, why));

    /**
     * @param table         the instance's table ({@code <network>-services})
     * @param minSyncPeriod the least time between two applications
     */
    public Proxier(String table, String podCidr, String serviceCidr, String nodeName, Duration minSyncPeriod,
                   InformerFactory informers, Conntrack conntrack) {
        this(table, podCidr, serviceCidr, nodeName, minSyncPeriod, informers, conntrack, EndpointsSource.ENDPOINT_SLICES);
    }

    /** Which API the proxy reads endpoints from. */
    public enum EndpointsSource {
        /** {@code discovery.k8s.io/v1} EndpointSlices, as upstream's proxy since 1.21. */
        ENDPOINT_SLICES,
        /** core/v1 Endpoints, for a server without {@code discovery.k8s.io/v1} (1.20 and older). */
        ENDPOINTS
    }

    /**
     * @param source where endpoints come from: EndpointSlices, or Endpoints where the server has no
     *     {@code discovery.k8s.io/v1}
     */
    public Proxier(String table, String podCidr, String serviceCidr, String nodeName, Duration minSyncPeriod,
                   InformerFactory informers, Conntrack conntrack, EndpointsSource source) {
        this.table = table;
        this.podCidr = podCidr;
        this.serviceCidr = serviceCidr;
        this.nodeName = nodeName;
        this.minSyncPeriod = minSyncPeriod;
        this.conntrack = conntrack;
        this.services = informers.informer(Kind.SERVICES);
        if (source == EndpointsSource.ENDPOINTS) {
            SharedInformer<io.fabric8.kubernetes.api.model.Endpoints> endpoints = informers.informer(Kind.ENDPOINTS);
            this.endpointsInformer = endpoints;
            this.slices = () -> endpoints.list().stream().flatMap(e -> EndpointsSlices.of(e).stream()).toList();
            endpoints.addEventHandler(ResourceEventHandler.of(o -> markDirty(), o -> markDirty()));
        } else {
            SharedInformer<EndpointSlice> endpointSlices = informers.informer(Kind.ENDPOINT_SLICES);
            this.endpointsInformer = endpointSlices;
            this.slices = endpointSlices::list;
            endpointSlices.addEventHandler(ResourceEventHandler.of(o -> markDirty(), o -> markDirty()));
        }
        this.nodes = informers.informer(Kind.NODES);
        services.addEventHandler(ResourceEventHandler.of(o -> markDirty(), o -> markDirty()));
        nodes.addEventHandler(ResourceEventHandler.of(o -> markDirty(), o -> markDirty()));
    }

    public String table() {
        return table;
    }

    /** Tells {@code reporter} when a service's health check port cannot be listened on (once per service and port). */
    public void reportHealthCheckFailures(java.util.function.BiConsumer<ServiceHealthServers.Target, String> reporter) {
        this.healthCheckFailures = reporter;
    }

    /** Calls {@code listener} with the time of every application of new rules (for benchmarks and tests). */
    public void addSyncListener(Consumer<Instant> listener) {
        listeners.add(listener);
    }

    public synchronized void start() {
        checkBridgeNetfilter(Path.of("/proc/sys/net/bridge/bridge-nf-call-iptables"));
        thread = Thread.ofPlatform().daemon().name("j8s-proxier").start(this::run);
    }

    /**
     * A pod reaching another pod of the same bridge through a ClusterIP needs bridged packets to pass the IP hooks
     * ({@code br_netfilter} with {@code bridge-nf-call-iptables=1}): without it the reply skips the un-DNAT and the
     * client drops it. Says so as upstream's proxy does; false when the setting is missing or off.
     */
    static boolean checkBridgeNetfilter(Path sysctl) {
        String value;
        try {
            value = java.nio.file.Files.readString(sysctl).strip();
        } catch (java.io.IOException e) {
            value = "";
        }
        if (!value.equals("1")) {
            LOG.log(Level.WARNING, "Missing br-netfilter module or unset sysctl br-nf-call-iptables, proxy may not"
                    + " work as intended (modprobe br_netfilter; sysctl net.bridge.bridge-nf-call-iptables=1)"
                    + " value=" + (value.isEmpty() ? "<missing>" : value));
            return false;
        }
        return true;
    }

    private void markDirty() {
        synchronized (lock) {
            dirty = true;
            lock.notifyAll();
        }
    }

    private void run() {
        while (true) {
            synchronized (lock) {
                while (!closed && (!dirty || !synced())) {
                    try {
                        lock.wait(synced() ? 0 : 100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                dirty = false;
            }
            try {
                sync();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "applying the service rules failed, retrying table=" + table + ": "
                        + e.getMessage());
                markDirty();
            }
            try {
                Thread.sleep(minSyncPeriod);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private boolean synced() {
        return services.hasSynced() && endpointsInformer.hasSynced() && nodes.hasSynced();
    }

    /** The node's InternalIP addresses (where NodePorts answer and what LoadBalancers get as ingress). */
    public List<String> nodeIps() {
        return nodes.get("", nodeName).map(n -> n.getStatus() == null || n.getStatus().getAddresses() == null
                ? List.<String>of()
                : n.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType()))
                        .map(NodeAddress::getAddress).filter(a -> !a.contains(":")).toList()).orElse(List.of());
    }

    private void sync() {
        List<Service> serviceList = services.list();
        List<EndpointSlice> sliceList = slices.get();
        healthChecks.update(ServiceHealthServers.localEndpoints(serviceList, sliceList, nodeName));
        List<ServicePort> ports = servicePorts(serviceList, sliceList, nodeName);
        Rules rules = new Rules(table, podCidr, serviceCidr, nodeIps());
        String script = rules.script(ports);
        if (script.equals(applied)) {
            return;
        }
        // in place when the table holds what was applied last (affinity entries kept); whole after a failure
        Rules.Script update = rules.script(ports, appliedObjects);
        appliedObjects = Map.of();
        Nftables.apply("install the service rules table " + table, update.text());
        appliedObjects = update.objects();
        applied = script;
        Instant now = Instant.now();
        listeners.forEach(l -> l.accept(now));
        LOG.log(Level.DEBUG, "service rules applied table={0} ports={1}", table, ports.size());
        cleanUpConntrack(ports);
    }

    private void cleanUpConntrack(List<ServicePort> ports) {
        Map<String, ServicePort> udp = new HashMap<>();
        ports.stream().filter(p -> "udp".equals(p.protocol())).forEach(p -> udp.put(p.id(), p));
        if (conntrack.available()) {
            for (Map.Entry<String, ServicePort> old : lastUdp.entrySet()) {
                ServicePort now = udp.get(old.getKey());
                Set<String> serving = now == null ? Set.of() : servingIps(now);
                for (String gone : servingIps(old.getValue())) {
                    if (!serving.contains(gone)) {
                        ServicePort o = old.getValue();
                        for (String address : addresses(o)) {
                            conntrack.deleteUdp(address, o.port(), gone);
                        }
                        if (o.nodePort() > 0) {
                            conntrack.deleteUdp("", o.nodePort(), gone);
                        }
                    }
                }
            }
            for (ServicePort now : udp.values()) {
                ServicePort old = lastUdp.get(now.id());
                if (!servingIps(now).isEmpty() && (old == null || servingIps(old).isEmpty())) {
                    // entries made while the service had no endpoint have no DNAT and would keep failing
                    for (String address : addresses(now)) {
                        conntrack.deleteUdp(address, now.port(), "");
                    }
                }
            }
        }
        lastUdp = Map.copyOf(udp);
    }

    private static List<String> addresses(ServicePort p) {
        List<String> out = new ArrayList<>(List.of(p.clusterIp()));
        out.addAll(p.externalIps());
        out.addAll(p.loadBalancerIps());
        return out;
    }

    private static Set<String> servingIps(ServicePort p) {
        Set<String> out = new LinkedHashSet<>();
        p.usable().forEach(e -> out.add(e.ip()));
        return out;
    }

    /**
     * The service ports the proxy programs: every port of every service with a ClusterIP, with its slices' endpoints,
     * those whose {@code nodeName} is {@code nodeName} marked local.
     */
    public static List<ServicePort> servicePorts(List<Service> services, List<EndpointSlice> slices, String nodeName) {
        Map<String, List<EndpointSlice>> byService = new HashMap<>();
        for (EndpointSlice s : slices) {
            String service = s.getMetadata().getLabels() == null ? null
                    : s.getMetadata().getLabels().get(SERVICE_NAME_LABEL);
            if (service != null && "IPv4".equals(s.getAddressType())) {
                byService.computeIfAbsent(s.getMetadata().getNamespace() + "/" + service, k -> new ArrayList<>())
                        .add(s);
            }
        }
        List<ServicePort> out = new ArrayList<>();
        for (Service svc : services) {
            var spec = svc.getSpec();
            String clusterIp = spec.getClusterIP();
            if ("ExternalName".equals(spec.getType()) || clusterIp == null || clusterIp.isEmpty()
                    || "None".equals(clusterIp) || spec.getPorts() == null) {
                continue;
            }
            String ns = svc.getMetadata().getNamespace();
            String name = svc.getMetadata().getName();
            List<String> external = spec.getExternalIPs() == null ? List.of() : List.copyOf(spec.getExternalIPs());
            List<String> loadBalancer = new ArrayList<>();
            if ("LoadBalancer".equals(spec.getType()) && svc.getStatus() != null
                    && svc.getStatus().getLoadBalancer() != null
                    && svc.getStatus().getLoadBalancer().getIngress() != null) {
                svc.getStatus().getLoadBalancer().getIngress().stream().map(LoadBalancerIngress::getIp)
                        .filter(Objects::nonNull).filter(ip -> !external.contains(ip)).forEach(loadBalancer::add);
            }
            List<String> sourceRanges = spec.getLoadBalancerSourceRanges() == null ? List.of()
                    : spec.getLoadBalancerSourceRanges().stream().map(String::strip).toList();
            int affinity = 0;
            if ("ClientIP".equals(spec.getSessionAffinity())) {
                Integer timeout = spec.getSessionAffinityConfig() == null
                        || spec.getSessionAffinityConfig().getClientIP() == null ? null
                        : spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
                affinity = timeout == null ? 10800 : timeout;
            }
            boolean local = "Local".equals(spec.getExternalTrafficPolicy());
            boolean internalLocal = "Local".equals(spec.getInternalTrafficPolicy());
            for (var sp : spec.getPorts()) {
                String portName = sp.getName() == null ? "" : sp.getName();
                String protocol = sp.getProtocol() == null ? "TCP" : sp.getProtocol();
                Map<String, ServicePort.Endpoint> endpoints = new java.util.LinkedHashMap<>();
                for (EndpointSlice slice : byService.getOrDefault(ns + "/" + name, List.of())) {
                    if (slice.getPorts() == null || slice.getEndpoints() == null) {
                        continue;
                    }
                    for (var port : slice.getPorts()) {
                        String slicePortName = port.getName() == null ? "" : port.getName();
                        String sliceProtocol = port.getProtocol() == null ? "TCP" : port.getProtocol();
                        if (!slicePortName.equals(portName) || !sliceProtocol.equals(protocol) || port.getPort() == null) {
                            continue;
                        }
                        for (var e : slice.getEndpoints()) {
                            if (e.getAddresses() == null || e.getAddresses().isEmpty()) {
                                continue;
                            }
                            EndpointConditions c = e.getConditions();
                            boolean ready = c == null || c.getReady() == null || c.getReady();
                            boolean serving = c == null || c.getServing() == null ? ready : c.getServing();
                            boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
                            String ip = e.getAddresses().getFirst();
                            endpoints.putIfAbsent(ip + ":" + port.getPort(),
                                    new ServicePort.Endpoint(ip, port.getPort(), ready, serving, terminating,
                                            nodeName.equals(e.getNodeName())));
                        }
                    }
                }
                int nodePort = sp.getNodePort() == null ? 0 : sp.getNodePort();
                List<ServicePort.Endpoint> sorted = new ArrayList<>(endpoints.values());
                sorted.sort(Comparator.comparing(ServicePort.Endpoint::ip).thenComparing(ServicePort.Endpoint::port));
                out.add(new ServicePort(ns, name, portName, protocol.toLowerCase(Locale.ROOT), clusterIp, sp.getPort(),
                        nodePort, external, loadBalancer, sourceRanges, affinity, local, internalLocal, sorted));
            }
        }
        out.sort(Comparator.comparing(ServicePort::id));
        return out;
    }

    /** Stops the thread and deletes the table. */
    @Override
    public void close() {
        Thread t;
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        healthChecks.close();
        List<String> failed = Nftables.deleteTable("ip", table);
        if (!failed.isEmpty()) {
            LOG.log(Level.WARNING, "removing the service rules failed: " + failed);
        }
    }
}
