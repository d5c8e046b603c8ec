package dev.j8s.apiserver.authorization.rbac;

import static dev.j8s.apiserver.authorization.rbac.RbacFixtures.binding;
import static dev.j8s.apiserver.authorization.rbac.RbacFixtures.clusterBinding;
import static dev.j8s.apiserver.authorization.rbac.RbacFixtures.clusterRole;
import static dev.j8s.apiserver.authorization.rbac.RbacFixtures.role;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.authorization.Decision;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RbacAuthorizerTest {

    private static final UserInfo ALICE = UserInfo.authenticated("alice", "", List.of("dev"), Map.of());
    private static final UserInfo SA = UserInfo.authenticated("system:serviceaccount:team:builder", "u",
            UserInfo.serviceAccountGroups("team"), Map.of());

    private static RbacAuthorizer authorizer(com.fasterxml.jackson.databind.node.ObjectNode... objects) {
        return new RbacAuthorizer(new RuleResolver(RbacIndex.of(List.of(objects))));
    }

    /** A rule, a request, whether the rule allows it. */
    record Match(String rule, Attributes request, boolean allowed) {}

    static Stream<Match> matches() {
        return Stream.of(
                new Match("{'verbs':['get'],'apiGroups':[''],'resources':['pods']}", get("pods", "", "x"), true),
                new Match("{'verbs':['get'],'apiGroups':[''],'resources':['pods']}", get("pods", "log", "x"), false),
                new Match("{'verbs':['get'],'apiGroups':[''],'resources':['pods/log']}", get("pods", "log", "x"), true),
                new Match("{'verbs':['get'],'apiGroups':[''],'resources':['*/log']}", get("pods", "log", "x"), true),
                new Match("{'verbs':['get'],'apiGroups':[''],'resources':['*']}", get("pods", "log", "x"), true),
                new Match("{'verbs':['*'],'apiGroups':['*'],'resources':['pods']}", get("pods", "", "x"), true),
                new Match("{'verbs':['get'],'apiGroups':['apps'],'resources':['pods']}", get("pods", "", "x"), false),
                new Match("{'verbs':['get'],'apiGroups':[''],'resources':['pods'],'resourceNames':['x']}",
                        get("pods", "", "x"), true),
                new Match("{'verbs':['get'],'apiGroups':[''],'resources':['pods'],'resourceNames':['x']}",
                        get("pods", "", "y"), false),
                new Match("{'verbs':['list'],'apiGroups':[''],'resources':['pods'],'resourceNames':['x']}",
                        Attributes.resource(ALICE, "list", "", "v1", "team", "pods", "", ""), false),
                new Match("{'verbs':['get'],'nonResourceURLs':['/healthz']}", Attributes.nonResource(ALICE, "get", "/healthz"), true),
                new Match("{'verbs':['get'],'nonResourceURLs':['/healthz/*']}", Attributes.nonResource(ALICE, "get", "/healthz/etcd"), true),
                new Match("{'verbs':['get'],'nonResourceURLs':['/healthz/*']}", Attributes.nonResource(ALICE, "get", "/healthz"), false),
                new Match("{'verbs':['get'],'nonResourceURLs':['*']}", Attributes.nonResource(ALICE, "get", "/anything"), true));
    }

    private static Attributes get(String resource, String subresource, String name) {
        return Attributes.resource(ALICE, "get", "", "v1", "team", resource, subresource, name);
    }

    @ParameterizedTest
    @MethodSource("matches")
    void rulesMatchAsUpstreamsRuleAllows(Match m) {
        RbacAuthorizer a = authorizer(clusterRole("r", "[" + m.rule() + "]"),
                clusterBinding("b", "r", "[{'kind':'User','name':'alice'}]"));
        assertThat(a.authorize(m.request()).allowed()).isEqualTo(m.allowed());
    }

    @Test
    void theAllowReasonNamesTheBindingRoleAndSubject() {
        RbacAuthorizer a = authorizer(clusterRole("view", "[{'verbs':['get'],'apiGroups':[''],'resources':['pods']}]"),
                clusterBinding("devs", "view", "[{'kind':'Group','name':'dev'}]"),
                role("team", "builder", "[{'verbs':['create'],'apiGroups':[''],'resources':['pods']}]"),
                binding("team", "builds", "Role", "builder", "[{'kind':'ServiceAccount','name':'builder'}]"));

        assertThat(a.authorize(get("pods", "", "x")).reason())
                .isEqualTo("RBAC: allowed by ClusterRoleBinding \"devs\" of ClusterRole \"view\" to Group \"dev\"");
        Decision d = a.authorize(Attributes.resource(SA, "create", "", "v1", "team", "pods", "", ""));
        assertThat(d.reason()).isEqualTo("RBAC: allowed by RoleBinding \"builds/team\" of Role \"builder\" to"
                + " ServiceAccount \"builder/team\"");
    }

    @Test
    void aRoleBindingAppliesOnlyInItsNamespaceAndANamespacedServiceAccountSubjectNeedsItsNamespace() {
        RbacAuthorizer a = authorizer(clusterRole("edit", "[{'verbs':['*'],'apiGroups':['*'],'resources':['*']}]"),
                binding("team", "e", "ClusterRole", "edit", "[{'kind':'ServiceAccount','name':'builder'}]"),
                clusterBinding("c", "edit", "[{'kind':'ServiceAccount','name':'builder'}]"));
        assertThat(a.authorize(Attributes.resource(SA, "get", "", "v1", "team", "secrets", "", "s")).allowed()).isTrue();
        assertThat(a.authorize(Attributes.resource(SA, "get", "", "v1", "other", "secrets", "", "s")).allowed()).isFalse();
    }

    @Test
    void aMissingRoleIsAResolutionErrorInTheReason() {
        RbacAuthorizer a = authorizer(binding("team", "b", "Role", "pod-reader", "[{'kind':'User','name':'alice'}]"),
                clusterBinding("c", "gone", "[{'kind':'User','name':'alice'}]"));
        assertThat(a.authorize(get("pods", "", "x")))
                .isEqualTo(Decision.noOpinion("RBAC: [clusterrole.rbac.authorization.k8s.io \"gone\" not found,"
                        + " role.rbac.authorization.k8s.io \"pod-reader\" not found]"));
        RbacAuthorizer one = authorizer(binding("team", "b", "Role", "pod-reader", "[{'kind':'User','name':'alice'}]"));
        assertThat(one.authorize(get("pods", "", "x")).reason())
                .isEqualTo("RBAC: role.rbac.authorization.k8s.io \"pod-reader\" not found");
        assertThat(authorizer().authorize(get("pods", "", "x"))).isEqualTo(Decision.NO_OPINION);
    }

    @Test
    void theBootstrapPolicyGivesEveryAuthenticatedUserDiscoveryAndSelfReviewsOnly() {
        List<com.fasterxml.jackson.databind.node.ObjectNode> all = new java.util.ArrayList<>();
        all.addAll(BootstrapPolicy.clusterRoles());
        all.addAll(BootstrapPolicy.clusterRoleBindings());
        RbacAuthorizer a = new RbacAuthorizer(new RuleResolver(RbacIndex.of(all)));
        assertThat(a.authorize(Attributes.nonResource(SA, "get", "/apis/apps/v1")).allowed()).isTrue();
        assertThat(a.authorize(Attributes.nonResource(SA, "get", "/openid/v1/jwks")).allowed()).isTrue();
        assertThat(a.authorize(Attributes.nonResource(ALICE, "get", "/openid/v1/jwks")).allowed()).isFalse();
        assertThat(a.authorize(Attributes.nonResource(UserInfo.anonymous(), "get", "/version")).allowed()).isTrue();
        assertThat(a.authorize(Attributes.nonResource(UserInfo.anonymous(), "get", "/api")).allowed()).isFalse();
        assertThat(a.authorize(Attributes.resource(SA, "create", "authorization.k8s.io", "v1", "",
                "selfsubjectaccessreviews", "", "")).allowed()).isTrue();
        assertThat(a.authorize(Attributes.resource(SA, "list", "", "v1", "team", "pods", "", "")).allowed()).isFalse();
        Authorizer.Rules rules = a.rulesFor(SA, "team");
        assertThat(rules.resourceRules()).extracting(Authorizer.ResourceRule::resources)
                .contains(List.of("selfsubjectreviews"));
        assertThat(rules.incomplete()).isFalse();
    }

    @Test
    void theBootstrapPolicyLetsABootstrapTokenAskForANodeClientCertificateAndANodeRenewItsOwn() {
        List<com.fasterxml.jackson.databind.node.ObjectNode> all = new java.util.ArrayList<>();
        all.addAll(BootstrapPolicy.clusterRoles());
        all.addAll(BootstrapPolicy.clusterRoleBindings());
        RbacAuthorizer a = new RbacAuthorizer(new RuleResolver(RbacIndex.of(all)));
        UserInfo token = UserInfo.authenticated("system:bootstrap:abcdef", "",
                List.of(dev.j8s.apiserver.authentication.BootstrapTokens.GROUP), Map.of());
        UserInfo node = UserInfo.node("n1");
        assertThat(a.authorize(csr(token, "create", ""))).extracting(Decision::allowed).isEqualTo(true);
        assertThat(a.authorize(csr(token, "create", "nodeclient"))).extracting(Decision::allowed).isEqualTo(true);
        assertThat(a.authorize(csr(token, "create", "selfnodeclient"))).extracting(Decision::allowed).isEqualTo(false);
        assertThat(a.authorize(csr(token, "delete", ""))).extracting(Decision::allowed).isEqualTo(false);
        assertThat(a.authorize(csr(node, "create", "selfnodeclient"))).extracting(Decision::allowed).isEqualTo(true);
        assertThat(a.authorize(csr(ALICE, "create", "nodeclient"))).extracting(Decision::allowed).isEqualTo(false);
    }

    private static Attributes csr(UserInfo user, String verb, String subresource) {
        return Attributes.resource(user, verb, "certificates.k8s.io", "v1", "", "certificatesigningrequests",
                subresource, "");
    }
}
