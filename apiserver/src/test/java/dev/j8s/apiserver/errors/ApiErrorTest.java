package dev.j8s.apiserver.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ApiErrorTest {

    @Test
    void notFoundIsWordedAsUpstream() {
        var status = new ApiError.NotFound("pods", "x").toStatus();
        assertThat(status.toString()).isEqualTo(
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                        + "\"message\":\"pods \\\"x\\\" not found\",\"reason\":\"NotFound\","
                        + "\"details\":{\"name\":\"x\",\"kind\":\"pods\"},\"code\":404}");
    }

    @Test
    void groupedResourcesCarryTheirGroupInDetails() {
        var status = new ApiError.AlreadyExists("leases.coordination.k8s.io", "n1").toStatus();
        assertThat(status.get("message").asText()).isEqualTo("leases.coordination.k8s.io \"n1\" already exists");
        assertThat(status.at("/details/group").asText()).isEqualTo("coordination.k8s.io");
        assertThat(status.at("/details/kind").asText()).isEqualTo("leases");
        assertThat(status.get("code").asInt()).isEqualTo(409);
    }

    @Test
    void invalidWithOneCauseIsOneLineAndWithSeveralIsBracketed() {
        var one = new ApiError.Invalid("Pod", "x", List.of(
                ApiError.Cause.field("FieldValueRequired", "spec.containers", "Required value")));
        assertThat(one.getMessage()).isEqualTo("Pod \"x\" is invalid: spec.containers: Required value");
        var two = new ApiError.Invalid("Pod", "x", List.of(
                ApiError.Cause.field("FieldValueRequired", "spec.containers", "Required value"),
                ApiError.Cause.field("FieldValueInvalid", "metadata.name", "Invalid value: \"X\": bad")));
        assertThat(two.getMessage()).isEqualTo(
                "Pod \"x\" is invalid: [spec.containers: Required value, metadata.name: Invalid value: \"X\": bad]");
        assertThat(two.toStatus().at("/details/causes/1/field").asText()).isEqualTo("metadata.name");
        assertThat(two.toStatus().at("/details/kind").asText()).isEqualTo("Pod");
    }

    @Test
    void conflictNamesTheObject() {
        assertThat(new ApiError.Conflict("pods", "web").getMessage()).isEqualTo(
                "Operation cannot be fulfilled on pods \"web\": the object has been modified; "
                        + "please apply your changes to the latest version and try again");
    }
}
