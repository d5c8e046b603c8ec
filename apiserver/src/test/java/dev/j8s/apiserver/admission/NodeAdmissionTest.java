package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidCauses;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.registry.ResourceType;
import org.junit.jupiter.api.Test;

/** The pod ranges and provider ID of a Node: converted as v1 converts them, set once, never changed. */
class NodeAdmissionTest {

    private static final ResourceType NODES = type("nodes");
    private final Admission admission = admission(FakeLookup.withDefaultNamespace());

    private ObjectNode node(String spec) {
        return json("{'apiVersion':'v1','kind':'Node','metadata':{'name':'n1'},'spec':" + spec + "}");
    }

    @Test
    void aPodCidrGivenAloneBecomesTheListAndTheListGivesTheSingleField() {
        ObjectNode single = admission.admitCreate(NODES, node("{'podCIDR':'10.244.1.0/24'}"));
        assertThat(single.at("/spec/podCIDRs").toString()).isEqualTo("[\"10.244.1.0/24\"]");

        ObjectNode list = admission.admitCreate(NODES, node("{'podCIDR':'10.9.0.0/24','podCIDRs':['10.244.2.0/24']}"));
        assertThat(list.at("/spec/podCIDR").asText()).isEqualTo("10.244.2.0/24");
        assertThat(list.at("/spec/podCIDRs").toString()).isEqualTo("[\"10.244.2.0/24\"]");
    }

    @Test
    void theRangesAndTheProviderIdMayBeSetOnceAndNeverChanged() {
        ObjectNode empty = admission.admitCreate(NODES, node("{}"));
        ObjectNode assigned = admission.admitUpdate(NODES, empty,
                node("{'podCIDR':'10.244.1.0/24','providerID':'j8s://n1'}"), "");
        assertThat(assigned.at("/spec/podCIDRs/0").asText()).isEqualTo("10.244.1.0/24");

        assertThat(invalidCauses(() -> admission.admitUpdate(NODES, assigned,
                node("{'podCIDR':'10.244.7.0/24','providerID':'other://n1'}"), "")))
                .containsExactly("spec.podCIDRs: Forbidden: node updates may not change podCIDR except from \"\" to valid",
                        "spec.providerID: Forbidden: node updates may not change providerID except from \"\" to valid");
        assertThat(invalidCauses(() -> admission.admitUpdate(NODES, assigned,
                node("{'podCIDRs':['10.244.1.0/24','fd00::/64'],'providerID':'j8s://n1'}"), "")))
                .containsExactly("spec.podCIDRs: Forbidden: node updates may not change podCIDR except from \"\" to valid");
        ObjectNode unchanged = admission.admitUpdate(NODES, assigned,
                node("{'podCIDRs':['10.244.1.0/24'],'providerID':'j8s://n1','unschedulable':true}"), "");
        assertThat(unchanged.at("/spec/unschedulable").asBoolean()).isTrue();
    }
}
