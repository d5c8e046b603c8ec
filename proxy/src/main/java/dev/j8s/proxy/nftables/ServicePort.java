package dev.j8s.proxy.nftables;

import java.util.List;

/**
 * One port of one Service as the proxy programs it, with the endpoints its slices give for that port (upstream's
 * {@code ServicePortName} with its {@code BaseServicePortInfo} and endpoints). Immutable.
 *
 * @param namespace       the service's namespace
 * @param name            the service's name
 * @param portName        the port's name, empty when unnamed
 * @param protocol        {@code tcp}, {@code udp} or {@code sctp}
 * @param clusterIp       the ClusterIP
 * @param port            the service port
 * @param nodePort        the node port, 0 for none
 * @param externalIps     addresses captured like the ClusterIP but as external traffic ({@code externalIPs})
 * @param loadBalancerIps the load balancer's ingress IPs, external traffic too
 * @param sourceRanges    {@code loadBalancerSourceRanges}: when not empty, only these sources reach the service
 *                        through its load balancer's ingress IPs
 * @param affinitySeconds the ClientIP affinity timeout, 0 without affinity
 * @param externalLocal   {@code externalTrafficPolicy: Local}: external traffic keeps its source address and goes
 *                        to this node's endpoints only
 * @param internalLocal   {@code internalTrafficPolicy: Local}: ClusterIP traffic goes to this node's endpoints only
 * @param endpoints       every endpoint of the port, ready or not
 */
public record ServicePort(String namespace, String name, String portName, String protocol, String clusterIp, int port,
                          int nodePort, List<String> externalIps, List<String> loadBalancerIps,
                          List<String> sourceRanges, int affinitySeconds, boolean externalLocal,
                          boolean internalLocal, List<Endpoint> endpoints) {

    /**
     * One endpoint address and the port it serves on.
     *
     * @param serving     ready or not, the pod passes its readiness probe
     * @param terminating the pod is being deleted
     * @param local       its pod runs on this node
     */
    public record Endpoint(String ip, int port, boolean ready, boolean serving, boolean terminating, boolean local) {
    }

    public ServicePort {
        externalIps = List.copyOf(externalIps);
        loadBalancerIps = List.copyOf(loadBalancerIps);
        sourceRanges = List.copyOf(sourceRanges);
        endpoints = List.copyOf(endpoints);
    }

    /** {@code ns/name/proto/portName} (an unnamed port leaves the trailing slash), as kube-proxy names it. */
    public String id() {
        return namespace + "/" + name + "/" + protocol + "/" + portName;
    }

    /**
     * The endpoints traffic goes to: the ready ones; if none, those still serving while terminating (upstream's
     * {@code CategorizeEndpoints}); else none.
     */
    public List<Endpoint> usable() {
        return usable(endpoints);
    }

    /** The endpoints traffic under a {@code Local} policy goes to: {@link #usable()} among this node's endpoints. */
    public List<Endpoint> usableLocal() {
        return usable(endpoints.stream().filter(Endpoint::local).toList());
    }

    private static List<Endpoint> usable(List<Endpoint> endpoints) {
        List<Endpoint> ready = endpoints.stream().filter(Endpoint::ready).toList();
        if (!ready.isEmpty()) {
            return ready;
        }
        return endpoints.stream().filter(e -> e.serving() && e.terminating()).toList();
    }
}
