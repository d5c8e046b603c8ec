package dev.j8s.controllers.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.testing.Controllers;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The endpoints controllers over a real API server: Endpoints and slices follow pods and services. */
class EndpointsControllerTest {

    @TempDir
    Path dir;

    private Controllers controllers;
    private ResourceClient<Service> services;
    private ResourceClient<Pod> pods;
    private ResourceClient<Endpoints> endpoints;
    private ResourceClient<EndpointSlice> slices;

    @BeforeEach
    void start() {
        controllers = Controllers.start(dir);
        controllers.kubelet().stopMakingReady();
        services = controllers.api().client().resource(Kind.SERVICES);
        pods = controllers.api().client().resource(Kind.PODS);
        endpoints = controllers.api().client().resource(Kind.ENDPOINTS);
        slices = controllers.api().client().resource(Kind.ENDPOINT_SLICES);
    }

    @AfterEach
    void stop() {
        controllers.close();
    }

    private void service(String name, String clusterIp) {
        services.create(new ServiceBuilder().withNewMetadata().withName(name).withNamespace("default")
                .addToLabels("tier", "front").endMetadata().withNewSpec().withClusterIP(clusterIp)
                .addToSelector("app", "web").addNewPort().withName("http").withPort(80)
                .withTargetPort(new IntOrString("http")).endPort().endSpec().build());
    }

    private void pod(String name, String ip, Integer httpPort, boolean ready) {
        PodBuilder pod = new PodBuilder().withNewMetadata().withName(name).withNamespace("default")
                .addToLabels("app", "web").endMetadata().withNewSpec().withHostname(name).withSubdomain("web-h")
                .withNodeName("node1").addNewContainer().withName("c").withImage("busybox:1.36").endContainer()
                .endSpec();
        if (httpPort != null) {
            pod.editSpec().editFirstContainer().addNewPort().withName("http").withContainerPort(httpPort).endPort()
                    .endContainer().endSpec();
        }
        pods.create(pod.build());
        status(name, ip, ready);
    }

    private void status(String name, String ip, boolean ready) {
        pods.patchStatus("default", name, PatchType.MERGE, "{\"status\":{\"phase\":\"Running\",\"podIP\":\"" + ip
                + "\",\"podIPs\":[{\"ip\":\"" + ip + "\"}],\"conditions\":[{\"type\":\"Ready\",\"status\":\""
                + (ready ? "True" : "False") + "\"}]}}");
    }

    /** Waits for {@code value} to be present and returns it. */
    private static <T> T await(java.util.function.Supplier<Optional<T>> value) {
        java.util.concurrent.atomic.AtomicReference<T> seen = new java.util.concurrent.atomic.AtomicReference<>();
        dev.j8s.controllers.testing.Eventually.await("the expected endpoints", () -> {
            Optional<T> v = value.get();
            v.ifPresent(seen::set);
            return v.isPresent();
        });
        return seen.get();
    }

    private List<EndpointSlice> slicesOf(String service) {
        return slices.list("default", ListOptions.labels("kubernetes.io/service-name=" + service)).items();
    }

    private static List<String> ips(List<EndpointAddress> addresses) {
        return addresses == null ? List.of() : addresses.stream().map(EndpointAddress::getIp).toList();
    }

    @Test
    void readyAndNotReadyPodsLandInEndpointsAndSlicesWithTheirNamedPortResolved() {
        pod("web-1", "10.244.0.5", 8080, true);
        pod("web-2", "10.244.0.6", 8080, false);
        pod("web-3", "10.244.0.7", null, true); // has no port named http: left out for that port
        service("web", "");

        Endpoints ep = await(() -> endpoints.get("default", "web").filter(e -> e.getSubsets() != null
                && !e.getSubsets().isEmpty() && e.getSubsets().getFirst().getNotReadyAddresses() != null));
        assertThat(ep.getSubsets()).hasSize(1);
        assertThat(ips(ep.getSubsets().getFirst().getAddresses())).containsExactly("10.244.0.5");
        assertThat(ips(ep.getSubsets().getFirst().getNotReadyAddresses())).containsExactly("10.244.0.6");
        assertThat(ep.getSubsets().getFirst().getPorts().getFirst().getPort()).isEqualTo(8080);
        assertThat(ep.getSubsets().getFirst().getAddresses().getFirst().getTargetRef().getName()).isEqualTo("web-1");
        assertThat(ep.getMetadata().getLabels()).containsEntry("tier", "front");
        assertThat(ep.getMetadata().getAnnotations()).containsKey("endpoints.kubernetes.io/last-change-trigger-time");

        List<EndpointSlice> list = await(() -> Optional.of(slicesOf("web")).filter(l -> l.size() == 2));
        EndpointSlice withPort = list.stream().filter(s -> !s.getPorts().isEmpty()).findFirst().orElseThrow();
        assertThat(withPort.getMetadata().getName()).startsWith("web-");
        assertThat(withPort.getAddressType()).isEqualTo("IPv4");
        assertThat(withPort.getMetadata().getLabels()).containsEntry("endpointslice.kubernetes.io/managed-by",
                "endpointslice-controller.k8s.io").containsEntry("tier", "front");
        assertThat(withPort.getMetadata().getOwnerReferences().getFirst().getName()).isEqualTo("web");
        assertThat(withPort.getPorts().getFirst().getPort()).isEqualTo(8080);
        assertThat(withPort.getEndpoints()).extracting(e -> e.getAddresses().getFirst() + "="
                + e.getConditions().getReady() + "/" + e.getConditions().getServing() + "/"
                + e.getConditions().getTerminating())
                .containsExactly("10.244.0.5=true/true/false", "10.244.0.6=false/false/false");

        // the not-ready pod turns ready, the ready one unready
        status("web-2", "10.244.0.6", true);
        status("web-1", "10.244.0.5", false);
        Endpoints after = await(() -> endpoints.get("default", "web").filter(e ->
                ips(e.getSubsets().getFirst().getAddresses()).equals(List.of("10.244.0.6"))));
        assertThat(ips(after.getSubsets().getFirst().getNotReadyAddresses())).containsExactly("10.244.0.5");

        // a deleted service takes its Endpoints and slices along
        services.delete("default", "web", DeleteOptions.defaults());
        await(() -> endpoints.get("default", "web").isEmpty() && slicesOf("web").isEmpty()
                ? Optional.of(true) : Optional.empty());
    }

