package dev.j8s.apiserver.kubeletclient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import org.junit.jupiter.api.Test;

class KubeletEndpointTest {

    private static JsonNode node(String addresses, String endpoints) throws Exception {
        return Json.MAPPER.readTree(("{'metadata':{'name':'agent'},'status':{'addresses':" + addresses
                + ",'daemonEndpoints':" + endpoints + "}}").replace('\'', '"'));
    }

    @Test
    void theInternalIpIsPreferredOverTheHostnameAndTheReportedPortIsUsed() throws Exception {
        KubeletEndpoint endpoint = KubeletEndpoint.of(node("[{'type':'Hostname','address':'agent'},"
                + "{'type':'InternalIP','address':'10.0.0.5'}]", "{'kubeletEndpoint':{'Port':10251}}"));
        assertThat(endpoint).isEqualTo(new KubeletEndpoint("agent", "10.0.0.5", 10251));
        assertThat(endpoint.hostPort()).isEqualTo("10.0.0.5:10251");
    }

    @Test
    void withoutAPortTheKubeletsDefaultAndIpv6IsBracketed() throws Exception {
        KubeletEndpoint endpoint = KubeletEndpoint.of(node("[{'type':'InternalIP','address':'fd00::5'}]", "{}"));
        assertThat(endpoint.hostPort()).isEqualTo("[fd00::5]:10250");
    }

    @Test
    void aNodeWithoutAddressesCannotBeReached() {
        assertThatThrownBy(() -> KubeletEndpoint.of(node("[]", "{}"))).isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("no preferred addresses found; known addresses: []");
    }
}
