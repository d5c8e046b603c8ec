package dev.j8s.controllers;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.PatchType;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.controllers.testing.Controllers;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controllers act as upstream's controller service accounts ({@code kube-system/<controller>}, as
 * kube-controller-manager with --use-service-account-credentials), each held by RBAC to its bootstrap
 * {@code system:controller:<controller>} role and admitted as that user.
 */
class ControllerIdentitiesTest {

    @TempDir
    Path dir;

    private Controllers controllers;
    private KubeClient admin;

    @BeforeEach
    void start() {
        controllers = Controllers.start(dir);
        admin = controllers.api().client();
    }

    @AfterEach
    void stop() {
        controllers.close();
    }

    private static String forbidden(ClusterException e) {
        assertThat(e.code()).isEqualTo(403);
        return e.getMessage();
    }

    @Test
    void everyControllerHasItsServiceAccountInKubeSystem() {
        assertThat(admin.resource(Kind.SERVICE_ACCOUNTS).list("kube-system", ListOptions.EVERYTHING).items())
                .extracting(sa -> sa.getMetadata().getName())
                .containsAll(List.of("replicaset-controller", "deployment-controller", "daemon-set-controller",
                        "generic-garbage-collector", "pod-garbage-collector", "disruption-controller",
                        "node-controller", "statefulset-controller", "persistent-volume-binder"));
    }

    @Test
    void aControllerIsRefusedWhatItsRoleLacksWithUpstreamsMessage() {
        Pod pod = admin.resource(Kind.PODS).create(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
                .withName("p").withNamespace("default").endMetadata().withNewSpec().addNewContainer().withName("c")
                .withImage("busybox").endContainer().endSpec().build());

        // the ReplicaSet controller may create, patch and delete pods, never update them
        assertThatThrownBy(() -> controllers.clientOf("replicaset-controller").resource(Kind.PODS).update(pod))
                .isInstanceOfSatisfying(ClusterException.class, e -> assertThat(forbidden(e)).isEqualTo(
                        "update pod default/p: pods \"p\" is forbidden: User "
                                + "\"system:serviceaccount:kube-system:replicaset-controller\" cannot update resource "
                                + "\"pods\" in API group \"\" in the namespace \"default\""));
        // nor may the Deployment controller touch Secrets, or pod GC create anything
        assertThatThrownBy(() -> controllers.clientOf("deployment-controller").resource(Kind.SECRETS)
                .create(new SecretBuilder().withNewMetadata().withName("s").withNamespace("default").endMetadata()
                        .build()))
                .isInstanceOfSatisfying(ClusterException.class, e -> assertThat(forbidden(e)).endsWith(
                        "secrets is forbidden: User \"system:serviceaccount:kube-system:deployment-controller\" "
                                + "cannot create resource \"secrets\" in API group \"\" in the namespace \"default\""));
        assertThatThrownBy(() -> controllers.clientOf("pod-garbage-collector").resource(Kind.NODES).delete("",
                "node1", DeleteOptions.defaults()))
                .isInstanceOfSatisfying(ClusterException.class, e -> assertThat(forbidden(e)).endsWith(
                        "nodes \"node1\" is forbidden: User \"system:serviceaccount:kube-system:pod-garbage-collector\" "
                                + "cannot delete resource \"nodes\" in API group \"\" at the cluster scope"));
    }

