package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.apiserver.errors.ApiError;
import org.junit.jupiter.api.Test;

class NegotiationTest {

    @Test
    void kubectlGetAsksForATable() {
        String accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assertThat(Negotiation.forObjects(accept)).isEqualTo(Negotiation.Output.TABLE);
    }

    @Test
    void protobufFirstFallsBackToJson() {
        assertThat(Negotiation.forObjects("application/vnd.kubernetes.protobuf,application/json"))
                .isEqualTo(Negotiation.Output.JSON);
        assertThat(Negotiation.forObjects("application/json, */*")).isEqualTo(Negotiation.Output.JSON);
        assertThat(Negotiation.forObjects("")).isEqualTo(Negotiation.Output.JSON);
        assertThat(Negotiation.forObjects("application/yaml")).isEqualTo(Negotiation.Output.YAML);
    }

    @Test
    void nothingWeCanProduceIsNotAcceptable() {
        assertThatThrownBy(() -> Negotiation.forObjects("application/vnd.kubernetes.protobuf"))
                .isInstanceOf(ApiError.NotAcceptable.class);
    }

    @Test
    void discoveryFollowsTheClientsPreference() {
        String v132 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        String v127 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assertThat(Negotiation.forDiscovery(v132)).isEqualTo(Negotiation.DiscoveryOutput.AGGREGATED_V2);
        assertThat(Negotiation.forDiscovery(v127)).isEqualTo(Negotiation.DiscoveryOutput.AGGREGATED_V2BETA1);
        assertThat(Negotiation.forDiscovery("application/json, */*")).isEqualTo(Negotiation.DiscoveryOutput.LEGACY);
    }
}
