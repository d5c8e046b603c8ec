package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidCauses;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class RbacAdmissionTest {

    private static final String RBAC = "rbac.authorization.k8s.io";

    private static ObjectNode admit(String plural, String object) {
        return admission(FakeLookup.withDefaultNamespace()).admitCreate(type(RBAC, plural), json(object));
    }

    @Test
    void subjectsAndRoleRefGetTheirApiGroups() {
        ObjectNode out = admit("rolebindings", "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'RoleBinding',"
                + "'metadata':{'name':'b','namespace':'default'},'roleRef':{'kind':'ClusterRole','name':'view'},"
                + "'subjects':[{'kind':'User','name':'u'},{'kind':'ServiceAccount','name':'sa'}]}");
        assertThat(out.at("/roleRef/apiGroup").asText()).isEqualTo(RBAC);
        assertThat(out.at("/subjects/0/apiGroup").asText()).isEqualTo(RBAC);
        assertThat(out.at("/subjects/1/apiGroup").asText()).isEmpty();
    }

    @Test
    void bindingsAreValidatedAsUpstream() {
        assertThat(invalidCauses(() -> admit("clusterrolebindings", "{'apiVersion':'rbac.authorization.k8s.io/v1',"
                + "'kind':'ClusterRoleBinding','metadata':{'name':'b'},'roleRef':{'apiGroup':'" + RBAC + "',"
                + "'kind':'Role','name':'x'},'subjects':[{'kind':'ServiceAccount','name':'sa'},{'kind':'Robot','name':'r'}]}")))
                .containsExactly("roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"",
                        "subjects[0].namespace: Required value",
                        "subjects[1].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"");
    }

    @Test
    void rolesNeedVerbsAndNamespacedRulesCannotUseUrls() {
        assertThat(invalidCauses(() -> admit("roles", "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'Role',"
                + "'metadata':{'name':'r','namespace':'default'},'rules':[{'apiGroups':[''],'resources':['pods']},"
                + "{'verbs':['get'],'nonResourceURLs':['/metrics']}]}")))
                .containsExactly("rules[0].verbs: Required value: verbs must contain at least one value",
                        "rules[1].nonResourceURLs: Invalid value: []string{\"/metrics\"}: namespaced rules cannot apply"
                                + " to non-resource URLs");
        assertThat(admit("clusterroles", "{'apiVersion':'rbac.authorization.k8s.io/v1','kind':'ClusterRole',"
                + "'metadata':{'name':'system:x'},'rules':[{'verbs':['get'],'nonResourceURLs':['/metrics']}]}")
                .at("/metadata/name").asText()).isEqualTo("system:x");
    }

    @Test
    void theRoleRefCannotChange() {
        Admission admission = admission(FakeLookup.withDefaultNamespace());
        ObjectNode old = admission.admitCreate(type(RBAC, "rolebindings"), json("{'apiVersion':'rbac.authorization.k8s.io/v1',"
                + "'kind':'RoleBinding','metadata':{'name':'b','namespace':'default','uid':'u',"
                + "'creationTimestamp':'2025-01-01T00:00:00Z'},'roleRef':{'kind':'ClusterRole','name':'view'}}"));
        ObjectNode changed = old.deepCopy();
        ((ObjectNode) changed.get("roleRef")).put("name", "edit");
        assertThat(invalidCauses(() -> admission.admitUpdate(type(RBAC, "rolebindings"), old, changed, "")))
                .containsExactly("roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\","
                        + " Kind:\"ClusterRole\", Name:\"edit\"}: cannot change roleRef");
    }
}
