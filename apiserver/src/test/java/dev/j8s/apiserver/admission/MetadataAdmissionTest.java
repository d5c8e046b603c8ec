package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidCauses;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.registry.ResourceType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MetadataAdmissionTest {

    private static final String SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
            + "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
            + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private static final String LABEL = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
            + "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
            + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    private static ObjectNode cm(String metadata) {
        return json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'namespace':'default'" + metadata + "}}");
    }

    record Rule(String metadata, List<String> causes) {}

    static Stream<Rule> rules() {
        return Stream.of(
                new Rule("", List.of("metadata.name: Required value: name or generateName is required")),
                new Rule(",'name':'Foo'", List.of("metadata.name: Invalid value: \"Foo\": " + SUBDOMAIN)),
                new Rule(",'name':'" + "a".repeat(254) + "'", List.of("metadata.name: Invalid value: \"" + "a".repeat(254)
                        + "\": must be no more than 253 characters")),
                new Rule(",'generateName':'Web-','name':'Web-abcde'", List.of(
                        "metadata.generateName: Invalid value: \"Web-\": " + SUBDOMAIN,
                        "metadata.name: Invalid value: \"Web-abcde\": " + SUBDOMAIN)),
                new Rule(",'name':'ok','labels':{'app':'-bad'}", List.of("metadata.labels: Invalid value: \"-bad\": a valid label must be an "
                        + "empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                        + "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")),
                new Rule(",'name':'ok','labels':{'a/b/c':'x'}", List.of("metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist "
                        + "of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
                        + "'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional "
                        + "DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")),
                new Rule(",'name':'ok','annotations':{'Example.COM/Key':'fine','bad key':'x'}", List.of("metadata.annotations: Invalid value: "
                        + "\"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                        + "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                        + "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")),
                new Rule(",'name':'ok','annotations':{'big':'" + "x".repeat(256 * 1024) + "'}",
                        List.of("metadata.annotations: Too long: may not be more than 262144 bytes")),
                new Rule(",'name':'ok','finalizers':['custom']", List.of("metadata.finalizers[0]: Invalid value: \"custom\": name is neither a "
                        + "standard finalizer name nor is it fully qualified")));
    }

    @ParameterizedTest
    @MethodSource("rules")
    void metadataIsValidatedWithUpstreamCauses(Rule rule) {
        assertThat(invalidCauses(() -> admission(FakeLookup.withDefaultNamespace()).admitCreate(type("configmaps"), cm(rule.metadata()))))
                .containsExactlyElementsOf(rule.causes());
    }

    @Test
    void namespacesUseLabelNamesAndGetTheirDefaults() {
        ResourceType namespaces = type("namespaces");
        Admission admission = admission(new FakeLookup());
        ObjectNode out = admission.admitCreate(namespaces, json("{'metadata':{'name':'team-a'}}"));

        assertThat(out.at("/spec/finalizers").toString()).isEqualTo("[\"kubernetes\"]");
        assertThat(out.at("/status/phase").asText()).isEqualTo("Active");
        assertThat(out.at("/metadata/labels/kubernetes.io~1metadata.name").asText()).isEqualTo("team-a");
        assertThat(invalidCauses(() -> admission.admitCreate(namespaces, json("{'metadata':{'name':'team.a'}}"))))
                .containsExactly("metadata.name: Invalid value: \"team.a\": " + LABEL);
    }

    @Test
    void namespaceUpdatesKeepStatusAndFinalizers() {
        ResourceType namespaces = type("namespaces");
        Admission admission = admission(new FakeLookup());
        ObjectNode stored = admission.admitCreate(namespaces, json("{'metadata':{'name':'team-a','uid':'n1'}}"));
        ObjectNode update = json("{'metadata':{'name':'team-a','labels':{'env':'dev'}},'spec':{'finalizers':[]},'status':{'phase':'Terminating'}}");

        ObjectNode out = admission.admitUpdate(namespaces, stored, update, "");

        assertThat(out.at("/status/phase").asText()).isEqualTo("Active");
        assertThat(out.at("/spec/finalizers").toString()).isEqualTo("[\"kubernetes\"]");
        assertThat(out.at("/metadata/labels/env").asText()).isEqualTo("dev");
        assertThat(out.at("/metadata/labels/kubernetes.io~1metadata.name").asText()).isEqualTo("team-a");
        assertThat(out.at("/metadata/uid").asText()).isEqualTo("n1");
    }

    @Test
    void uidAndNamespaceAreImmutable() {
        ResourceType configmaps = type("configmaps");
        Admission admission = admission(FakeLookup.withDefaultNamespace());
        ObjectNode stored = admission.admitCreate(configmaps, cm(",'name':'c','uid':'u1','creationTimestamp':'2025-01-01T00:00:00Z'"));
        ObjectNode update = stored.deepCopy();
        ((ObjectNode) update.get("metadata")).put("uid", "u2");
        ((ObjectNode) update.get("metadata")).put("creationTimestamp", "2025-02-01T10:00:00Z");

        assertThat(invalidCauses(() -> admission.admitUpdate(configmaps, stored, update, ""))).containsExactly(
                "metadata.uid: Invalid value: \"u2\": field is immutable",
                "metadata.creationTimestamp: Invalid value: 2025-02-01 10:00:00 +0000 UTC: field is immutable");
    }

    @Test
    void eventsMustShareTheirInvolvedObjectsNamespace() {
        ResourceType events = type("events");
        ObjectNode event = json("{'metadata':{'name':'web.17f','namespace':'default'},'involvedObject':{'kind':'Pod','name':'web',"
                + "'namespace':'other'},'reason':'Pulled','message':'m','type':'Normal'}");
        assertThat(invalidCauses(() -> admission(FakeLookup.withDefaultNamespace()).admitCreate(events, event)))
                .containsExactly("involvedObject.namespace: Invalid value: \"other\": does not match event.namespace");
    }

    @Test
    void nonCoreKindsAreNamedWithTheirGroup() {
        ResourceType leases = type("coordination.k8s.io", "leases");
        ObjectNode lease = json("{'metadata':{'name':'Node1','namespace':'default'},'spec':{}}");
        ApiError.Invalid e = catchThrowableOfType(ApiError.Invalid.class,
                () -> admission(FakeLookup.withDefaultNamespace()).admitCreate(leases, lease));
        assertThat(e.getMessage()).isEqualTo("Lease.coordination.k8s.io \"Node1\" is invalid: metadata.name: Invalid value: \"Node1\": " + SUBDOMAIN);
    }

    @Test
    void nodesAreClusterScopedAndKeepStatusOnMainUpdates() {
        ResourceType nodes = type("nodes");
        Admission admission = admission(new FakeLookup());
        ObjectNode stored = admission.admitCreate(nodes, json("{'metadata':{'name':'node1','uid':'x'},'spec':{},'status':{'phase':'Running'}}"));
        ObjectNode update = json("{'metadata':{'name':'node1'},'spec':{'unschedulable':true}}");

        ObjectNode out = admission.admitUpdate(nodes, stored, update, "");

        assertThat(out.at("/status/phase").asText()).isEqualTo("Running");
        assertThat(out.at("/spec/unschedulable").asBoolean()).isTrue();
        assertThat(out.at("/metadata/generation").asInt()).isEqualTo(2);
    }
}
