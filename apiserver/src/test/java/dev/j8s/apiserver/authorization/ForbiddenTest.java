package dev.j8s.apiserver.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.errors.ApiError;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForbiddenTest {

    private static final UserInfo BOB = new UserInfo("bob", "", List.of("system:authenticated"), Map.of());

    @Test
    void aNamespacedRefusalNamesUserVerbResourceGroupAndNamespace() {
        ApiError.Forbidden e = Forbidden.of(Attributes.resource(BOB, "get", "apps", "v1", "dev", "deployments", "",
                "web"), "");
        assertThat(e.getMessage()).isEqualTo("deployments.apps \"web\" is forbidden: User \"bob\" cannot get resource"
                + " \"deployments\" in API group \"apps\" in the namespace \"dev\"");
        assertThat(e.toStatus().toString()).isEqualTo("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                + "\"status\":\"Failure\",\"message\":\"" + e.getMessage().replace("\"", "\\\"") + "\",\"reason\":\"Forbidden\","
                + "\"details\":{\"name\":\"web\",\"group\":\"apps\",\"kind\":\"deployments\"},\"code\":403}");
    }

    @Test
    void aCollectionAndAClusterScopedResourceAndASubresource() {
        assertThat(Forbidden.of(Attributes.resource(BOB, "list", "", "v1", "default", "pods", "", ""), "")
                .getMessage()).isEqualTo("pods is forbidden: User \"bob\" cannot list resource \"pods\" in API group \"\""
                + " in the namespace \"default\"");
        assertThat(Forbidden.of(Attributes.resource(BOB, "list", "", "v1", "", "nodes", "", ""), "reason here")
                .getMessage()).isEqualTo("nodes is forbidden: User \"bob\" cannot list resource \"nodes\" in API group"
                + " \"\" at the cluster scope: reason here");
        assertThat(Forbidden.of(Attributes.resource(BOB, "patch", "", "v1", "ns", "pods", "status", "p"), "")
                .getMessage()).isEqualTo("pods \"p\" is forbidden: User \"bob\" cannot patch resource \"pods/status\" in"
                + " API group \"\" in the namespace \"ns\"");
    }

    @Test
    void aPathRefusalNamesThePathAndHtmlSpecialCharactersAreEscaped() {
        assertThat(Forbidden.of(Attributes.nonResource(UserInfo.anonymous(), "get", "/openid/v1/jwks"), "")
                .getMessage()).isEqualTo("forbidden: User \"system:anonymous\" cannot get path \"/openid/v1/jwks\"");
        assertThat(Forbidden.of(Attributes.nonResource(BOB, "get", "/<script>&"), "").getMessage())
                .isEqualTo("forbidden: User \"bob\" cannot get path \"/&lt;script&gt;&amp;\"");
    }
}
