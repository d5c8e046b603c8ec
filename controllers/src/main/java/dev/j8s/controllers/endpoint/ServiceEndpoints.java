package dev.j8s.controllers.endpoint;

import dev.j8s.controllers.common.Pods;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one Service's endpoints are, computed from the Service and its namespace's pods, once for both the
 * Endpoints and the slices (upstream's {@code podToEndpointAddressForService}, {@code ShouldPodBeInEndpoints},
 * {@code FindPort} and the slice reconciler's {@code podToEndpoint}). Pure and thread-safe.
 */
record ServiceEndpoints(List<PodEndpoint> endpoints) {

    /** The most addresses one Endpoints object holds before it is truncated (upstream's maxCapacity). */
    static final int MAX_ENDPOINTS_ADDRESSES = 1000;
    static final String HEADLESS_LABEL = "service.kubernetes.io/headless";

    /**
     * One pod as an endpoint of the service.
     *
     * @param ports the service's ports this pod serves, as {@code (name, port, protocol, appProtocol)}; a named
     *              target port the pod does not have is left out for this pod
     */
    record PodEndpoint(Pod pod, String ip, boolean ready, boolean serving, boolean terminating, String hostname,
                       List<EndpointPort> ports) {
        PodEndpoint {
            ports = List.copyOf(ports);
        }

        /** The ports as a key: pods with the same key share an Endpoints subset and a slice. */
        String portKey() {
            StringBuilder key = new StringBuilder();
            for (EndpointPort p : ports) {
                key.append(p.getName()).append('/').append(p.getProtocol()).append('/').append(p.getPort()).append(';');
            }
            return key.toString();
        }
    }

    ServiceEndpoints {
        endpoints = List.copyOf(endpoints);
    }

    static boolean headless(Service service) {
        return "None".equals(service.getSpec().getClusterIP());
    }

    static boolean publishNotReady(Service service) {
        return Boolean.TRUE.equals(service.getSpec().getPublishNotReadyAddresses());
    }

    /** The endpoints of {@code service} among {@code pods} (its namespace's pods its selector matches). */
    static ServiceEndpoints of(Service service, List<Pod> pods) {
        boolean publishNotReady = publishNotReady(service);
        List<PodEndpoint> out = new ArrayList<>();
        for (Pod pod : pods) {
            if (Pods.isTerminal(pod)) {
                continue;
            }
            String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            if (ip == null || ip.isEmpty() || ip.contains(":")) {
                continue; // no address yet, or not of the service's family (IPv4)
            }
            boolean terminating = pod.getMetadata().getDeletionTimestamp() != null;
            boolean serving = Pods.isReady(pod);
            boolean ready = publishNotReady || (serving && !terminating);
            String hostname = "";
            if (pod.getSpec().getHostname() != null && !pod.getSpec().getHostname().isEmpty()
                    && service.getMetadata().getName().equals(pod.getSpec().getSubdomain())) {
                hostname = pod.getSpec().getHostname();
            }
            List<EndpointPort> ports = new ArrayList<>();
            for (ServicePort sp : service.getSpec().getPorts() == null ? List.<ServicePort>of() : service.getSpec().getPorts()) {
                findPort(pod, sp).ifPresent(port -> ports.add(new EndpointPortBuilder()
                        .withName(sp.getName() == null ? "" : sp.getName()).withPort(port)
                        .withProtocol(protocol(sp)).withAppProtocol(sp.getAppProtocol()).build()));
            }
            out.add(new PodEndpoint(pod, ip, ready, serving, terminating, hostname, ports));
        }
        out.sort(Comparator.comparing(PodEndpoint::ip).thenComparing(e -> e.pod().getMetadata().getName()));
        return new ServiceEndpoints(out);
    }

    private static String protocol(ServicePort port) {
        return port.getProtocol() == null ? "TCP" : port.getProtocol();
    }

    /**
     * The container port a service port reaches on this pod: a number as it is (the port itself when unset), a name
     * looked up among the pod's container ports of the same protocol (restartable init containers included).
     */
    static Optional<Integer> findPort(Pod pod, ServicePort servicePort) {
        IntOrString target = servicePort.getTargetPort();
        if (target == null || (target.getIntVal() == null && (target.getStrVal() == null || target.getStrVal().isEmpty()))) {
            return Optional.of(servicePort.getPort());
        }
        if (target.getIntVal() != null) {
            return Optional.of(target.getIntVal() == 0 ? servicePort.getPort() : target.getIntVal());
        }
        String name = target.getStrVal();
        if (name.matches("[0-9]+")) {
            return Optional.of(Integer.parseInt(name));
        }
        List<Container> containers = new ArrayList<>(pod.getSpec().getContainers());
        if (pod.getSpec().getInitContainers() != null) {
            pod.getSpec().getInitContainers().stream().filter(c -> "Always".equals(c.getRestartPolicy()))
                    .forEach(containers::add);
        }
        for (Container c : containers) {
            for (ContainerPort cp : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                String proto = cp.getProtocol() == null ? "TCP" : cp.getProtocol();
                if (name.equals(cp.getName()) && proto.equals(protocol(servicePort))) {
                    return Optional.of(cp.getContainerPort());
                }
            }
        }
        return Optional.empty();
    }

    // ---- v1/Endpoints ------------------------------------------------------------------------------------------

    /**
     * The subsets of the Endpoints object: pods with the same ports share one; terminating pods are left out unless
     * the service publishes not-ready addresses; addresses sorted by IP. Headless services without ports list
     * addresses only. Beyond {@value #MAX_ENDPOINTS_ADDRESSES} addresses the subsets are cut (ready ones kept
     * first) and {@code truncated} is true.
     */
    record Subsets(List<EndpointSubset> subsets, boolean truncated) {
    }

    Subsets subsets(Service service) {
        boolean publishNotReady = publishNotReady(service);
        boolean noPorts = service.getSpec().getPorts() == null || service.getSpec().getPorts().isEmpty();
        Map<String, List<PodEndpoint>> byPorts = new LinkedHashMap<>();
        for (PodEndpoint e : endpoints) {
            if (e.terminating() && !publishNotReady) {
                continue;
            }
            if (e.ports().isEmpty() && !(noPorts && headless(service))) {
                continue; // serves none of the service's ports
            }
            byPorts.computeIfAbsent(e.portKey(), k -> new ArrayList<>()).add(e);
        }
        int total = byPorts.values().stream().mapToInt(List::size).sum();
        int budget = MAX_ENDPOINTS_ADDRESSES;
        List<EndpointSubset> subsets = new ArrayList<>();
        for (List<PodEndpoint> group : byPorts.values()) {
            List<EndpointAddress> ready = new ArrayList<>();
            List<EndpointAddress> notReady = new ArrayList<>();
            // a truncated object keeps each subset's share, ready addresses first
            int share = total <= MAX_ENDPOINTS_ADDRESSES ? group.size()
                    : (int) ((long) group.size() * MAX_ENDPOINTS_ADDRESSES / total);
            for (PodEndpoint e : group) {
                (e.ready() ? ready : notReady).add(address(e));
            }
            if (ready.size() > share) {
                ready = ready.subList(0, share);
            }
            if (ready.size() + notReady.size() > share) {
                notReady = notReady.subList(0, share - ready.size());
            }
            budget -= ready.size() + notReady.size();
            EndpointSubsetBuilder subset = new EndpointSubsetBuilder();
            if (!ready.isEmpty()) {
                subset.withAddresses(ready);
            }
            if (!notReady.isEmpty()) {
                subset.withNotReadyAddresses(notReady);
            }
            if (!group.getFirst().ports().isEmpty()) {
                subset.withPorts(group.getFirst().ports());
            }
            if (!ready.isEmpty() || !notReady.isEmpty()) {
                subsets.add(subset.build());
            }
        }
        return new Subsets(subsets, total > MAX_ENDPOINTS_ADDRESSES && budget >= 0);
    }

    private static EndpointAddress address(PodEndpoint e) {
        Pod pod = e.pod();
        EndpointAddressBuilder a = new EndpointAddressBuilder().withIp(e.ip()).withTargetRef(targetRef(pod));
        if (!e.hostname().isEmpty()) {
            a.withHostname(e.hostname());
        }
        String node = Pods.nodeName(pod);
        if (!node.isEmpty()) {
            a.withNodeName(node);
        }
        return a.build();
    }

    static ObjectReference targetRef(Pod pod) {
        return new ObjectReferenceBuilder().withKind("Pod").withNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).build();
    }

    // ---- slices ------------------------------------------------------------------------------------------------

    /** One slice's content: its ports and at most {@code maxPerSlice} endpoints. */
    record SliceContent(List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports,
                        List<Endpoint> endpoints) {
    }

    /**
     * The slices' contents: pods with the same ports share slices of at most {@code maxPerSlice} endpoints; no pod
     * gives one empty placeholder.
     */
    List<SliceContent> slices(int maxPerSlice) {
        Map<String, List<PodEndpoint>> byPorts = new LinkedHashMap<>();
        for (PodEndpoint e : endpoints) {
            byPorts.computeIfAbsent(e.portKey(), k -> new ArrayList<>()).add(e);
        }
        List<SliceContent> out = new ArrayList<>();
        for (List<PodEndpoint> group : byPorts.values()) {
            List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports = group.getFirst().ports().stream()
                    .map(ServiceEndpoints::slicePort).toList();
            for (int from = 0; from < group.size(); from += maxPerSlice) {
                out.add(new SliceContent(ports, group.subList(from, Math.min(group.size(), from + maxPerSlice))
                        .stream().map(ServiceEndpoints::sliceEndpoint).toList()));
            }
        }
        if (out.isEmpty()) {
            out.add(new SliceContent(List.of(), List.of()));
        }
        return out;
    }

    static io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort slicePort(EndpointPort p) {
        return new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder().withName(p.getName())
                .withPort(p.getPort()).withProtocol(p.getProtocol()).withAppProtocol(p.getAppProtocol()).build();
    }

    private static Endpoint sliceEndpoint(PodEndpoint e) {
        EndpointBuilder b = new EndpointBuilder().withAddresses(e.ip()).withNewConditions().withReady(e.ready())
                .withServing(e.serving()).withTerminating(e.terminating()).endConditions()
                .withTargetRef(targetRef(e.pod()));
        if (!e.hostname().isEmpty()) {
            b.withHostname(e.hostname());
        }
        String node = Pods.nodeName(e.pod());
        if (!node.isEmpty()) {
            b.withNodeName(node);
        }
        return b.build();
    }
}