    @Test
    void withoutARuleOfItsRoleAControllerIsRefusedAndWithItAgainItCatchesUp() {
        var roles = admin.resource(new Kind<>("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false,
                ClusterRole.class));
        ClusterRole role = roles.get("", "system:controller:replicaset-controller").orElseThrow();
        List<PolicyRule> rules = role.getRules();
        ClusterRole withoutPods = new ClusterRoleBuilder(role).withRules(rules.stream()
                .filter(r -> !r.getResources().contains("pods")).toList()).build();
        roles.update(withoutPods);

        admin.resource(Kind.REPLICA_SETS).create(new ReplicaSetBuilder().withNewMetadata().withName("unbound")
                .withNamespace("default").endMetadata().withNewSpec().withReplicas(2).withNewSelector()
                .addToMatchLabels("app", "unbound").endSelector().withNewTemplate().withNewMetadata()
                .addToLabels("app", "unbound").endMetadata().withNewSpec().addNewContainer().withName("c")
                .withImage("busybox").endContainer().endSpec().endTemplate().endSpec().build());
        // the controller's pod creates are refused with upstream's 403, which its FailedCreate event carries
        await("FailedCreate", () -> controllers.events("default", "FailedCreate").stream()
                .anyMatch(e -> e.getMessage().equals("Error creating: pods is forbidden: User "
                        + "\"system:serviceaccount:kube-system:replicaset-controller\" cannot create resource "
                        + "\"pods\" in API group \"\" in the namespace \"default\"")));
        assertThat(admin.resource(Kind.PODS).list("default", ListOptions.labels("app=unbound")).items()).isEmpty();

        roles.update(new ClusterRoleBuilder(roles.get("", role.getMetadata().getName()).orElseThrow())
                .withRules(rules).build());
        await("two pods", () -> admin.resource(Kind.PODS).list("default", ListOptions.labels("app=unbound"))
                .items().size() == 2);
    }

    @Test
    void theStatefulSetControllerMakesClaimsOnlyUnderItsRoleAndThePvBinderMakesNoStorageClass() {
        var roles = admin.resource(new Kind<>("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false,
                ClusterRole.class));
        ClusterRole role = roles.get("", "system:controller:statefulset-controller").orElseThrow();
        List<PolicyRule> rules = role.getRules();
        // its claim rules without "create" (it still reads claims)
        roles.update(new ClusterRoleBuilder(role).withRules(rules.stream()
                .map(r -> !r.getResources().contains("persistentvolumeclaims") ? r : new PolicyRuleBuilder(r)
                        .withVerbs(r.getVerbs().stream().filter(v -> !v.equals("create")).toList()).build())
                .toList()).build());

        admin.resource(Kind.STATEFUL_SETS).create(new StatefulSetBuilder().withNewMetadata().withName("db")
                .withNamespace("default").endMetadata().withNewSpec().withReplicas(1).withServiceName("db")
                .withNewSelector().addToMatchLabels("app", "db").endSelector().withNewTemplate().withNewMetadata()
                .addToLabels("app", "db").endMetadata().withNewSpec().addNewContainer().withName("c")
                .withImage("busybox").endContainer().endSpec().endTemplate().addNewVolumeClaimTemplate()
                .withNewMetadata().withName("data").endMetadata().withNewSpec().withAccessModes("ReadWriteOnce")
                .withNewResources().addToRequests("storage", new Quantity("1Mi")).endResources().endSpec()
                .endVolumeClaimTemplate().endSpec().build());
        await("FailedCreate of the claim", () -> controllers.events("default", "FailedCreate").stream()
                .anyMatch(e -> e.getMessage().equals("create Claim data-db-0 for Pod db-0 in StatefulSet db failed "
                        + "error: persistentvolumeclaims is forbidden: User "
                        + "\"system:serviceaccount:kube-system:statefulset-controller\" cannot create resource "
                        + "\"persistentvolumeclaims\" in API group \"\" in the namespace \"default\"")));
        assertThat(admin.resource(Kind.PODS).get("default", "db-0")).as("no pod without its claim").isEmpty();

        roles.update(new ClusterRoleBuilder(roles.get("", role.getMetadata().getName()).orElseThrow())
                .withRules(rules).build());
        await("the claim and the pod", () -> admin.resource(Kind.PERSISTENT_VOLUME_CLAIMS).get("default", "data-db-0")
                .isPresent() && admin.resource(Kind.PODS).get("default", "db-0").isPresent());

        assertThatThrownBy(() -> controllers.clientOf("persistent-volume-binder").resource(Kind.STORAGE_CLASSES)
                .create(new StorageClassBuilder().withNewMetadata().withName("fast").endMetadata()
                        .withProvisioner("example.com/fast").build()))
                .isInstanceOfSatisfying(ClusterException.class, e -> assertThat(forbidden(e)).endsWith(
                        "storageclasses.storage.k8s.io is forbidden: User "
                                + "\"system:serviceaccount:kube-system:persistent-volume-binder\" cannot create "
                                + "resource \"storageclasses\" in API group \"storage.k8s.io\" at the cluster scope"));
    }

