package dev.j8s.proxy.nftables;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointsSlicesTest {

    private static final Endpoints WEB = new EndpointsBuilder().withNewMetadata().withName("web").withNamespace("shop")
            .endMetadata()
            .addNewSubset()
            .addNewAddress().withIp("10.220.0.2").withNodeName("agent-node").withNewTargetRef().withKind("Pod")
            .withName("web-1").endTargetRef().endAddress()
            .addNewAddress().withIp("10.220.0.3").endAddress()
            .addNewNotReadyAddress().withIp("10.220.0.4").endNotReadyAddress()
            .addNewPort().withName("http").withPort(8080).withProtocol("TCP").endPort()
            .endSubset()
            .addNewSubset()
            .addNewAddress().withIp("10.220.0.9").endAddress()
            .addNewAddress().withIp("fd00::9").endAddress()
            .addNewPort().withName("dns").withPort(53).endPort()
            .endSubset()
            .build();

    @Test
    void eachSubsetBecomesOneIpv4SliceLabelledWithTheServiceName() {
        List<EndpointSlice> slices = EndpointsSlices.of(WEB);

        assertThat(slices).hasSize(2);
        EndpointSlice first = slices.get(0);
        assertThat(first.getMetadata().getNamespace()).isEqualTo("shop");
        assertThat(first.getMetadata().getLabels()).containsEntry("kubernetes.io/service-name", "web");
        assertThat(first.getAddressType()).isEqualTo("IPv4");
        assertThat(first.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getPort()).isEqualTo(8080);
            assertThat(p.getProtocol()).isEqualTo("TCP");
        });
        assertThat(first.getEndpoints()).extracting(e -> e.getAddresses().get(0), e -> e.getConditions().getReady())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("10.220.0.2", true),
                        org.assertj.core.groups.Tuple.tuple("10.220.0.3", true),
                        org.assertj.core.groups.Tuple.tuple("10.220.0.4", false));
        assertThat(first.getEndpoints().get(0).getNodeName()).isEqualTo("agent-node");
        assertThat(first.getEndpoints().get(0).getTargetRef().getName()).isEqualTo("web-1");
        assertThat(slices.get(1).getEndpoints()).extracting(e -> e.getAddresses().get(0)).containsExactly("10.220.0.9");
        assertThat(slices.get(1).getPorts().get(0).getProtocol()).isEqualTo("TCP");
    }

    @Test
    void theProxyProgramsTheReadyAddressesOfEndpointsLikeThoseOfSlices() {
        Service service = new ServiceBuilder().withNewMetadata().withName("web").withNamespace("shop").endMetadata()
                .withNewSpec().withClusterIP("10.96.0.20").addNewPort().withName("http").withPort(80)
                .withProtocol("TCP").withNewTargetPort(8080).endPort().endSpec().build();

        List<ServicePort> ports = Proxier.servicePorts(List.of(service), EndpointsSlices.of(WEB), "agent-node");

        assertThat(ports).singleElement().satisfies(p ->
                assertThat(p.usable()).extracting(ServicePort.Endpoint::ip, ServicePort.Endpoint::local)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("10.220.0.2", true),
                                org.assertj.core.groups.Tuple.tuple("10.220.0.3", false)));
    }

    @Test
    void endpointsWithoutSubsetsHaveNoSlices() {
        assertThat(EndpointsSlices.of(new EndpointsBuilder().withNewMetadata().withName("empty").withNamespace("a")
                .endMetadata().build())).isEmpty();
    }
}
