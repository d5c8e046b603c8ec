package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidCauses;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.registry.ResourceType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ServiceAdmissionTest {

    private static final ResourceType SERVICES = type("services");

    private static ObjectNode svc(String name, String spec) {
        return json("{'apiVersion':'v1','kind':'Service','metadata':{'name':'" + name + "','namespace':'default','uid':'u-" + name
                + "','creationTimestamp':'2025-01-01T00:00:00Z'},'spec':" + spec + "}");
    }

    private static FakeLookup withKubernetesService() {
        return FakeLookup.withDefaultNamespace().put("services", "default",
                svc("kubernetes", "{'clusterIP':'10.96.0.1','clusterIPs':['10.96.0.1'],'ports':[{'port':443,'protocol':'TCP','nodePort':30080}]}"));
    }

    @Test
    void exposeGetsUpstreamDefaultsAndAnAllocatedClusterIP() {
        ObjectNode out = admission(withKubernetesService()).admitCreate(SERVICES,
                svc("websvc", "{'selector':{'app':'web'},'ports':[{'port':80,'targetPort':8080}]}"));

        ObjectNode spec = (ObjectNode) out.get("spec");
        assertThat(spec.get("type").asText()).isEqualTo("ClusterIP");
        String ip = spec.get("clusterIP").asText();
        assertThat(new ServiceIpAllocator("10.96.0.0/12").contains(ip)).isTrue();
        assertThat(ip).isNotEqualTo("10.96.0.1");
        assertThat(spec.get("clusterIPs").toString()).isEqualTo("[\"" + ip + "\"]");
        assertThat(spec.get("ipFamilies").toString()).isEqualTo("[\"IPv4\"]");
        assertThat(spec.get("ipFamilyPolicy").asText()).isEqualTo("SingleStack");
        assertThat(spec.get("sessionAffinity").asText()).isEqualTo("None");
        assertThat(spec.get("internalTrafficPolicy").asText()).isEqualTo("Cluster");
        assertThat(spec.get("ports").toString()).isEqualTo("[{\"port\":80,\"targetPort\":8080,\"protocol\":\"TCP\"}]");
        assertThat(out.get("status").toString()).isEqualTo("{\"loadBalancer\":{}}");
    }

    @Test
    void targetPortDefaultsToPortAndHeadlessKeepsNone() {
        ObjectNode out = admission(withKubernetesService()).admitCreate(SERVICES,
                svc("db", "{'clusterIP':'None','selector':{'app':'db'},'ports':[{'port':5432}]}"));
        assertThat(out.at("/spec/ports/0/targetPort").asInt()).isEqualTo(5432);
        assertThat(out.at("/spec/clusterIPs").toString()).isEqualTo("[\"None\"]");
        assertThat(out.at("/spec/ipFamilyPolicy").asText()).isEqualTo("SingleStack");
    }

    @Test
    void nodePortServicesGetANodePortInRangeAndClusterTrafficPolicy() {
        ObjectNode out = admission(withKubernetesService()).admitCreate(SERVICES,
                svc("np", "{'type':'NodePort','ports':[{'port':80}]}"));
        int nodePort = out.at("/spec/ports/0/nodePort").asInt();
        assertThat(nodePort).isBetween(30000, 32767).isNotEqualTo(30080);
        assertThat(out.at("/spec/externalTrafficPolicy").asText()).isEqualTo("Cluster");
    }

    @Test
    void theKubernetesServiceMayClaimTheFirstAddress() {
        ObjectNode out = admission(FakeLookup.withDefaultNamespace()).admitCreate(SERVICES,
                svc("kubernetes", "{'clusterIP':'10.96.0.1','ports':[{'name':'https','port':443,'targetPort':6443}]}"));
        assertThat(out.at("/spec/clusterIPs").toString()).isEqualTo("[\"10.96.0.1\"]");
    }

    record Rule(String name, String spec, List<String> causes) {}

    static Stream<Rule> rules() {
        return Stream.of(
                new Rule("web", "{'ports':[]}", List.of("spec.ports: Required value")),
                new Rule("Web", "{'ports':[{'port':80}]}", List.of("metadata.name: Invalid value: \"Web\": a DNS-1035 label must consist "
                        + "of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric "
                        + "character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")),
                // the target port defaults to the port, so both are reported as upstream does
                new Rule("web", "{'ports':[{'port':0}]}", List.of("spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                        "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive")),
                new Rule("web", "{'ports':[{'name':'a','port':80},{'port':81}]}", List.of("spec.ports[1].name: Required value")),
                new Rule("web", "{'ports':[{'name':'a','port':80},{'name':'b','port':80}]}", List.of("spec.ports[1]: Duplicate value: "
                        + "core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), Port:80, "
                        + "TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}")),
                new Rule("web", "{'type':'Magic','ports':[{'port':80}]}", List.of("spec.type: Unsupported value: \"Magic\": supported values: "
                        + "\"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"")),
                new Rule("web", "{'ports':[{'port':80,'nodePort':30001}]}",
                        List.of("spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'")),
                new Rule("web", "{'clusterIP':'10.0.0.1','ports':[{'port':80}]}", List.of("spec.clusterIPs: Invalid value: "
                        + "[]string{\"10.0.0.1\"}: failed to allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. "
                        + "The range of valid IPs is 10.96.0.0/12")),
                new Rule("web", "{'clusterIP':'10.96.0.1','ports':[{'port':80}]}", List.of("spec.clusterIPs: Invalid value: "
                        + "[]string{\"10.96.0.1\"}: failed to allocate IP 10.96.0.1: provided IP is already allocated")),
                new Rule("web", "{'type':'NodePort','ports':[{'port':80,'nodePort':80}]}", List.of("spec.ports[0].nodePort: Invalid value: 80: "
                        + "provided port is not in the valid range. The range of valid ports is 30000-32767")),
                new Rule("web", "{'type':'NodePort','ports':[{'port':80,'nodePort':30080}]}",
                        List.of("spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated")),
                new Rule("web", "{'type':'ExternalName'}", List.of("spec.externalName: Required value")),
                new Rule("web", "{'type':'NodePort','externalTrafficPolicy':'Local','healthCheckNodePort':30500,'ports':[{'port':80}]}",
                        List.of("spec.healthCheckNodePort: Invalid value: 30500: may only be set when `type` is 'LoadBalancer' "
                                + "and `externalTrafficPolicy` is 'Local'")),
                new Rule("web", "{'type':'LoadBalancer','healthCheckNodePort':30500,'ports':[{'port':80}]}",
                        List.of("spec.healthCheckNodePort: Invalid value: 30500: may only be set when `type` is 'LoadBalancer' "
                                + "and `externalTrafficPolicy` is 'Local'")),
                new Rule("web", "{'type':'LoadBalancer','externalTrafficPolicy':'Local','healthCheckNodePort':30080,'ports':[{'port':80}]}",
                        List.of("spec.healthCheckNodePort: Invalid value: 30080: failed to allocate requested HealthCheck NodePort "
                                + "30080: provided port is already allocated")),
                new Rule("web", "{'type':'LoadBalancer','externalTrafficPolicy':'Local','healthCheckNodePort':8080,'ports':[{'port':80}]}",
                        List.of("spec.healthCheckNodePort: Invalid value: 8080: failed to allocate requested HealthCheck NodePort "
                                + "8080: provided port is not in the valid range. The range of valid ports is 30000-32767")));
    }

    @ParameterizedTest
    @MethodSource("rules")
    void invalidServicesAreRejectedWithUpstreamCauses(Rule rule) {
        assertThat(invalidCauses(() -> admission(withKubernetesService()).admitCreate(SERVICES, svc(rule.name(), rule.spec()))))
                .containsExactlyElementsOf(rule.causes());
    }

    @Test
    void updatesKeepTheAllocatedClusterIPAndNodePortsAndRefuseAChange() {
        Admission admission = admission(withKubernetesService());
        ObjectNode stored = admission.admitCreate(SERVICES, svc("web", "{'type':'NodePort','ports':[{'name':'http','port':80}]}"));
        String ip = stored.at("/spec/clusterIP").asText();
        int nodePort = stored.at("/spec/ports/0/nodePort").asInt();

        ObjectNode replaced = admission.admitUpdate(SERVICES, stored,
                svc("web", "{'type':'NodePort','ports':[{'name':'http','port':80}]}"), "");
        assertThat(replaced.at("/spec/clusterIP").asText()).isEqualTo(ip);
        assertThat(replaced.at("/spec/ports/0/nodePort").asInt()).isEqualTo(nodePort);
        assertThat(replaced.at("/status").toString()).isEqualTo("{\"loadBalancer\":{}}");

        ObjectNode moved = stored.deepCopy();
        ((ObjectNode) moved.get("spec")).put("clusterIP", "10.96.0.50");
        ((ObjectNode) moved.get("spec")).putArray("clusterIPs").add("10.96.0.50");
        assertThat(invalidCauses(() -> admission.admitUpdate(SERVICES, stored, moved, "")))
                .containsExactly("spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.50\"}: may not change once set");
    }

    @Test
    void changingTheSpecBumpsTheGeneration() {
        Admission admission = admission(withKubernetesService());
        ObjectNode stored = admission.admitCreate(SERVICES, svc("web", "{'ports':[{'port':80}]}"));
        ObjectNode update = stored.deepCopy();
        ((ObjectNode) update.at("/spec/ports/0")).put("port", 81);

        assertThat(admission.admitUpdate(SERVICES, stored, update, "").at("/metadata/generation").asInt()).isEqualTo(2);
        assertThat(admission.admitUpdate(SERVICES, stored, stored.deepCopy(), "").at("/metadata/generation").asInt()).isEqualTo(1);
    }

    @Test
    void aLoadBalancerWithTheLocalPolicyGetsAHealthCheckPortKeptOnUpdateAndDroppedWithThePolicy() {
        Admission admission = admission(withKubernetesService());
        ObjectNode stored = admission.admitCreate(SERVICES,
                svc("lb", "{'type':'LoadBalancer','externalTrafficPolicy':'Local','ports':[{'port':80}]}"));
        int healthCheck = stored.at("/spec/healthCheckNodePort").asInt();
        assertThat(healthCheck).isBetween(30000, 32767).isNotEqualTo(30080)
                .isNotEqualTo(stored.at("/spec/ports/0/nodePort").asInt());
        assertThat(admission.admitCreate(SERVICES, svc("cluster", "{'type':'LoadBalancer','ports':[{'port':80}]}"))
                .at("/spec").has("healthCheckNodePort")).as("only with the Local policy").isFalse();

        ObjectNode replaced = admission.admitUpdate(SERVICES, stored,
                svc("lb", "{'type':'LoadBalancer','externalTrafficPolicy':'Local','ports':[{'port':80}]}"), "");
        assertThat(replaced.at("/spec/healthCheckNodePort").asInt()).as("left out of a replace: kept").isEqualTo(healthCheck);

        ObjectNode changed = stored.deepCopy();
        ((ObjectNode) changed.get("spec")).put("healthCheckNodePort", healthCheck == 32767 ? 32766 : healthCheck + 1);
        assertThat(invalidCauses(() -> admission.admitUpdate(SERVICES, stored, changed, ""))).containsExactly(
                "spec.healthCheckNodePort: Invalid value: " + changed.at("/spec/healthCheckNodePort").asInt() + ": cannot "
                        + "change healthCheckNodePort on loadBalancer service with externalTraffic=Local during update");

        ObjectNode cluster = stored.deepCopy();
        ((ObjectNode) cluster.get("spec")).put("externalTrafficPolicy", "Cluster");
        assertThat(admission.admitUpdate(SERVICES, stored, cluster, "").at("/spec").has("healthCheckNodePort"))
                .as("dropped with the policy that needed it").isFalse();

        ObjectNode clusterFirst = admission.admitCreate(SERVICES, svc("later", "{'type':'LoadBalancer','ports':[{'port':80}]}"));
        ObjectNode local = clusterFirst.deepCopy();
        ((ObjectNode) local.get("spec")).put("externalTrafficPolicy", "Local");
        assertThat(admission.admitUpdate(SERVICES, clusterFirst, local, "").at("/spec/healthCheckNodePort").asInt())
                .as("allocated when an update turns the policy Local").isBetween(30000, 32767);
    }
}
