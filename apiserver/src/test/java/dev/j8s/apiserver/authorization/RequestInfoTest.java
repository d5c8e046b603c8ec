package dev.j8s.apiserver.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.apiserver.authentication.UserInfo;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RequestInfoTest {

    /** A request and the attributes upstream's RequestInfoFactory derives: verb group resource/sub ns name. */
    record Case(String method, String path, String query, String expected) {}

    static Stream<Case> cases() {
        return Stream.of(
                new Case("GET", "/api/v1/namespaces/default/pods", null, "list  pods default "),
                new Case("GET", "/api/v1/namespaces/default/pods", "watch=true", "watch  pods default "),
                new Case("GET", "/api/v1/watch/namespaces/default/pods", null, "watch  pods default "),
                new Case("GET", "/api/v1/pods", "fieldSelector=spec.nodeName%3Dnode1", "list  pods  "),
                new Case("GET", "/api/v1/namespaces/default/secrets", "fieldSelector=metadata.name%3Ddb&watch=1",
                        "watch  secrets default db"),
                new Case("GET", "/api/v1/namespaces/default/pods/web", null, "get  pods default web"),
                new Case("POST", "/api/v1/namespaces/default/pods", null, "create  pods default "),
                new Case("PUT", "/api/v1/namespaces/default/pods/web/status", null, "update  pods/status default web"),
                new Case("PATCH", "/apis/apps/v1/namespaces/dev/deployments/web/scale", null,
                        "patch apps deployments/scale dev web"),
                new Case("DELETE", "/api/v1/namespaces/default/pods", null, "deletecollection  pods default "),
                new Case("DELETE", "/api/v1/namespaces/default/pods/web", null, "delete  pods default web"),
                new Case("GET", "/api/v1/namespaces/foo", null, "get  namespaces foo foo"),
                new Case("PUT", "/api/v1/namespaces/foo/finalize", null, "update  namespaces/finalize foo foo"),
                new Case("GET", "/api/v1/nodes", null, "list  nodes  "),
                new Case("POST", "/api/v1/namespaces/default/serviceaccounts/sa/token", null,
                        "create  serviceaccounts/token default sa"),
                new Case("GET", "/api/v1/namespaces/default/pods/web/exec", "command=sh", "create  pods/exec default web"),
                new Case("POST", "/api/v1/namespaces/default/pods/web/exec", "command=sh", "create  pods/exec default web"),
                new Case("GET", "/api/v1/namespaces/default/pods/web/attach", "stdin=true", "create  pods/attach default web"),
                new Case("POST", "/api/v1/namespaces/default/pods/web/attach", null, "create  pods/attach default web"),
                new Case("GET", "/api/v1/namespaces/default/pods/web/portforward", "ports=80",
                        "create  pods/portforward default web"),
                new Case("POST", "/api/v1/namespaces/default/pods/web/portforward", null,
                        "create  pods/portforward default web"),
                new Case("GET", "/api/v1/namespaces/default/pods/web:8080/proxy/a/b", "q=1",
                        "get  pods/proxy default web:8080"),
                new Case("POST", "/api/v1/namespaces/default/pods/web/proxy/", null, "create  pods/proxy default web"),
                new Case("GET", "/api/v1/namespaces/default/services/web:80/proxy/", null,
                        "get  services/proxy default web:80"),
                new Case("DELETE", "/api/v1/namespaces/default/services/https:web:/proxy/x", null,
                        "delete  services/proxy default https:web:"),
                new Case("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", null,
                        "create authorization.k8s.io selfsubjectaccessreviews  "));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void resourceRequestsGetUpstreamsAttributes(Case c) {
        Attributes a = RequestInfo.of(UserInfo.anonymous(), c.method(), c.path(), c.query());
        assertThat(a.resourceRequest()).isTrue();
        assertThat(a.verb() + " " + a.apiGroup() + " " + a.combinedResource() + " " + a.namespace() + " " + a.name())
                .isEqualTo(c.expected());
    }

    @ParameterizedTest
    @MethodSource("nonResource")
    void otherPathsAreNonResourceRequestsWithTheLowercaseMethodAsVerb(String path) {
        Attributes a = RequestInfo.of(UserInfo.anonymous(), "GET", path, null);
        assertThat(a.resourceRequest()).isFalse();
        assertThat(a.verb()).isEqualTo("get");
        assertThat(a.path()).isEqualTo(path);
    }

    static Stream<String> nonResource() {
        return Stream.of("/version", "/healthz", "/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1",
                "/openapi/v3", "/.well-known/openid-configuration", "/openid/v1/jwks");
    }

    @org.junit.jupiter.api.Test
    void theNodeFieldSelectorIsReadForTheNodeAuthorizer() {
        Attributes a = RequestInfo.of(UserInfo.anonymous(), "GET", "/api/v1/pods",
                "fieldSelector=spec.nodeName%3Dnode1&watch=true");
        assertThat(a.fieldSelectorRequires("spec.nodeName")).isEqualTo("node1");
        assertThat(a.withFieldSelector("spec.nodeName!=node1").fieldSelectorRequires("spec.nodeName")).isEmpty();
        assertThat(a.withFieldSelector("status.phase=Running,spec.nodeName==n2").fieldSelectorRequires("spec.nodeName"))
                .isEqualTo("n2");
    }
}
