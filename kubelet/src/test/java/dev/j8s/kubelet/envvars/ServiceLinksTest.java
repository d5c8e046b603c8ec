package dev.j8s.kubelet.envvars;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServiceLinksTest {

    static Service service(String namespace, String name, String ip, Object... ports) {
        var b = new ServiceBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec().withClusterIP(ip).endSpec();
        for (int i = 0; i < ports.length; i += 3) {
            b.editSpec().addToPorts(new ServicePortBuilder().withName((String) ports[i]).withPort((Integer) ports[i + 1])
                    .withProtocol((String) ports[i + 2]).build()).endSpec();
        }
        return b.build();
    }

    @ParameterizedTest
    @CsvSource({"foo, FOO", "my-service, MY_SERVICE", "a-b-c, A_B_C", "web2, WEB2", "http-alt, HTTP_ALT"})
    void namesAreUpperCasedWithDashesAsUnderscores(String name, String mangled) {
        assertThat(ServiceLinks.makeEnvVariableName(name)).isEqualTo(mangled);
    }

    @Test
    void theKubernetesServiceGivesUpstreamsEightVariables() {
        var env = ServiceLinks.fromServices(List.of(service("default", "kubernetes", "10.96.0.1", "https", 443, "TCP")));
        assertThat(env).containsExactly(
                Map.entry("KUBERNETES_SERVICE_HOST", "10.96.0.1"),
                Map.entry("KUBERNETES_SERVICE_PORT", "443"),
                Map.entry("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
                Map.entry("KUBERNETES_PORT", "tcp://10.96.0.1:443"),
                Map.entry("KUBERNETES_PORT_443_TCP", "tcp://10.96.0.1:443"),
                Map.entry("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
                Map.entry("KUBERNETES_PORT_443_TCP_PORT", "443"),
                Map.entry("KUBERNETES_PORT_443_TCP_ADDR", "10.96.0.1"));
    }

    @Test
    void everyPortGetsLinkVariablesButOnlyTheFirstIsThePortAndUnnamedPortsHaveNoServicePortName() {
        var env = ServiceLinks.fromServices(List.of(service("ns", "dns-server", "10.96.0.10",
                "dns", 53, "UDP", null, 9153, "")));
        assertThat(env).containsEntry("DNS_SERVER_SERVICE_PORT", "53")
                .containsEntry("DNS_SERVER_SERVICE_PORT_DNS", "53")
                .containsEntry("DNS_SERVER_PORT", "udp://10.96.0.10:53")
                .containsEntry("DNS_SERVER_PORT_53_UDP_PROTO", "udp")
                .containsEntry("DNS_SERVER_PORT_9153_TCP", "tcp://10.96.0.10:9153")
                .containsEntry("DNS_SERVER_PORT_9153_TCP_ADDR", "10.96.0.10")
                .hasSize(2 + 1 + 1 + 4 * 2);
    }

    @Test
    void headlessAndExternalNameServicesAreSkippedAndLinksOffKeepOnlyTheMasterService() {
        List<Service> ns = List.of(service("ns", "foo", "10.96.0.5", "bar", 8080, "TCP"),
                service("ns", "headless", "None", "x", 80, "TCP"), service("ns", "ext", "", "x", 80, "TCP"));
        List<Service> def = List.of(service("default", "kubernetes", "10.96.0.1", "https", 443, "TCP"),
                service("default", "other", "10.96.0.9", "x", 80, "TCP"));
        assertThat(ServiceLinks.select("ns", true, ns, def)).extracting(s -> s.getMetadata().getName())
                .containsExactly("foo", "kubernetes");
        assertThat(ServiceLinks.select("ns", false, ns, def)).extracting(s -> s.getMetadata().getName())
                .containsExactly("kubernetes");
    }

    @Test
    void aNamespacesOwnKubernetesServiceWinsOverTheMasterOneAsUpstream() {
        List<Service> ns = List.of(service("ns", "kubernetes", "10.96.0.7", "http", 80, "TCP"));
        List<Service> def = List.of(service("default", "kubernetes", "10.96.0.1", "https", 443, "TCP"));
        assertThat(ServiceLinks.select("ns", true, ns, def)).extracting(s -> s.getSpec().getClusterIP())
                .containsExactly("10.96.0.7");
        assertThat(ServiceLinks.select("default", true, def, def)).hasSize(1);
    }
}
