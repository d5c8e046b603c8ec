package dev.j8s.proxy.dns;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An immutable snapshot of what the cluster DNS answers from: the namespaces, each service with its ports and its
 * endpoints from the slices, and the reverse names of ClusterIPs and ready endpoints. Built whole from the
 * informers' lists; thread-safe.
 */
record DnsIndex(Set<String> namespaces, Map<String, Svc> services, Map<String, String> reverse, long serial) {

    /** A port of a service: name, {@code tcp}/{@code udp}/{@code sctp}, number. */
    record Port(String name, String protocol, int port) {
    }

    /** An endpoint: its address, its host label (the hostname, else the dashed address), readiness and ports. */
    record Ep(String ip, String host, boolean ready, List<Port> ports) {
    }

    /**
     * A service by {@code name.namespace}.
     *
     * @param clusterIp    the ClusterIP, empty for a headless service
     * @param externalName the target of an ExternalName service, else empty
     */
    record Svc(String name, String namespace, String clusterIp, String externalName, List<Port> ports,
               List<Ep> endpoints) {
        boolean headless() {
            return clusterIp.isEmpty() && externalName.isEmpty();
        }

        List<Ep> readyEndpoints() {
            return endpoints.stream().filter(Ep::ready).toList();
        }
    }

    static DnsIndex build(List<Namespace> namespaces, List<Service> services, List<EndpointSlice> slices,
                          String zone, long serial) {
        Set<String> ns = new HashSet<>();
        namespaces.forEach(n -> ns.add(n.getMetadata().getName()));
        Map<String, List<EndpointSlice>> slicesByService = new HashMap<>();
        for (EndpointSlice s : slices) {
            String svc = s.getMetadata().getLabels() == null ? null
                    : s.getMetadata().getLabels().get("kubernetes.io/service-name");
            if (svc != null && "IPv4".equals(s.getAddressType())) {
                slicesByService.computeIfAbsent(svc + "." + s.getMetadata().getNamespace(), k -> new ArrayList<>())
                        .add(s);
            }
        }
        Map<String, Svc> out = new HashMap<>();
        Map<String, String> reverse = new HashMap<>();
        for (Service s : services) {
            String name = s.getMetadata().getName();
            String namespace = s.getMetadata().getNamespace();
            String key = name + "." + namespace;
            var spec = s.getSpec();
            String externalName = "ExternalName".equals(spec.getType()) && spec.getExternalName() != null
                    ? spec.getExternalName() : "";
            String clusterIp = externalName.isEmpty() && spec.getClusterIP() != null && !"None".equals(spec.getClusterIP())
                    ? spec.getClusterIP() : "";
            List<Port> ports = new ArrayList<>();
            for (ServicePort p : spec.getPorts() == null ? List.<ServicePort>of() : spec.getPorts()) {
                ports.add(new Port(p.getName() == null ? "" : p.getName(),
                        (p.getProtocol() == null ? "TCP" : p.getProtocol()).toLowerCase(Locale.ROOT), p.getPort()));
            }
            boolean publishNotReady = Boolean.TRUE.equals(spec.getPublishNotReadyAddresses());
            Map<String, Ep> endpoints = new LinkedHashMap<>();
            for (EndpointSlice slice : slicesByService.getOrDefault(key, List.of())) {
                List<Port> slicePorts = new ArrayList<>();
                if (slice.getPorts() != null) {
                    for (var p : slice.getPorts()) {
                        if (p.getPort() != null) {
                            slicePorts.add(new Port(p.getName() == null ? "" : p.getName(),
                                    (p.getProtocol() == null ? "TCP" : p.getProtocol()).toLowerCase(Locale.ROOT),
                                    p.getPort()));
                        }
                    }
                }
                for (var e : slice.getEndpoints() == null ? List.<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint>of()
                        : slice.getEndpoints()) {
                    if (e.getAddresses() == null || e.getAddresses().isEmpty()) {
                        continue;
                    }
                    String ip = e.getAddresses().getFirst();
                    boolean ready = publishNotReady || e.getConditions() == null || e.getConditions().getReady() == null
                            || e.getConditions().getReady();
                    String host = e.getHostname() != null && !e.getHostname().isEmpty() ? e.getHostname()
                            : ip.replace('.', '-');
                    endpoints.putIfAbsent(ip, new Ep(ip, host.toLowerCase(Locale.ROOT), ready, slicePorts));
                }
            }
            Svc svc = new Svc(name, namespace, clusterIp, externalName, ports, List.copyOf(endpoints.values()));
            out.put(key, svc);
            String fqdn = key + ".svc." + zone + ".";
            if (!clusterIp.isEmpty()) {
                reverse.put(clusterIp, fqdn);
            }
            for (Ep e : svc.readyEndpoints()) {
                reverse.putIfAbsent(e.ip(), e.host() + "." + fqdn);
            }
        }
        return new DnsIndex(Set.copyOf(ns), Map.copyOf(out), Map.copyOf(reverse), serial);
    }
}
