package dev.j8s.apiserver.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authentication.RequestUser;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.testing.LocalCore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReviewsTest {

    private static final UserInfo SA = UserInfo.authenticated("system:serviceaccount:default:sa", "uid",
            UserInfo.serviceAccountGroups("default"), Map.of("authentication.kubernetes.io/credential-id", List.of("JTI=1")));

    @TempDir
    Path dir;

    private LocalCore local;
    private Reviews reviews;

    @BeforeEach
    void setUp() {
        local = LocalCore.open(dir, false);
        reviews = local.core().access().reviews();
    }

    @AfterEach
    void tearDown() {
        local.close();
    }

    private static ObjectNode json(String compact) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(compact.replace('\'', '"'));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private ObjectNode as(UserInfo user, String group, String kind, String namespace, String body) {
        return RequestUser.callAs(user, () -> reviews.create(kind, namespace, json(body)));
    }

    @Test
    void aSelfSubjectReviewShowsTheCaller() {
        ObjectNode answer = as(SA, "authentication.k8s.io", "SelfSubjectReview", "",
                "{'apiVersion':'authentication.k8s.io/v1','kind':'SelfSubjectReview'}");
        assertThat(answer.at("/status/userInfo").toString()).isEqualTo("{\"username\":\"system:serviceaccount:default:sa\","
                + "\"uid\":\"uid\",\"groups\":[\"system:serviceaccounts\",\"system:serviceaccounts:default\","
                + "\"system:authenticated\"],\"extra\":{\"authentication.kubernetes.io/credential-id\":[\"JTI=1\"]}}");
    }

    @Test
    void accessReviewsAnswerForTheCallerOrTheSubject() {
        String listPods = "'resourceAttributes':{'namespace':'default','verb':'list','resource':'pods'}";
        ObjectNode self = as(SA, "authorization.k8s.io", "SelfSubjectAccessReview", "",
                "{'apiVersion':'authorization.k8s.io/v1','kind':'SelfSubjectAccessReview','spec':{" + listPods + "}}");
        assertThat(self.at("/status").toString()).isEqualTo("{\"allowed\":false}");
        ObjectNode admin = as(UserInfo.APISERVER, "authorization.k8s.io", "SubjectAccessReview", "",
                "{'apiVersion':'authorization.k8s.io/v1','kind':'SubjectAccessReview','spec':{'user':'bob',"
                        + "'groups':['system:masters']," + listPods + "}}");
        assertThat(admin.at("/status/allowed").asBoolean()).isTrue();
        ObjectNode url = as(SA, "authorization.k8s.io", "SelfSubjectAccessReview", "",
                "{'apiVersion':'authorization.k8s.io/v1','kind':'SelfSubjectAccessReview','spec':{"
                        + "'nonResourceAttributes':{'path':'/api','verb':'get'}}}");
        assertThat(url.at("/status/allowed").asBoolean()).isTrue();
        assertThat(url.at("/status/reason").asText()).isEqualTo("RBAC: allowed by ClusterRoleBinding"
                + " \"system:discovery\" of ClusterRole \"system:discovery\" to Group \"system:authenticated\"");
        assertThatThrownBy(() -> as(SA, "authorization.k8s.io", "SelfSubjectAccessReview", "",
                "{'apiVersion':'authorization.k8s.io/v1','kind':'SelfSubjectAccessReview','spec':{}}"))
                .isInstanceOf(ApiError.Invalid.class)
                .hasMessageContaining("exactly one of nonResourceAttributes or resourceAttributes must be specified");
    }

    @Test
    void aRulesReviewListsTheRulesOfTheCallersBindings() {
        ObjectNode rules = as(SA, "authorization.k8s.io", "SelfSubjectRulesReview", "",
                "{'apiVersion':'authorization.k8s.io/v1','kind':'SelfSubjectRulesReview','spec':{'namespace':'default'}}");
        assertThat(rules.at("/status/resourceRules").toString())
                .contains("{\"verbs\":[\"create\"],\"apiGroups\":[\"authentication.k8s.io\"],\"resources\":[\"selfsubjectreviews\"]}");
        assertThat(rules.at("/status/nonResourceRules").toString()).contains("\"/openid/v1/jwks\"");
        assertThat(rules.at("/status/incomplete").asBoolean()).isFalse();
        ObjectNode node = as(UserInfo.node("node1"), "authorization.k8s.io", "SelfSubjectRulesReview", "",
                "{'apiVersion':'authorization.k8s.io/v1','kind':'SelfSubjectRulesReview','spec':{'namespace':'default'}}");
        assertThat(node.at("/status/incomplete").asBoolean()).isTrue();
        assertThat(node.at("/status/evaluationError").asText())
                .isEqualTo("node authorizer does not support user rule resolution");
    }

    @Test
    void aTokenReviewAuthenticatesWithoutEchoingTheToken() {
        ObjectNode answer = as(UserInfo.APISERVER, "authentication.k8s.io", "TokenReview", "",
                "{'apiVersion':'authentication.k8s.io/v1','kind':'TokenReview','spec':{'token':'" + LocalCore.ADMIN_TOKEN + "'}}");
        assertThat(answer.at("/status/authenticated").asBoolean()).isTrue();
        assertThat(answer.at("/status/user/username").asText()).isEqualTo("system:admin");
        assertThat(answer.toString()).doesNotContain(LocalCore.ADMIN_TOKEN);
        ObjectNode bad = as(UserInfo.APISERVER, "authentication.k8s.io", "TokenReview", "",
                "{'apiVersion':'authentication.k8s.io/v1','kind':'TokenReview','spec':{'token':'nope'}}");
        assertThat(bad.at("/status/authenticated").asBoolean()).isFalse();
    }
}
