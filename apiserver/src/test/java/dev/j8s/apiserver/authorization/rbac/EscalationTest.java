package dev.j8s.apiserver.authorization.rbac;

import static dev.j8s.apiserver.authorization.rbac.RbacFixtures.binding;
import static dev.j8s.apiserver.authorization.rbac.RbacFixtures.clusterBinding;
import static dev.j8s.apiserver.authorization.rbac.RbacFixtures.clusterRole;
import static dev.j8s.apiserver.authorization.rbac.RbacFixtures.json;
import static dev.j8s.apiserver.authorization.rbac.RbacFixtures.role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.errors.ApiError;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EscalationTest {

    private static final UserInfo DEMO = UserInfo.authenticated("demo@example.com", "", List.of(), Map.of());

    private static Escalation escalation(ObjectNode... objects) {
        RuleResolver resolver = new RuleResolver(RbacIndex.of(List.of(objects)));
        return new Escalation(resolver, Authorizer.union(List.of(Authorizer.privilegedGroup(), new RbacAuthorizer(resolver))));
    }

    @Test
    void aRoleWithRulesTheUserLacksIsRefusedWithTheMissingRulesCompactedAndSorted() {
        Escalation e = escalation(role("ci", "pvc-reader", "[{'verbs':['get'],'apiGroups':[''],'resources':['configmaps']}]"),
                binding("ci", "b", "Role", "pvc-reader", "[{'kind':'User','name':'demo@example.com'}]"));
        ObjectNode wanted = role("ci", "ci-cd", "[{'verbs':['get','list','watch','patch'],'apiGroups':[''],"
                + "'resources':['persistentvolumeclaims','configmaps']},{'verbs':['get'],'nonResourceURLs':['/metrics']}]");

        assertThatThrownBy(() -> e.checkRole(DEMO, "roles", "ci", wanted, Optional.empty()))
                .isInstanceOf(ApiError.Forbidden.class)
                .hasMessage("roles.rbac.authorization.k8s.io \"ci-cd\" is forbidden: user \"demo@example.com\""
                        + " (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"
                        + "{APIGroups:[\"\"], Resources:[\"configmaps\"], Verbs:[\"list\" \"watch\" \"patch\"]}\n"
                        + "{APIGroups:[\"\"], Resources:[\"persistentvolumeclaims\"], Verbs:[\"get\" \"list\" \"watch\" \"patch\"]}\n"
                        + "{NonResourceURLs:[\"/metrics\"], Verbs:[\"get\"]}");
    }

    @Test
    void heldRulesWildcardsAndEscalateAllowTheRole() {
        Escalation holder = escalation(clusterRole("all", "[{'verbs':['*'],'apiGroups':['*'],'resources':['*']}]"),
                binding("ci", "b", "ClusterRole", "all", "[{'kind':'User','name':'demo@example.com'}]"));
        ObjectNode wanted = role("ci", "r", "[{'verbs':['get'],'apiGroups':[''],'resources':['pods/log'],'resourceNames':['x']}]");
        assertThatCode(() -> holder.checkRole(DEMO, "roles", "ci", wanted, Optional.empty())).doesNotThrowAnyException();
        // held in ci only: a ClusterRole is checked against cluster-wide bindings
        ObjectNode cluster = clusterRole("r", "[{'verbs':['get'],'apiGroups':[''],'resources':['pods']}]");
        assertThatThrownBy(() -> holder.checkRole(DEMO, "clusterroles", "", cluster, Optional.empty()))
                .isInstanceOf(ApiError.Forbidden.class);

        Escalation escalator = escalation(clusterRole("esc", "[{'verbs':['escalate'],'apiGroups':['rbac.authorization.k8s.io'],"
                + "'resources':['clusterroles']}]"), clusterBinding("b", "esc", "[{'kind':'User','name':'demo@example.com'}]"));
        assertThatCode(() -> escalator.checkRole(DEMO, "clusterroles", "", cluster, Optional.empty()))
                .doesNotThrowAnyException();
        UserInfo admin = new UserInfo("root", "", List.of(UserInfo.MASTERS), Map.of());
        assertThatCode(() -> escalation().checkRole(admin, "clusterroles", "", cluster, Optional.empty()))
                .doesNotThrowAnyException();
    }

    @Test
    void anAggregationRuleNeedsFullAuthority() {
        Escalation e = escalation(clusterRole("some", "[{'verbs':['*'],'apiGroups':[''],'resources':['*']}]"),
                clusterBinding("b", "some", "[{'kind':'User','name':'demo@example.com'}]"));
        ObjectNode aggregated = json("{'kind':'ClusterRole','metadata':{'name':'agg'},'aggregationRule':"
                + "{'clusterRoleSelectors':[{'matchLabels':{'a':'b'}}]},'rules':[]}");
        assertThatThrownBy(() -> e.checkRole(DEMO, "clusterroles", "", aggregated, Optional.empty()))
                .hasMessage("clusterroles.rbac.authorization.k8s.io \"agg\" is forbidden: must have cluster-admin"
                        + " privileges to use the aggregationRule");
    }

    @Test
    void bindingARoleNeedsItsRulesOrBind() {
        ObjectNode admin = clusterRole("admin", "[{'verbs':['*'],'apiGroups':[''],'resources':['secrets']}]");
        ObjectNode creator = role("ns", "rb-creator", "[{'verbs':['create'],'apiGroups':['rbac.authorization.k8s.io'],"
                + "'resources':['rolebindings']}]");
        ObjectNode creatorBinding = binding("ns", "c", "Role", "rb-creator", "[{'kind':'User','name':'demo@example.com'}]");
        ObjectNode wanted = binding("ns", "try", "ClusterRole", "admin", "[{'kind':'User','name':'bob'}]");

        assertThatThrownBy(() -> escalation(admin, creator, creatorBinding).checkBinding(DEMO, "rolebindings", "ns",
                wanted, Optional.empty()))
                .hasMessage("rolebindings.rbac.authorization.k8s.io \"try\" is forbidden: user \"demo@example.com\""
                        + " (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n"
                        + "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"*\"]}");

        ObjectNode bind = clusterRole("bind-admin", "[{'verbs':['bind'],'apiGroups':['rbac.authorization.k8s.io'],"
                + "'resources':['clusterroles'],'resourceNames':['admin']}]");
        ObjectNode bindBinding = binding("ns", "bb", "ClusterRole", "bind-admin", "[{'kind':'User','name':'demo@example.com'}]");
        assertThatCode(() -> escalation(admin, creator, creatorBinding, bind, bindBinding).checkBinding(DEMO,
                "rolebindings", "ns", wanted, Optional.empty())).doesNotThrowAnyException();

        ObjectNode missing = binding("ns", "m", "ClusterRole", "nope", "[{'kind':'User','name':'bob'}]");
        assertThatThrownBy(() -> escalation().checkBinding(DEMO, "rolebindings", "ns", missing, Optional.empty()))
                .isInstanceOf(ApiError.NotFound.class)
                .hasMessage("clusterrole.rbac.authorization.k8s.io \"nope\" not found");
    }

    @Test
    void breakdownAndCoverageFollowUpstream() {
        PolicyRule rule = PolicyRule.resources(List.of("get", "list"), List.of("", "apps"), List.of("pods"))
                .withNames(List.of("a"));
        assertThat(Escalation.breakdown(rule)).hasSize(4);
        assertThat(Escalation.covers(PolicyRule.resources(List.of("get"), List.of(""), List.of("*/log")),
                PolicyRule.resources(List.of("get"), List.of(""), List.of("pods/log")))).isTrue();
        assertThat(Escalation.covers(PolicyRule.resources(List.of("get"), List.of(""), List.of("pods")).withNames(List.of("a")),
                PolicyRule.resources(List.of("get"), List.of(""), List.of("pods")))).isFalse();
        assertThat(Escalation.covers(PolicyRule.urls(List.of("get"), List.of("/api/*")),
                PolicyRule.urls(List.of("get"), List.of("/api/v1")))).isTrue();
    }
}
