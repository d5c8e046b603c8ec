package dev.j8s.proxy.nftables;

import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The EndpointSlices an Endpoints object stands for, for a proxy fed by a server without {@code discovery.k8s.io/v1}
 * (before Kubernetes 1.21), as upstream's EndpointSlice mirroring controller derives them: one IPv4 slice per subset
 * (a slice has one set of ports), labelled with the service name; {@code addresses} are ready and serving,
 * {@code notReadyAddresses} neither; node name, host name and target reference are kept. Stateless and thread-safe.
 */
public final class EndpointsSlices {

    private EndpointsSlices() {
    }

    public static List<EndpointSlice> of(Endpoints endpoints) {
        List<EndpointSlice> slices = new ArrayList<>();
        List<EndpointSubset> subsets = endpoints.getSubsets() == null ? List.of() : endpoints.getSubsets();
        var meta = endpoints.getMetadata();
        Map<String, String> labels = new HashMap<>();
        labels.put(Proxier.SERVICE_NAME_LABEL, meta.getName());
        for (int i = 0; i < subsets.size(); i++) {
            EndpointSubset subset = subsets.get(i);
            List<Endpoint> members = new ArrayList<>();
            addresses(subset.getAddresses(), true, members);
            addresses(subset.getNotReadyAddresses(), false, members);
            EndpointSliceBuilder slice = new EndpointSliceBuilder().withNewMetadata()
                    .withName(meta.getName() + "-" + i).withNamespace(meta.getNamespace()).withLabels(labels)
                    .endMetadata().withAddressType("IPv4").withEndpoints(members);
            for (EndpointPort port : subset.getPorts() == null ? List.<EndpointPort>of() : subset.getPorts()) {
                slice.addNewPort().withName(port.getName() == null ? "" : port.getName()).withPort(port.getPort())
                        .withProtocol(port.getProtocol() == null ? "TCP" : port.getProtocol())
                        .withAppProtocol(port.getAppProtocol()).endPort();
            }
            slices.add(slice.build());
        }
        return slices;
    }

    private static void addresses(List<EndpointAddress> addresses, boolean ready, List<Endpoint> into) {
        for (EndpointAddress a : addresses == null ? List.<EndpointAddress>of() : addresses) {
            if (a.getIp() == null || a.getIp().contains(":")) {
                continue; // IPv4 slices only, as the proxy programs IPv4
            }
            into.add(new EndpointBuilder().withAddresses(a.getIp()).withNewConditions().withReady(ready)
                    .withServing(ready).withTerminating(false).endConditions().withNodeName(a.getNodeName())
                    .withHostname(a.getHostname()).withTargetRef(a.getTargetRef()).build());
        }
    }
}
