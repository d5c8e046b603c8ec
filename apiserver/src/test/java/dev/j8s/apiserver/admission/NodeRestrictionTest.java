package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authentication.RequestUser;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.errors.ApiError;
import org.junit.jupiter.api.Test;

class NodeRestrictionTest {

    private static final UserInfo NODE1 = UserInfo.node("node1");
    private final FakeLookup lookup = FakeLookup.withDefaultNamespace()
            .put("pods", "default", pod("mine", "node1"))
            .put("pods", "default", pod("theirs", "node2"))
            .put("nodes", "", json("{'metadata':{'name':'node1','uid':'n1-uid'}}"));
    private final Admission admission = admission(lookup);

    private static ObjectNode pod(String name, String node) {
        return json("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'" + name + "','namespace':'default','uid':'"
                + name + "-uid','labels':{'a':'b'}},'spec':{'nodeName':'" + node + "','serviceAccountName':'default',"
                + "'containers':[{'name':'c','image':'i'}]},'status':{'phase':'Running'}}");
    }

    private void asNode(Runnable work) {
        RequestUser.runAs(NODE1, work);
    }

    @Test
    void aNodeUpdatesTheStatusOfItsOwnPodsOnlyAndNeverTheirLabels() {
        ObjectNode mine = lookup.get("pods", "default", "mine").orElseThrow();
        ObjectNode theirs = lookup.get("pods", "default", "theirs").orElseThrow();
        assertThatCode(() -> asNode(() -> admission.admitUpdate(type("pods"), mine, mine.deepCopy(), "status")))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> asNode(() -> admission.admitUpdate(type("pods"), theirs, theirs.deepCopy(), "status")))
                .isInstanceOf(ApiError.Forbidden.class)
                .hasMessage("pods \"theirs\" is forbidden: node \"node1\" can only update pod status for pods with"
                        + " spec.nodeName set to itself");
        ObjectNode relabelled = mine.deepCopy();
        ((ObjectNode) relabelled.at("/metadata/labels")).put("a", "c");
        assertThatThrownBy(() -> asNode(() -> admission.admitUpdate(type("pods"), mine, relabelled, "status")))
                .hasMessage("pods \"mine\" is forbidden: node \"node1\" cannot update labels through pod status");
    }

    @Test
    void aNodeWritesOnlyTheCapacityAndConditionsOfAClaimsStatus() {
        ObjectNode claim = json("{'apiVersion':'v1','kind':'PersistentVolumeClaim','metadata':{'name':'data',"
                + "'namespace':'default','uid':'c1','labels':{'app':'db'},'finalizers':['kubernetes.io/pvc-protection']},"
                + "'spec':{'accessModes':['ReadWriteOnce'],'resources':{'requests':{'storage':'2Gi'}},"
                + "'volumeName':'pv1'},'status':{'phase':'Bound','capacity':{'storage':'1Gi'}}}");
        ObjectNode resized = claim.deepCopy();
        ((ObjectNode) resized.at("/status/capacity")).put("storage", "2Gi");
        ((ObjectNode) resized.get("status")).putArray("conditions").addObject().put("type", "Resizing")
                .put("status", "True");
        assertThatCode(() -> asNode(() -> admission.admitUpdate(type("persistentvolumeclaims"), claim, resized,
                "status"))).doesNotThrowAnyException();

        ObjectNode lost = claim.deepCopy();
        ((ObjectNode) lost.get("status")).put("phase", "Lost");
        ((ObjectNode) lost.get("metadata")).remove("finalizers");
        assertThatThrownBy(() -> asNode(() -> admission.admitUpdate(type("persistentvolumeclaims"), claim, lost,
                "status")))
                .isInstanceOf(ApiError.Forbidden.class)
                .hasMessage("persistentvolumeclaims \"data\" is forbidden: node \"node1\" is not allowed to update "
                        + "fields other than status.capacity and status.conditions: metadata.finalizers, status.phase");
        // other users are not held to it
        assertThatCode(() -> admission.admitUpdate(type("persistentvolumeclaims"), claim, lost, "status"))
                .doesNotThrowAnyException();
    }

    @Test
    void aNodeDeletesOnlyItsOwnPodsAndCreatesOnlyMirrorPods() {
        assertThatCode(() -> asNode(() -> admission.admitDelete(type("pods"), pod("mine", "node1"))))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> asNode(() -> admission.admitDelete(type("pods"), pod("theirs", "node2"))))
                .hasMessage("pods \"theirs\" is forbidden: node \"node1\" can only delete pods with spec.nodeName set to"
                        + " itself");
        ObjectNode plain = json("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'default'},"
                + "'spec':{'nodeName':'node1','containers':[{'name':'c','image':'i'}]}}");
        assertThatThrownBy(() -> asNode(() -> admission.admitCreate(type("pods"), plain)))
                .hasMessage("pods \"p\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" annotation, node"
                        + " \"node1\" can only create mirror pods");
        // other users are not restricted
        assertThatCode(() -> admission.admitDelete(type("pods"), pod("theirs", "node2"))).doesNotThrowAnyException();
    }

    @Test
    void aNodeChangesOnlyItsOwnNodeWithoutTaintsOrRestrictedLabels() {
        ObjectNode node = json("{'apiVersion':'v1','kind':'Node','metadata':{'name':'node1','uid':'n1-uid',"
                + "'labels':{'kubernetes.io/hostname':'node1'}},'spec':{}}");
        ObjectNode other = json("{'apiVersion':'v1','kind':'Node','metadata':{'name':'node2'},'spec':{}}");
        assertThatThrownBy(() -> asNode(() -> admission.admitUpdate(type("nodes"), other, other.deepCopy(), "")))
                .hasMessage("nodes \"node2\" is forbidden: node \"node1\" is not allowed to modify node \"node2\"");
        ObjectNode tainted = node.deepCopy();
        ((ObjectNode) tainted.get("spec")).putArray("taints").addObject().put("key", "k").put("effect", "NoSchedule");
        assertThatThrownBy(() -> asNode(() -> admission.admitUpdate(type("nodes"), node, tainted, "")))
                .hasMessage("nodes \"node1\" is forbidden: node \"node1\" is not allowed to modify taints");
        ObjectNode labelled = node.deepCopy();
        ((ObjectNode) labelled.at("/metadata/labels")).put("node-role.kubernetes.io/control-plane", "")
                .put("node.kubernetes.io/exclude-from-external-load-balancers", "");
        assertThatThrownBy(() -> asNode(() -> admission.admitUpdate(type("nodes"), node, labelled, "")))
                .hasMessage("nodes \"node1\" is forbidden: is not allowed to modify labels:"
                        + " node-role.kubernetes.io/control-plane");
    }

    @Test
    void aNodeRequestsTokensBoundToItsOwnPodsOnly() {
        ObjectNode bound = json("{'spec':{'boundObjectRef':{'apiVersion':'v1','kind':'Pod','name':'mine',"
                + "'uid':'mine-uid'}}}");
        assertThatCode(() -> asNode(() -> admission.admitTokenRequest("default", "default", bound)))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> asNode(() -> admission.admitTokenRequest("default", "default", json("{'spec':{}}"))))
                .hasMessage("serviceaccounts \"default\" is forbidden: node requested token not bound to a pod");
        ObjectNode elsewhere = json("{'spec':{'boundObjectRef':{'apiVersion':'v1','kind':'Pod','name':'theirs',"
                + "'uid':'theirs-uid'}}}");
        assertThatThrownBy(() -> asNode(() -> admission.admitTokenRequest("default", "default", elsewhere)))
                .hasMessage("serviceaccounts \"default\" is forbidden: node requested token bound to a pod scheduled on"
                        + " a different node");
    }
}
