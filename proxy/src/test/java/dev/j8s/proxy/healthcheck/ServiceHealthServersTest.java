package dev.j8s.proxy.healthcheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServiceHealthServersTest {

    private final List<String> failures = new ArrayList<>();
    private final ServiceHealthServers servers = new ServiceHealthServers(InetAddress.getLoopbackAddress(),
            (target, why) -> failures.add(target.name() + ": " + why));
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        servers.close();
        http.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private HttpResponse<String> get(int port) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPortAnswers503WithoutLocalEndpointsAnd200WithThemThenCloses() throws Exception {
        int port = freePort();
        ServiceHealthServers.Target web = new ServiceHealthServers.Target("shop", "web", port);

        servers.update(Map.of(web, 0));
        HttpResponse<String> none = get(port);
        assertThat(none.statusCode()).isEqualTo(503);
        assertThat(none.body()).isEqualTo(
                "{\"service\":{\"namespace\":\"shop\",\"name\":\"web\"},\"localEndpoints\":0,\"serviceProxyHealthy\":true}\n");

        servers.update(Map.of(web, 2));
        HttpResponse<String> two = get(port);
        assertThat(two.statusCode()).isEqualTo(200);
        assertThat(two.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(two.headers().firstValue("X-Load-Balancing-Endpoint-Weight")).hasValue("2");
        assertThat(two.body()).contains("\"localEndpoints\":2");

        servers.update(Map.of());
        assertThat(servers.ports()).isEmpty();
        assertThatThrownBy(() -> get(port)).isInstanceOf(ConnectException.class);
    }

    @Test
    void aPortInUseIsReportedOnceAndTakenWhenItIsFree() throws Exception {
        ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        int port = taken.getLocalPort();
        ServiceHealthServers.Target web = new ServiceHealthServers.Target("shop", "web", port);

        servers.update(Map.of(web, 1));
        servers.update(Map.of(web, 1));
        assertThat(failures).hasSize(1);
        assertThat(failures.getFirst()).startsWith("web: failed to start healthcheck \"shop/web\" on port " + port + ": ");
        assertThat(servers.ports()).isEmpty();

        taken.close();
        servers.update(Map.of(web, 1));
        assertThat(servers.ports()).containsExactly(port);
        assertThat(get(port).statusCode()).isEqualTo(200);
    }

    private static Service service(String name, String type, String policy, Integer healthCheckNodePort) {
        return new ServiceBuilder().withNewMetadata().withNamespace("shop").withName(name).endMetadata()
                .withNewSpec().withType(type).withExternalTrafficPolicy(policy)
                .withHealthCheckNodePort(healthCheckNodePort).endSpec().build();
    }

    private static EndpointSlice slice(String service, String... addressNodeReady) {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace("shop")
                .withName(service + "-x").addToLabels("kubernetes.io/service-name", service).endMetadata()
                .withAddressType("IPv4");
        for (String e : addressNodeReady) {
            String[] f = e.split(" ");
            b.addNewEndpoint().withAddresses(f[0]).withNodeName(f[1]).withNewConditions()
                    .withReady(Boolean.parseBoolean(f[2])).endConditions().endEndpoint();
        }
        return b.build();
    }

    @Test
    void onlyLocalPolicyLoadBalancersCountingTheirReadyEndpointsOnThisNode() {
        List<Service> services = List.of(service("web", "LoadBalancer", "Local", 31000),
                service("api", "LoadBalancer", "Cluster", null), service("np", "NodePort", "Local", null));
        List<EndpointSlice> slices = List.of(
                slice("web", "10.0.0.1 here true", "10.0.0.2 here false", "10.0.0.3 there true"),
                slice("web", "10.0.0.1 here true", "10.0.0.4 here true"),
                slice("api", "10.0.0.9 here true"));

        assertThat(ServiceHealthServers.localEndpoints(services, slices, "here"))
                .containsExactly(Map.entry(new ServiceHealthServers.Target("shop", "web", 31000), 2));
    }
}
