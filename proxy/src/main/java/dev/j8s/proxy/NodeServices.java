package dev.j8s.proxy;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.ControllerLoop;
import dev.j8s.controllers.common.EventRecorder;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.informers.ResourceEventHandler;
import dev.j8s.controllers.informers.SharedInformer;
import dev.j8s.controllers.workqueue.RateLimiter;
import dev.j8s.controllers.workqueue.WorkQueue;
import dev.j8s.proxy.conntrack.Conntrack;
import dev.j8s.proxy.dns.ClusterDnsServer;
import dev.j8s.proxy.nftables.Proxier;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node runs for Services, as kube-proxy, a service load balancer and CoreDNS do: the {@link Proxier}, the
 * LoadBalancer status (the node's address as ingress, as k3s's ServiceLB gives), the cluster DNS server on the pod
 * network's gateway once that address exists, and the built-in services' endpoints: {@code kube-system/kube-dns}
 * (reserved at the DNS service IP) and {@code default/kubernetes}, both pointing at the gateway, where the API server
 * and the DNS server listen for pods. Thread-safe; {@link #close} stops everything and deletes the rules.
 */
public final class NodeServices implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(NodeServices.class.getName());
    static final String MANAGED_BY = "j8s";
    static final String SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror";
    private static final String COMPONENT = "service-lb-controller";

    /**
     * @param nodeName      this node
     * @param table         the nftables table of this instance
     * @param podCidr       the pod network
     * @param serviceCidr   the ClusterIP range
     * @param gateway       the pod network's gateway, where the API server and the DNS server listen for pods
     * @param apiPort       the API server's port on the gateway
     * @param dnsServiceIp  the ClusterIP of {@code kube-dns}
     * @param clusterDomain {@code cluster.local}
     * @param resolvConf    the node's resolv.conf, whose nameservers get out-of-zone questions
     * @param dnsPort       53; another port for tests
     * @param minSyncPeriod the least time between two rule applications
     */
    public record Config(String nodeName, String table, String podCidr, String serviceCidr, String gateway,
                         int apiPort, String dnsServiceIp, String clusterDomain, Path resolvConf, int dnsPort,
                         Duration minSyncPeriod) {
        public Config {
            Objects.requireNonNull(nodeName, "nodeName");
            Objects.requireNonNull(table, "table");
        }
    }

    private final Config config;
    private final KubeClient client;
    private final InformerFactory informers;
    private final Proxier proxier;
    private final ClusterDnsServer dns;
    private final SharedInformer<Service> services;
    private final EventRecorder events;
    private final WorkQueue queue = new WorkQueue("service-lb", RateLimiter.defaults());
    private final ControllerLoop loadBalancers;
    private volatile boolean closed;
    private Thread dnsStarter;

    private NodeServices(Config config, KubeClient client) {
        this.config = config;
        this.client = client;
        this.informers = new InformerFactory(client, Duration.ofMinutes(10));
        this.proxier = new Proxier(config.table(), config.podCidr(), config.serviceCidr(), config.nodeName(),
                config.minSyncPeriod(), informers, Conntrack.system());
        this.dns = new ClusterDnsServer(config.clusterDomain(), config.dnsServiceIp(),
                ClusterDnsServer.resolvers(config.resolvConf(), List.of(config.dnsServiceIp(), config.gateway())),
                informers);
        this.services = informers.informer(Kind.SERVICES);
        this.events = new EventRecorder(client, COMPONENT, Clock.systemUTC());
        this.loadBalancers = new ControllerLoop(COMPONENT, queue, this::syncLoadBalancer, 1);
        proxier.reportHealthCheckFailures((target, why) -> services.get(target.namespace(), target.name()).ifPresent(
                svc -> events.event(svc, EventRecorder.WARNING, "FailedToStartServiceHealthcheck",
                        "node " + config.nodeName() + " " + why)));
        services.addEventHandler(ResourceEventHandler.of(this::enqueueLoadBalancers, this::enqueueLoadBalancers));
        informers.informer(Kind.NODES).addEventHandler(ResourceEventHandler.of(
                n -> services.list().forEach(this::enqueueLoadBalancers), n -> { }));
    }

    /** Writes the built-in services, starts the informers, the proxy, the load balancer status and the DNS server. */
    public static NodeServices start(KubeClient client, Config config) {
        NodeServices s = new NodeServices(config, client);
        s.ensureBuiltins();
        s.informers.start();
        s.proxier.start();
        s.loadBalancers.start();
        s.dnsStarter = Thread.ofVirtual().name("j8s-dns-starter").start(s::startDnsWhenGatewayExists);
        return s;
    }

    public Proxier proxier() {
        return proxier;
    }

    // ---- the cluster DNS -----------------------------------------------------------------------------------------

    private void startDnsWhenGatewayExists() {
        try {
            InetAddress gateway = InetAddress.ofLiteral(config.gateway());
            // the bridge (with the gateway address) appears with the first pod's network
            while (!closed && !present(gateway)) {
                Thread.sleep(100);
            }
            if (!closed) {
                dns.start(new InetSocketAddress(gateway, config.dnsPort()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "the cluster DNS cannot serve, pods will not resolve names address="
                    + config.gateway() + ":" + config.dnsPort() + " error=" + e.getMessage());
        }
    }

    static boolean present(InetAddress address) {
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    // ---- built-in services ---------------------------------------------------------------------------------------

    private void ensureBuiltins() {
        ResourceClient<Service> svc = client.resource(Kind.SERVICES);
        if (svc.get("kube-system", "kube-dns").isEmpty()) {
            try {
                svc.create(new ServiceBuilder().withNewMetadata().withName("kube-dns").withNamespace("kube-system")
                        .addToLabels("k8s-app", "kube-dns").addToLabels("kubernetes.io/cluster-service", "true")
                        .addToLabels("kubernetes.io/name", "CoreDNS").endMetadata().withNewSpec()
                        .withClusterIP(config.dnsServiceIp())
                        .addNewPort().withName("dns").withPort(53).withProtocol("UDP")
                        .withTargetPort(new IntOrString(53)).endPort()
                        .addNewPort().withName("dns-tcp").withPort(53).withProtocol("TCP")
                        .withTargetPort(new IntOrString(53)).endPort().endSpec().build());
            } catch (ClusterException.AlreadyExists e) {
                // made concurrently
            }
        }
        publish("kube-system", "kube-dns", Map.of("k8s-app", "kube-dns"),
                List.of(new BuiltinPort("dns", "UDP", config.dnsPort()), new BuiltinPort("dns-tcp", "TCP",
                        config.dnsPort())));
        publish("default", "kubernetes", Map.of(), List.of(new BuiltinPort("https", "TCP", config.apiPort())));
    }

    private record BuiltinPort(String name, String protocol, int port) {
    }

    /**
     * Points a built-in service at the gateway: its Endpoints (labelled not to be mirrored) and a slice of the same
     * name, as the API server keeps them for {@code kubernetes}.
     */
    private void publish(String namespace, String name, Map<String, String> labels, List<BuiltinPort> ports) {
        Optional<Service> service = client.resource(Kind.SERVICES).get(namespace, name);
        if (service.isEmpty()) {
            return;
        }
        EndpointsBuilder ep = new EndpointsBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .withLabels(new java.util.HashMap<>(labels)).addToLabels(SKIP_MIRROR, "true").endMetadata()
                .addNewSubset().addNewAddress().withIp(config.gateway()).endAddress().endSubset();
        ports.forEach(p -> ep.editFirstSubset().addNewPort().withName(p.name()).withPort(p.port())
                .withProtocol(p.protocol()).endPort().endSubset());
        upsert(client.resource(Kind.ENDPOINTS), namespace, name, ep.build());
        EndpointSliceBuilder slice = new EndpointSliceBuilder().withNewMetadata().withName(name)
                .withNamespace(namespace).withLabels(new java.util.HashMap<>(labels))
                .addToLabels("kubernetes.io/service-name", name)
                .addToLabels("endpointslice.kubernetes.io/managed-by", MANAGED_BY)
                .withOwnerReferences(dev.j8s.controllers.common.Owners.controllerRef(service.get(), "v1", "Service"))
                .endMetadata().withAddressType("IPv4").addNewEndpoint().withAddresses(config.gateway())
                .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions()
                .withNodeName(config.nodeName()).endEndpoint();
        ports.forEach(p -> slice.addNewPort().withName(p.name()).withPort(p.port()).withProtocol(p.protocol())
                .endPort());
        upsert(client.resource(Kind.ENDPOINT_SLICES), namespace, name, slice.build());
    }

    private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> void upsert(ResourceClient<T> resource,
            String namespace, String name, T desired) {
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                Optional<T> current = resource.get(namespace, name);
                if (current.isEmpty()) {
                    resource.create(desired);
                } else {
                    desired.getMetadata().setResourceVersion(current.get().getMetadata().getResourceVersion());
                    resource.update(desired);
                }
                return;
            } catch (ClusterException.Conflict | ClusterException.AlreadyExists e) {
                // someone wrote meanwhile: read again
            }
        }
        throw new IllegalStateException("publish the endpoints of " + namespace + "/" + name + ": kept conflicting");
    }

    // ---- LoadBalancer status -------------------------------------------------------------------------------------

    private void enqueueLoadBalancers(Service service) {
        if ("LoadBalancer".equals(service.getSpec().getType())) {
            queue.add(SharedInformer.key(service));
        }
    }

    /**
     * Gives a LoadBalancer service the node's address as its ingress, unless an older LoadBalancer already takes
     * one of its ports there (the status then stays empty, with upstream's warning).
     */
    private void syncLoadBalancer(String key) {
        Optional<Service> cached = services.getByKey(key);
        if (cached.isEmpty() || !"LoadBalancer".equals(cached.get().getSpec().getType())) {
            return;
        }
        Service svc = cached.get();
        List<String> nodeIps = proxier.nodeIps();
        if (nodeIps.isEmpty()) {
            return; // the node has not reported its address yet; its update enqueues again
        }
        boolean clash = services.list().stream()
                .filter(o -> "LoadBalancer".equals(o.getSpec().getType()) && !o.getMetadata().getUid()
                        .equals(svc.getMetadata().getUid()))
                .filter(o -> OLDEST_FIRST.compare(o, svc) < 0)
                .anyMatch(o -> sharesPort(o, svc));
        List<String> want = clash ? List.of() : nodeIps;
        List<String> have = svc.getStatus() == null || svc.getStatus().getLoadBalancer() == null
                || svc.getStatus().getLoadBalancer().getIngress() == null ? List.of()
                : svc.getStatus().getLoadBalancer().getIngress().stream().map(i -> i.getIp()).toList();
        if (want.equals(have)) {
            return;
        }
        StringBuilder ingress = new StringBuilder("[");
        for (String ip : want) {
            ingress.append(ingress.length() > 1 ? "," : "").append("{\"ip\":\"").append(ip)
                    .append("\",\"ipMode\":\"VIP\"}");
        }
        ingress.append(']');
        client.resource(Kind.SERVICES).patchStatus(svc.getMetadata().getNamespace(), svc.getMetadata().getName(),
                PatchType.MERGE, "{\"status\":{\"loadBalancer\":{\"ingress\":" + ingress + "}}}");
        if (clash) {
            events.event(svc, EventRecorder.WARNING, "UnAvailableLoadBalancer",
                    "There are no available nodes for LoadBalancer");
        } else {
            events.event(svc, EventRecorder.NORMAL, "UpdatedLoadBalancer",
                    "Updated LoadBalancer with new IPs: " + have + " -> " + want);
        }
    }

    private static final Comparator<Service> OLDEST_FIRST = Comparator
            .comparing((Service s) -> s.getMetadata().getCreationTimestamp() == null ? ""
                    : s.getMetadata().getCreationTimestamp())
            .thenComparing(s -> s.getMetadata().getNamespace() + "/" + s.getMetadata().getName());

    private static boolean sharesPort(Service a, Service b) {
        List<String> ports = new ArrayList<>();
        a.getSpec().getPorts().forEach(p -> ports.add(p.getProtocol() + "/" + p.getPort()));
        return b.getSpec().getPorts().stream().anyMatch(p -> ports.contains(p.getProtocol() + "/" + p.getPort()));
    }

    @Override
    public void close() {
        closed = true;
        if (dnsStarter != null) {
            dnsStarter.interrupt();
        }
        loadBalancers.close();
        dns.close();
        proxier.close();
        informers.close();
        events.close();
    }

    /** Deletes an instance's service rules table (for {@code j8s reset}); what failed, or empty. */
    public static List<String> removeRules(String table) {
        return dev.j8s.runtime.cni.Nftables.deleteTable("ip", table);
    }
}