    @Test
    void theGarbageCollectorCollectsAnyKindItsOwnerNamesAndEventsAreWritten() {
        Deployment d = admin.resource(Kind.DEPLOYMENTS).create(Controllers.deployment("web", 1, "busybox"));
        await("a ready pod", () -> admin.resource(Kind.PODS).list("default", ListOptions.labels("app=web")).items()
                .size() == 1);
        // a ConfigMap the Deployment owns (ownerReferences written by a client) goes with it
        admin.resource(Kind.CONFIG_MAPS).create(new ConfigMapBuilder().withNewMetadata().withName("web-config")
                .withNamespace("default").addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment")
                .withName("web").withUid(d.getMetadata().getUid()).endOwnerReference().endMetadata().build());
        // the Deployment and ReplicaSet controllers' events are written as they are
        await("their events", () -> !controllers.events("default", "ScalingReplicaSet").isEmpty()
                && !controllers.events("default", "SuccessfulCreate").isEmpty());

        admin.resource(Kind.DEPLOYMENTS).delete("default", "web",
                DeleteOptions.propagation(DeleteOptions.Propagation.FOREGROUND));
        await("everything collected", () -> admin.resource(Kind.DEPLOYMENTS).get("default", "web").isEmpty()
                && admin.resource(Kind.CONFIG_MAPS).get("default", "web-config").isEmpty()
                && admin.resource(Kind.REPLICA_SETS).list("default", ListOptions.labels("app=web")).items().isEmpty()
                && admin.resource(Kind.PODS).list("default", ListOptions.labels("app=web")).items().isEmpty());

        // its role: get, list, watch, patch, update and delete of anything, creating nothing
        KubeClient gc = controllers.clientOf("generic-garbage-collector");
        admin.resource(Kind.CONFIG_MAPS).create(new ConfigMapBuilder().withNewMetadata().withName("any")
                .withNamespace("default").endMetadata().build());
        gc.resource(Kind.CONFIG_MAPS).patch("default", "any", PatchType.MERGE,
                "{\"metadata\":{\"ownerReferences\":null}}");
        assertThatThrownBy(() -> gc.resource(Kind.CONFIG_MAPS).create(new ConfigMapBuilder().withNewMetadata()
                .withName("new").withNamespace("default").endMetadata().build()))
                .isInstanceOfSatisfying(ClusterException.class, e -> assertThat(e.code()).isEqualTo(403));
    }

    @Test
    void theNodeControllerTaintsANodeUnderPressureWhichItsKubeletMayNot() {
        var nodes = admin.resource(Kind.NODES);
        nodes.create(new NodeBuilder().withNewMetadata().withName("n2").endMetadata().build());
        Node node = nodes.get("", "n2").orElseThrow();
        node.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder().withConditions(
                new NodeConditionBuilder().withType("DiskPressure").withStatus("True").withReason("KubeletHasDiskPressure")
                        .build()).build());
        nodes.updateStatus(node);
        await("the disk-pressure taint", () -> taints(nodes.get("", "n2").orElseThrow())
                .contains("node.kubernetes.io/disk-pressure:NoSchedule"));

        // NodeRestriction: the node's kubelet cannot take it away itself
        KubeClient kubelet = controllers.api().core().kubeClient(UserInfo.node("n2"));
        assertThatThrownBy(() -> kubelet.resource(Kind.NODES).patch("", "n2", PatchType.MERGE,
                "{\"spec\":{\"taints\":null}}"))
                .isInstanceOfSatisfying(ClusterException.class, e -> assertThat(forbidden(e))
                        .contains("node \"n2\" is not allowed to modify taints"));

        Node pressed = nodes.get("", "n2").orElseThrow();
        pressed.getStatus().getConditions().getFirst().setStatus("False");
        nodes.updateStatus(pressed);
        await("no pressure taint", () -> taints(nodes.get("", "n2").orElseThrow()).isEmpty());
    }

    private static List<String> taints(Node node) {
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
                : node.getSpec().getTaints();
        return taints.stream().map(t -> t.getKey() + ":" + t.getEffect()).toList();
    }
}