    @Test
    void aServiceWithoutPodsHasAnEmptyPlaceholderSliceAndNoSubsets() {
        service("web", "");
        EndpointSlice slice = await(() -> slicesOf("web").stream().findFirst());
        assertThat(slice.getEndpoints()).isNullOrEmpty();
        Endpoints ep = await(() -> endpoints.get("default", "web"));
        assertThat(ep.getSubsets()).isNullOrEmpty();
    }

    @Test
    void headlessEndpointsCarryHostnamesOfPodsInTheirSubdomainAndTheHeadlessLabel() {
        services.create(new ServiceBuilder().withNewMetadata().withName("web-h").withNamespace("default")
                .endMetadata().withNewSpec().withClusterIP("None").addToSelector("app", "web").endSpec().build());
        pod("a", "10.244.0.8", 8080, true);
        Endpoints ep = await(() -> endpoints.get("default", "web-h").filter(e -> e.getSubsets() != null
                && !e.getSubsets().isEmpty()));
        assertThat(ep.getSubsets().getFirst().getAddresses().getFirst().getHostname()).isEqualTo("a");
        assertThat(ep.getSubsets().getFirst().getPorts()).isNullOrEmpty();
        assertThat(ep.getMetadata().getLabels()).containsKey("service.kubernetes.io/headless");
        Endpoint endpoint = await(() -> slicesOf("web-h").stream().filter(s -> s.getEndpoints() != null
                && !s.getEndpoints().isEmpty()).findFirst()).getEndpoints().getFirst();
        assertThat(endpoint.getHostname()).isEqualTo("a");
        assertThat(endpoint.getNodeName()).isEqualTo("node1");
    }

    @Test
    void publishNotReadyAddressesMakesUnreadyPodsReady() {
        services.create(new ServiceBuilder().withNewMetadata().withName("web").withNamespace("default")
                .endMetadata().withNewSpec().withPublishNotReadyAddresses(true).addToSelector("app", "web")
                .addNewPort().withPort(80).endPort().endSpec().build());
        pod("web-1", "10.244.0.5", 8080, false);
        Endpoints ep = await(() -> endpoints.get("default", "web").filter(e -> e.getSubsets() != null
                && !e.getSubsets().isEmpty()));
        assertThat(ips(ep.getSubsets().getFirst().getAddresses())).containsExactly("10.244.0.5");
        assertThat(ep.getSubsets().getFirst().getPorts().getFirst().getPort()).isEqualTo(80);
    }

    @Test
    void aSelectorlessServiceKeepsItsUsersEndpointsMirroredIntoSlices() {
        services.create(new ServiceBuilder().withNewMetadata().withName("ext").withNamespace("default")
                .endMetadata().withNewSpec().addNewPort().withPort(5432).endPort().endSpec().build());
        endpoints.create(new EndpointsBuilder().withNewMetadata().withName("ext").withNamespace("default")
                .endMetadata().addNewSubset().addNewAddress().withIp("192.0.2.10").endAddress().addNewPort()
                .withPort(5432).endPort().endSubset().build());
        EndpointSlice slice = await(() -> slicesOf("ext").stream().findFirst());
        assertThat(slice.getMetadata().getLabels()).containsEntry("endpointslice.kubernetes.io/managed-by",
                "endpointslicemirroring-controller.k8s.io");
        assertThat(slice.getEndpoints().getFirst().getAddresses()).containsExactly("192.0.2.10");
        assertThat(endpoints.get("default", "ext").orElseThrow().getSubsets().getFirst().getAddresses().getFirst()
                .getIp()).isEqualTo("192.0.2.10");
    }
}
