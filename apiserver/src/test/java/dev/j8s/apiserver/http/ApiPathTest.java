package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiPathTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            /api/v1                                      | ''                | v1 | ''      | ''             | ''    | ''
            /api/v1/pods                                 | ''                | v1 | ''      | pods           | ''    | ''
            /api/v1/namespaces                           | ''                | v1 | ''      | namespaces     | ''    | ''
            /api/v1/namespaces/team                      | ''                | v1 | ''      | namespaces     | team  | ''
            /api/v1/namespaces/team/status               | ''                | v1 | ''      | namespaces     | team  | status
            /api/v1/namespaces/team/finalize             | ''                | v1 | ''      | namespaces     | team  | finalize
            /api/v1/namespaces/team/pods                 | ''                | v1 | team    | pods           | ''    | ''
            /api/v1/namespaces/team/pods/web             | ''                | v1 | team    | pods           | web   | ''
            /api/v1/namespaces/team/pods/web/log         | ''                | v1 | team    | pods           | web   | log
            /api/v1/nodes/n1/status                      | ''                | v1 | ''      | nodes          | n1    | status
            /api/v1/namespaces/team/services/web:80/proxy/a/b | ''           | v1 | team    | services       | web:80 | proxy
            /api/v1/namespaces/team/pods/web/proxy       | ''                | v1 | team    | pods           | web   | proxy
            /apis/events.k8s.io/v1/namespaces/a/events   | events.k8s.io     | v1 | a       | events         | ''    | ''
            /apis/coordination.k8s.io/v1                 | coordination.k8s.io | v1 | ''    | ''             | ''    | ''
            """)
    void resourcePathsSplitIntoTheirParts(String path, String group, String version, String ns, String plural,
                                          String name, String sub) {
        assertThat(ApiPath.parse(path)).contains(new ApiPath(group, version, ns, plural, name, sub));
    }

    @ParameterizedTest
    @CsvSource({"/", "/api", "/apis/g", "/healthz", "/api/v1/namespaces/a/pods/b/log/extra", "/api/v1/nodes/a/b/c"})
    void pathsOutsideTheResourceTreeAreNotResourcePaths(String path) {
        assertThat(ApiPath.parse(path)).isEqualTo(Optional.empty());
    }
}
