package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidCauses;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.registry.ResourceType;
import org.junit.jupiter.api.Test;

/** Validation of the Endpoints and EndpointSlices users may write, which the service proxy turns into rules. */
class EndpointAdmissionTest {

    private static final ResourceType SLICES = type("discovery.k8s.io", "endpointslices");
    private static final ResourceType ENDPOINTS = type("endpoints");
    private final Admission admission = admission(FakeLookup.withDefaultNamespace());

    private static ObjectNode slice(String addressType, String endpoints, String ports) {
        return json("{'apiVersion':'discovery.k8s.io/v1','kind':'EndpointSlice','metadata':{'name':'web-abc',"
                + "'namespace':'default','labels':{'kubernetes.io/service-name':'web'}},"
                + (addressType == null ? "" : "'addressType':'" + addressType + "',")
                + "'endpoints':" + endpoints + ",'ports':" + ports + "}");
    }

    private static ObjectNode endpoints(String subsets) {
        return json("{'apiVersion':'v1','kind':'Endpoints','metadata':{'name':'web','namespace':'default'},"
                + "'subsets':" + subsets + "}");
    }

    @Test
    void aValidSliceIsAdmittedAsWritten() {
        ObjectNode created = admission.admitCreate(SLICES, slice("IPv4",
                "[{'addresses':['10.244.0.5'],'conditions':{'ready':true},'hostname':'web-0'}]",
                "[{'name':'http','port':8080,'protocol':'TCP'}]"));
        assertThat(created.at("/endpoints/0/addresses/0").asText()).isEqualTo("10.244.0.5");
        ObjectNode defaulted = admission.admitCreate(SLICES, slice("IPv4", "[]", "[{'port':8080}]"));
        assertThat(defaulted.at("/ports/0")).as("upstream's defaults").isEqualTo(json("{'name':'','port':8080,'protocol':'TCP'}"));
    }

    @Test
    void addressesThatAreNotOfTheSlicesTypeOrAreSpecialAreRefused() {
        assertThat(invalidCauses(() -> admission.admitCreate(SLICES, slice("IPv4",
                "[{'addresses':['not-an-ip']},{'addresses':['127.0.0.1','169.254.169.254']},{'addresses':['fd00::1']},"
                        + "{'addresses':[]}]", "[]")))).containsExactly(
                "endpoints[0].addresses[0]: Invalid value: \"not-an-ip\": must be a valid IPv4 address",
                "endpoints[0].addresses[0]: Invalid value: \"not-an-ip\": must be a valid IP address",
                "endpoints[1].addresses[0]: Invalid value: \"127.0.0.1\": may not be in the loopback range "
                        + "(127.0.0.0/8, ::1/128)",
                "endpoints[1].addresses[1]: Invalid value: \"169.254.169.254\": may not be in the link-local range "
                        + "(169.254.0.0/16, fe80::/10)",
                "endpoints[2].addresses[0]: Invalid value: \"fd00::1\": must be a valid IPv4 address",
                "endpoints[3].addresses: Required value: must contain at least 1 address");
    }

    @Test
    void theAddressTypeIsRequiredSupportedAndImmutable() {
        assertThat(invalidCauses(() -> admission.admitCreate(SLICES, slice(null, "[]", "[]"))))
                .containsExactly("addressType: Required value");
        assertThat(invalidCauses(() -> admission.admitCreate(SLICES, slice("IP", "[]", "[]"))))
                .containsExactly("addressType: Unsupported value: \"IP\": supported values: \"FQDN\", \"IPv4\", \"IPv6\"");
        ObjectNode stored = admission.admitCreate(SLICES, slice("IPv4", "[]", "[]"));
        ObjectNode changed = stored.deepCopy();
        changed.put("addressType", "IPv6");
        assertThat(invalidCauses(() -> admission.admitUpdate(SLICES, stored, changed, "")))
                .containsExactly("addressType: Invalid value: \"IPv6\": field is immutable");
    }

    @Test
    void portsNeedASupportedProtocolAValidNumberAndUniqueNames() {
        assertThat(invalidCauses(() -> admission.admitCreate(SLICES, slice("IPv4", "[]",
                "[{'name':'http','port':70000,'protocol':'TCP'},{'name':'http','port':80,'protocol':'ICMP'},"
                        + "{'name':'Bad_Name','port':81}]")))).containsExactly(
                "ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
                "ports[1].name: Duplicate value: \"http\"",
                "ports[1].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                "ports[2].name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label must consist of lower case "
                        + "alphanumeric characters or '-', and must start and end with an alphanumeric character "
                        + "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
    }

    @Test
    void endpointsAddressesMustBeIpsThatAreNotSpecialAndPortsNamedWhenThereAreSeveral() {
        assertThat(invalidCauses(() -> admission.admitCreate(ENDPOINTS, endpoints(
                "[{'addresses':[{'ip':'web.example'},{'ip':'0.0.0.0'}],'notReadyAddresses':[{'ip':'::1'}],"
                        + "'ports':[{'port':80,'protocol':'TCP'},{'name':'b','port':0,'protocol':'TCP'}]}]"))))
                .containsExactly(
                        "subsets[0].addresses[0].ip: Invalid value: \"web.example\": must be a valid IP address, "
                                + "(e.g. 10.9.8.7 or 2001:db8::ffff)",
                        "subsets[0].addresses[1].ip: Invalid value: \"0.0.0.0\": may not be unspecified (0.0.0.0)",
                        "subsets[0].notReadyAddresses[0].ip: Invalid value: \"::1\": may not be in the loopback range "
                                + "(127.0.0.0/8, ::1/128)",
                        "subsets[0].ports[0].name: Required value",
                        "subsets[0].ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive");
        ObjectNode ok = admission.admitCreate(ENDPOINTS, endpoints(
                "[{'addresses':[{'ip':'10.244.0.5'}],'ports':[{'port':80}]}]"));
        assertThat(ok.at("/subsets/0/addresses/0/ip").asText()).isEqualTo("10.244.0.5");
        assertThat(ok.at("/subsets/0/ports/0/protocol").asText()).as("defaulted").isEqualTo("TCP");
    }
}
