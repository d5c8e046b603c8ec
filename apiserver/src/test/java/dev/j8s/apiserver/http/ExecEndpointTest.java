package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.apiserver.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExecEndpointTest {

    @Test
    void v5IsPreferredOverV4AndUnknownProtocolsAreIgnored() {
        assertThat(ExecEndpoint.protocol(List.of("v4.channel.k8s.io, v5.channel.k8s.io"))).contains("v5.channel.k8s.io");
        assertThat(ExecEndpoint.protocol(List.of("channel.k8s.io", "v4.channel.k8s.io"))).contains("v4.channel.k8s.io");
        assertThat(ExecEndpoint.protocol(List.of("base64.channel.k8s.io"))).isEmpty();
    }

    @Test
    void theChannelThreeStatusCarriesTheExitCodeAsUpstreamWordsIt() throws Exception {
        ExecChannels channels = new ExecChannels(null,
                new ExecEndpoint.Options("main", List.of("sh", "-c", "exit 3"), false, true, true, false), true);

        assertThat(Json.MAPPER.writeValueAsString(channels.status(0))).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
        assertThat(Json.MAPPER.writeValueAsString(channels.status(3))).isEqualTo("{\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":\"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3\","
                + "\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}");
    }
}
