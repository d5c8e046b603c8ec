package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.apiserver.errors.ApiError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProxyEndpointTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            web           | ''    | web | ''
            web:80        | ''    | web | 80
            web:http      | ''    | web | http
            http:web:8080 | http  | web | 8080
            """)
    void namesSplitIntoSchemeNameAndPort(String id, String scheme, String name, String port) {
        assertThat(ProxyEndpoint.SchemeNamePort.parse(id, "service"))
                .isEqualTo(new ProxyEndpoint.SchemeNamePort(scheme, name, port));
    }

    @ParameterizedTest
    @CsvSource({"a:b:c:d", "ftp:web:80", ":80"})
    void malformedNamesAreABadRequestWordedAsUpstream(String id) {
        assertThatThrownBy(() -> ProxyEndpoint.SchemeNamePort.parse(id, "service"))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("invalid service request \"" + id + "\"");
    }

    @Test
    void httpsBackEndsAreRefusedSayingSo() {
        assertThatThrownBy(() -> ProxyEndpoint.SchemeNamePort.parse("https:web:443", "pod"))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessageContaining("https");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            /api/v1/namespaces/a/services/web:80/proxy/                 | /
            /api/v1/namespaces/a/services/web:80/proxy/x/y%20z          | /x/y%20z
            /api/v1/namespaces/a/pods/web/proxy                         | ''
            /apis/g.example/v1/namespaces/a/things/t/proxy/deep/er/     | /deep/er/
            """)
    void theProxiedPathIsWhatFollowsProxyStillEncoded(String requestPath, String proxied) {
        assertThat(ProxyEndpoint.proxiedPath(requestPath)).isEqualTo(proxied);
    }
}
