package dev.j8s.apiserver.authorization.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Decision;
import dev.j8s.apiserver.authorization.rbac.BootstrapPolicy;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.storage.WatchEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeAuthorizerTest {

    private static final UserInfo NODE1 = UserInfo.node("node1");
    private final NodeGraph graph = new NodeGraph();
    private final NodeAuthorizer authorizer = new NodeAuthorizer(graph, BootstrapPolicy.nodeRules());

    private void pod(WatchEvent.Type type, String name, String node, String spec) {
        ObjectNode pod;
        try {
            pod = (ObjectNode) Json.MAPPER.readTree(("{'metadata':{'name':'" + name + "','namespace':'default'},"
                    + "'spec':{'nodeName':'" + node + "'," + spec + "}}").replace('\'', '"'));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        graph.onPod(new WatchEvent(type, "pods", "default", name, 1, pod));
    }

    private Decision get(String resource, String name) {
        return authorizer.authorize(Attributes.resource(NODE1, "get", "", "v1", "default", resource, "", name));
    }

    @Test
    void aNodeReadsOnlyTheSecretsAndConfigMapsItsPodsReference() {
        pod(WatchEvent.Type.ADDED, "web", "node1", "'serviceAccountName':'sa','imagePullSecrets':[{'name':'pull'}],"
                + "'volumes':[{'name':'v','secret':{'secretName':'db'}},{'name':'p','projected':{'sources':"
                + "[{'configMap':{'name':'kube-root-ca.crt'}}]}}],"
                + "'containers':[{'name':'c','envFrom':[{'configMapRef':{'name':'env'}}],'env':[{'name':'X','valueFrom':"
                + "{'secretKeyRef':{'name':'key','key':'k'}}}]}]");
        pod(WatchEvent.Type.ADDED, "other", "node2", "'volumes':[{'name':'v','secret':{'secretName':'elsewhere'}}]");

        for (String secret : List.of("db", "pull", "key")) {
            assertThat(get("secrets", secret).allowed()).as(secret).isTrue();
        }
        assertThat(get("configmaps", "env").allowed()).isTrue();
        assertThat(get("configmaps", "kube-root-ca.crt").allowed()).isTrue();
        assertThat(get("secrets", "elsewhere")).isEqualTo(Decision.noOpinion(
                "no relationship found between node 'node1' and this object"));
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "list", "", "v1", "default", "secrets", "", "")))
                .isEqualTo(Decision.noOpinion("No Object name found"));
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "update", "", "v1", "default", "secrets", "", "db")))
                .isEqualTo(Decision.noOpinion("can only read resources of this type"));

        pod(WatchEvent.Type.MODIFIED, "web", "node1", "'containers':[{'name':'c'}]");
        assertThat(get("secrets", "db").allowed()).isFalse();
        pod(WatchEvent.Type.DELETED, "web", "node1", "'containers':[]");
        assertThat(get("configmaps", "env").allowed()).isFalse();
    }

    private void volume(WatchEvent.Type type, String name, String claimRef) {
        ObjectNode pv;
        try {
            pv = (ObjectNode) Json.MAPPER.readTree(("{'metadata':{'name':'" + name + "'},'spec':{"
                    + (claimRef.isEmpty() ? "" : "'claimRef':{" + claimRef + "}") + "}}").replace('\'', '"'));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        graph.onVolume(new WatchEvent(type, "persistentvolumes", "", name, 1, pv));
    }

    private Decision getVolume(String name) {
        return authorizer.authorize(Attributes.resource(NODE1, "get", "", "v1", "", "persistentvolumes", "", name));
    }

    @Test
    void aNodeGetsTheClaimsItsPodsReferenceAndTheVolumesBoundToThemAndNothingElse() {
        pod(WatchEvent.Type.ADDED, "db-0", "node1", "'volumes':[{'name':'data','persistentVolumeClaim':"
                + "{'claimName':'data-db-0'}}],'containers':[{'name':'c'}]");
        pod(WatchEvent.Type.ADDED, "far", "node2", "'volumes':[{'name':'data','persistentVolumeClaim':"
                + "{'claimName':'data-far'}}],'containers':[{'name':'c'}]");
        volume(WatchEvent.Type.ADDED, "pvc-1", "'namespace':'default','name':'data-db-0'");
        volume(WatchEvent.Type.ADDED, "pvc-2", "'namespace':'default','name':'data-far'");
        volume(WatchEvent.Type.ADDED, "pvc-3", "'namespace':'other','name':'data-db-0'");
        volume(WatchEvent.Type.ADDED, "unbound", "");

        assertThat(get("persistentvolumeclaims", "data-db-0").allowed()).isTrue();
        assertThat(getVolume("pvc-1").allowed()).isTrue();
        String unrelated = "no relationship found between node 'node1' and this object";
        assertThat(get("persistentvolumeclaims", "data-far")).isEqualTo(Decision.noOpinion(unrelated));
        assertThat(getVolume("pvc-2")).as("bound to another node's claim").isEqualTo(Decision.noOpinion(unrelated));
        assertThat(getVolume("pvc-3")).as("a claim of the same name elsewhere").isEqualTo(Decision.noOpinion(unrelated));
        assertThat(getVolume("unbound")).isEqualTo(Decision.noOpinion(unrelated));
        assertThat(getVolume("missing")).isEqualTo(Decision.noOpinion(unrelated));
        // reading only, one object at a time
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "list", "", "v1", "", "persistentvolumes", "", "")))
                .isEqualTo(Decision.noOpinion("can only get individual resources of this type"));
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "update", "", "v1", "", "persistentvolumes", "",
                "pvc-1"))).isEqualTo(Decision.noOpinion("can only get individual resources of this type"));
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "watch", "", "v1", "default",
                "persistentvolumeclaims", "", "data-db-0")))
                .isEqualTo(Decision.noOpinion("can only get individual resources of this type"));
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "delete", "", "v1", "default",
                "persistentvolumeclaims", "", "data-db-0")))
                .isEqualTo(Decision.noOpinion("can only get individual resources of this type"));

        // the volume follows its claimRef; the pod leaving the node takes both away
        volume(WatchEvent.Type.MODIFIED, "pvc-2", "'namespace':'default','name':'data-db-0'");
        assertThat(getVolume("pvc-2").allowed()).isTrue();
        volume(WatchEvent.Type.DELETED, "pvc-2", "'namespace':'default','name':'data-db-0'");
        assertThat(getVolume("pvc-2").allowed()).isFalse();
        pod(WatchEvent.Type.DELETED, "db-0", "node1", "'containers':[]");
        assertThat(get("persistentvolumeclaims", "data-db-0").allowed()).isFalse();
        assertThat(getVolume("pvc-1").allowed()).isFalse();
    }

    @Test
    void aNodeCreatesTokensOnlyForTheServiceAccountsOfItsPods() {
        pod(WatchEvent.Type.ADDED, "web", "node1", "'serviceAccountName':'sa','containers':[{'name':'c'}]");
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "create", "", "v1", "default", "serviceaccounts",
                "token", "sa")).allowed()).isTrue();
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "create", "", "v1", "default", "serviceaccounts",
                "token", "other")).allowed()).isFalse();
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "get", "", "v1", "default", "serviceaccounts",
                "", "sa"))).isEqualTo(Decision.noOpinion("can only create tokens for individual service accounts"));
    }

    @Test
    void podsAreListedThroughTheNodesFieldSelectorAndReadWhenBound() {
        pod(WatchEvent.Type.ADDED, "web", "node1", "'containers':[{'name':'c'}]");
        pod(WatchEvent.Type.ADDED, "far", "node2", "'containers':[{'name':'c'}]");
        Attributes list = Attributes.resource(NODE1, "list", "", "v1", "", "pods", "", "");
        assertThat(authorizer.authorize(list))
                .isEqualTo(Decision.noOpinion("can only list/watch pods with spec.nodeName field selector"));
        assertThat(authorizer.authorize(list.withFieldSelector("spec.nodeName=node1")).allowed()).isTrue();
        assertThat(authorizer.authorize(list.withFieldSelector("spec.nodeName=node2")).allowed()).isFalse();
        assertThat(get("pods", "web").allowed()).isTrue();
        assertThat(get("pods", "far").allowed()).isFalse();
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "patch", "", "v1", "default", "pods", "status", "far"))
                .allowed()).as("NodeRestriction decides status writes").isTrue();
    }

    @Test
    void aNodeReadsOnlyItsOwnNodeAndLease() {
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "list", "", "v1", "", "nodes", "", "")))
                .isEqualTo(Decision.noOpinion("node 'node1' cannot read all nodes, only its own Node object"));
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "get", "", "v1", "", "nodes", "", "node2")))
                .isEqualTo(Decision.noOpinion("node 'node1' cannot read 'node2', only its own Node object"));
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "get", "", "v1", "", "nodes", "", "node1")).allowed())
                .isTrue();
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "update", "coordination.k8s.io", "v1",
                "kube-node-lease", "leases", "", "node1")).allowed()).isTrue();
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "update", "coordination.k8s.io", "v1",
                "kube-node-lease", "leases", "", "node2")))
                .isEqualTo(Decision.noOpinion("can only access node lease with the same name as the requesting node"));
    }

    @Test
    void otherRequestsFollowTheStaticNodeRulesAndOtherUsersGetNoOpinion() {
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "create", "", "v1", "default", "events", "", ""))
                .allowed()).isTrue();
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "list", "", "v1", "default", "services", "", ""))
                .allowed()).isTrue();
        assertThat(authorizer.authorize(Attributes.resource(NODE1, "create", "apps", "v1", "default", "deployments",
                "", "")).allowed()).isFalse();
        UserInfo bob = UserInfo.authenticated("bob", "", List.of(), Map.of());
        assertThat(authorizer.authorize(Attributes.resource(bob, "get", "", "v1", "default", "secrets", "", "db")))
                .isEqualTo(Decision.NO_OPINION);
        UserInfo nameless = new UserInfo("system:node:", "", List.of("system:nodes"), Map.of());
        assertThat(authorizer.authorize(Attributes.resource(nameless, "get", "", "v1", "default", "secrets", "", "db")))
                .isEqualTo(Decision.noOpinion("unknown node for user \"system:node:\""));
        assertThat(authorizer.rulesFor(NODE1, "default").incomplete()).isTrue();
        assertThat(authorizer.rulesFor(NODE1, "default").evaluationError())
                .isEqualTo("node authorizer does not support user rule resolution");
    }
}
