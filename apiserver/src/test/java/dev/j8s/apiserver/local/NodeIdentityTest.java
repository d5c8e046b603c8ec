package dev.j8s.apiserver.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.Cluster;
import dev.j8s.api.ClusterException;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.testing.LocalCore;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.authentication.BoundObjectReference;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded kubelet's in-process {@link Cluster} as {@code system:node:node1}: limited by the Node authorizer and
 * NodeRestriction exactly as a kubelet over HTTPS is.
 */
class NodeIdentityTest {

    @TempDir
    Path dir;

    private LocalCore local;
    private Cluster kubelet;

    @BeforeEach
    void setUp() {
        local = LocalCore.open(dir, false);
        kubelet = local.core().cluster(UserInfo.node("node1"));
        create("secrets", "{'apiVersion':'v1','kind':'Secret','metadata':{'name':'mounted'}}");
        create("secrets", "{'apiVersion':'v1','kind':'Secret','metadata':{'name':'unreferenced'}}");
        create("pods", "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'here'},'spec':{'nodeName':'node1',"
                + "'volumes':[{'name':'s','secret':{'secretName':'mounted'}}],'containers':[{'name':'c','image':'i'}]}}");
        create("pods", "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'there'},'spec':{'nodeName':'node2',"
                + "'containers':[{'name':'c','image':'i'}]}}");
    }

    @AfterEach
    void tearDown() {
        kubelet.close();
        local.close();
    }

    private void create(String plural, String compact) {
        ObjectService objects = local.core().objects();
        try {
            objects.create(objects.resources().find("", "v1", plural).orElseThrow(), "default",
                    (ObjectNode) Json.MAPPER.readTree(compact.replace('\'', '"')), false);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void theKubeletReadsOnlySecretsItsPodsReference() {
        assertThat(kubelet.secret("default", "mounted")).isPresent();
        assertThatThrownBy(() -> kubelet.secret("default", "unreferenced"))
                .isInstanceOf(ClusterException.class)
                .hasMessage("get secret default/unreferenced: secrets \"unreferenced\" is forbidden: User"
                        + " \"system:node:node1\" cannot get resource \"secrets\" in API group \"\" in the namespace"
                        + " \"default\": no relationship found between node 'node1' and this object")
                .extracting(e -> ((ClusterException) e).code()).isEqualTo(403);
    }

    @Test
    void theKubeletGetsTheClaimsOfItsPodsAndTheirBoundVolumesOnly() {
        for (String claim : new String[] {"data", "other"}) {
            create("persistentvolumeclaims", "{'apiVersion':'v1','kind':'PersistentVolumeClaim','metadata':{'name':'"
                    + claim + "'},'spec':{'accessModes':['ReadWriteOnce'],'storageClassName':'',"
                    + "'resources':{'requests':{'storage':'1Mi'}},'volumeName':'pv-" + claim + "'}}");
            create("persistentvolumes", "{'apiVersion':'v1','kind':'PersistentVolume','metadata':{'name':'pv-" + claim
                    + "'},'spec':{'accessModes':['ReadWriteOnce'],'capacity':{'storage':'1Mi'},'hostPath':"
                    + "{'path':'/tmp/pv'},'claimRef':{'namespace':'default','name':'" + claim + "'}}}");
        }
        create("pods", "{'apiVersion':'v1','kind':'Pod','metadata':{'name':'claimer'},'spec':{'nodeName':'node1',"
                + "'volumes':[{'name':'d','persistentVolumeClaim':{'claimName':'data'}}],"
                + "'containers':[{'name':'c','image':'i'}]}}");

        assertThat(kubelet.persistentVolumeClaim("default", "data")).isPresent();
        assertThat(kubelet.persistentVolume("pv-data")).isPresent();
        assertThatThrownBy(() -> kubelet.persistentVolumeClaim("default", "other"))
                .hasMessageContaining("no relationship found between node 'node1' and this object");
        assertThatThrownBy(() -> kubelet.persistentVolume("pv-other"))
                .isInstanceOf(ClusterException.class)
                .hasMessageEndingWith("persistentvolumes \"pv-other\" is forbidden: User \"system:node:node1\" cannot"
                        + " get resource \"persistentvolumes\" in API group \"\" at the cluster scope: no relationship"
                        + " found between node 'node1' and this object");
    }

    @Test
    void theKubeletPatchesTheStatusOfItsOwnPodsOnly() {
        String here = kubelet.pod("default", "here").orElseThrow().getMetadata().getUid();
        assertThat(kubelet.updatePodStatus("default", "here", here, new PodStatusBuilder().withPhase("Running").build()))
                .isPresent();
        String there = local.core().objects().store().get("pods", "default", "there").orElseThrow()
                .at("/metadata/uid").asText();
        assertThatThrownBy(() -> kubelet.updatePodStatus("default", "there", there,
                new PodStatusBuilder().withPhase("Running").build()))
                .isInstanceOf(ClusterException.class)
                .hasMessage("update status of pod default/there: pods \"there\" is forbidden: node \"node1\" can only"
                        + " update pod status for pods with spec.nodeName set to itself");
        assertThatThrownBy(() -> kubelet.pod("default", "there")).hasMessageContaining(
                "no relationship found between node 'node1' and this object");
    }

    @Test
    void theKubeletGetsTokensBoundToItsOwnPodsOnly() {
        String here = kubelet.pod("default", "here").orElseThrow().getMetadata().getUid();
        TokenRequest answer = kubelet.createToken("default", "default", request("here", here));
        assertThat(answer.getStatus().getToken()).isNotEmpty();
        String there = local.core().objects().store().get("pods", "default", "there").orElseThrow()
                .at("/metadata/uid").asText();
        assertThatThrownBy(() -> kubelet.createToken("default", "default", request("there", there)))
                .hasMessageContaining("node requested token bound to a pod scheduled on a different node");
        assertThatThrownBy(() -> kubelet.deletePod("default", "there", there))
                .hasMessageContaining("node \"node1\" can only delete pods with spec.nodeName set to itself");
    }

    private static TokenRequest request(String pod, String uid) {
        return new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3607L)
                .withBoundObjectRef(new BoundObjectReference("v1", "Pod", pod, uid)).endSpec().build();
    }
}
