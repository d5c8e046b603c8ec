package dev.j8s.controllers.statefulset;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.testing.Controllers;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The StatefulSet controller over a real API server, with a fake kubelet that reports pods ready on request. */
class StatefulSetControllerTest {

    @TempDir
    Path dir;

    private Controllers controllers;
    private ResourceClient<StatefulSet> sets;
    private ResourceClient<Pod> pods;
    private ResourceClient<PersistentVolumeClaim> claims;

    @BeforeEach
    void start() {
        controllers = Controllers.start(dir);
        sets = controllers.api().client().resource(Kind.STATEFUL_SETS);
        pods = controllers.api().client().resource(Kind.PODS);
        claims = controllers.api().client().resource(Kind.PERSISTENT_VOLUME_CLAIMS);
    }

    @AfterEach
    void stop() {
        controllers.close();
    }

    private void create(String name, int replicas, String policy, String image) {
        sets.create(new StatefulSetBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(replicas).withServiceName(name).withPodManagementPolicy(policy)
                .withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata().withNewSpec()
                .addNewContainer().withName("c").withImage(image).endContainer().endSpec().endTemplate()
                .addNewVolumeClaimTemplate().withNewMetadata().withName("www").endMetadata().withNewSpec()
                .withAccessModes("ReadWriteOnce").withNewResources().addToRequests("storage",
                        new io.fabric8.kubernetes.api.model.Quantity("1Mi")).endResources().endSpec()
                .endVolumeClaimTemplate()
                .endSpec().build());
    }

    private List<String> livePodNames(String app) {
        return pods.list("default", ListOptions.labels("app=" + app)).items().stream().filter(Pods::isActive)
                .map(p -> p.getMetadata().getName()).sorted().toList();
    }

    private Optional<Pod> pod(String name) {
        return pods.get("default", name);
    }

    /** Lets a while pass in which the controller could act, so that what it did not do can be asserted. */
    private static void settle() {
        try {
            Thread.sleep(Duration.ofMillis(500));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void orderedReadyCreatesEachPodOnlyOnceTheOneBeforeItIsReady() {
        controllers.kubelet().stopMakingReady();
        create("web", 3, "OrderedReady", "busybox:1.36");

        await("web-0", () -> pod("web-0").isPresent());
        settle();
        assertThat(livePodNames("web")).containsExactly("web-0");
        assertThat(claims.get("default", "www-web-0")).isPresent();

        controllers.kubelet().makeReady("default", "web-0");
        await("web-1", () -> pod("web-1").isPresent());
        settle();
        assertThat(livePodNames("web")).containsExactly("web-0", "web-1");

        controllers.kubelet().makeReady("default", "web-1");
        await("web-2", () -> pod("web-2").isPresent());
        Pod web2 = pod("web-2").orElseThrow();
        assertThat(web2.getMetadata().getLabels()).containsEntry("statefulset.kubernetes.io/pod-name", "web-2")
                .containsEntry("apps.kubernetes.io/pod-index", "2").containsKey("controller-revision-hash");
        assertThat(web2.getSpec().getHostname()).isEqualTo("web-2");
        assertThat(web2.getSpec().getSubdomain()).isEqualTo("web");
        assertThat(web2.getSpec().getVolumes().getFirst().getPersistentVolumeClaim().getClaimName()).isEqualTo("www-web-2");
        assertThat(controllers.events("default", "SuccessfulCreate")).extracting(e -> e.getMessage())
                .contains("create Claim www-web-0 Pod web-0 in StatefulSet web success",
                        "create Pod web-0 in StatefulSet web successful");
    }

    @Test
    void parallelCreatesEveryPodWithoutWaiting() {
        controllers.kubelet().stopMakingReady();
        create("par", 3, "Parallel", "busybox:1.36");

        await("three pods", () -> livePodNames("par").size() == 3);
        assertThat(livePodNames("par")).containsExactly("par-0", "par-1", "par-2");
    }

    @Test
    void scalingDownRemovesTheHighestOrdinalFirstOneAtATimeAndKeepsTheClaims() {
        create("down", 3, "OrderedReady", "busybox:1.36");
        await("three ready", () -> sets.get("default", "down").map(s -> s.getStatus() != null
                && Integer.valueOf(3).equals(s.getStatus().getReadyReplicas())).orElse(false));

        sets.patch("default", "down", PatchType.MERGE, "{\"spec\":{\"replicas\":1}}");
        await("one pod left", () -> livePodNames("down").equals(List.of("down-0")));
        await("both deletions recorded", () -> controllers.events("default", "SuccessfulDelete").size() == 2);
        List<String> deleted = controllers.events("default", "SuccessfulDelete").stream().map(e -> e.getMessage()).toList();
        assertThat(deleted).containsExactly("delete Pod down-2 in StatefulSet down successful",
                "delete Pod down-1 in StatefulSet down successful");
        assertThat(claims.get("default", "www-down-1")).isPresent();
        assertThat(claims.get("default", "www-down-2")).isPresent();
    }

    @Test
    void aPartitionKeepsTheOrdinalsBelowItOnTheCurrentRevision() {
        create("part", 3, "OrderedReady", "busybox:1.36");
        await("three ready", () -> sets.get("default", "part").map(s -> s.getStatus() != null
                && Integer.valueOf(3).equals(s.getStatus().getReadyReplicas())).orElse(false));
        String first = pod("part-0").orElseThrow().getMetadata().getLabels().get("controller-revision-hash");

        sets.patch("default", "part", PatchType.MERGE, "{\"spec\":{\"updateStrategy\":{\"rollingUpdate\":"
                + "{\"partition\":2}},\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1.37\"}]}}}}");
        await("part-2 updated", () -> pod("part-2").filter(p -> p.getMetadata().getDeletionTimestamp() == null
                && "busybox:1.37".equals(p.getSpec().getContainers().getFirst().getImage())).isPresent());
        await("status counts the update", () -> sets.get("default", "part").map(s ->
                Integer.valueOf(1).equals(s.getStatus().getUpdatedReplicas())).orElse(false));
        settle();
        for (String old : List.of("part-0", "part-1")) {
            Pod p = pod(old).orElseThrow();
            assertThat(p.getSpec().getContainers().getFirst().getImage()).isEqualTo("busybox:1.36");
            assertThat(p.getMetadata().getLabels()).containsEntry("controller-revision-hash", first);
        }
        StatefulSet set = sets.get("default", "part").orElseThrow();
        assertThat(set.getStatus().getCurrentRevision()).isEqualTo(first);
        assertThat(set.getStatus().getUpdateRevision()).isNotEqualTo(first);
        List<ControllerRevision> revisions = controllers.api().client().resource(Kind.CONTROLLER_REVISIONS)
                .list("default", ListOptions.labels("app=part")).items();
        assertThat(revisions).extracting(ControllerRevision::getRevision).containsExactlyInAnyOrder(1L, 2L);
    }

    @Test
    void onDeleteReplacesOnlyThePodsTheUserDeletes() {
        sets.create(new StatefulSetBuilder().withNewMetadata().withName("od").withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(2).withNewUpdateStrategy().withType("OnDelete").endUpdateStrategy()
                .withNewSelector().addToMatchLabels("app", "od").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "od").endMetadata().withNewSpec()
                .addNewContainer().withName("c").withImage("busybox:1.36").endContainer().endSpec().endTemplate()
                .endSpec().build());
        await("two ready", () -> sets.get("default", "od").map(s -> s.getStatus() != null
                && Integer.valueOf(2).equals(s.getStatus().getReadyReplicas())).orElse(false));

        sets.patch("default", "od", PatchType.MERGE,
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1.37\"}]}}}}");
        settle();
        assertThat(pod("od-1").orElseThrow().getSpec().getContainers().getFirst().getImage()).isEqualTo("busybox:1.36");

        String uid = pod("od-1").orElseThrow().getMetadata().getUid();
        pods.delete("default", "od-1", dev.j8s.api.client.DeleteOptions.defaults());
        await("od-1 recreated", () -> pod("od-1").filter(p -> !p.getMetadata().getUid().equals(uid)).isPresent());
        assertThat(pod("od-1").orElseThrow().getSpec().getContainers().getFirst().getImage()).isEqualTo("busybox:1.37");
        assertThat(pod("od-0").orElseThrow().getSpec().getContainers().getFirst().getImage()).isEqualTo("busybox:1.36");
    }

    @Test
    void theRetentionPolicyMakesTheSetOrTheCondemnedPodOwnTheClaims() {
        create("ret", 2, "OrderedReady", "busybox:1.36");
        await("two ready", () -> sets.get("default", "ret").map(s -> s.getStatus() != null
                && Integer.valueOf(2).equals(s.getStatus().getReadyReplicas())).orElse(false));
        assertThat(claims.get("default", "www-ret-0").orElseThrow().getMetadata().getOwnerReferences()).isEmpty();

        sets.patch("default", "ret", PatchType.MERGE, "{\"spec\":{\"persistentVolumeClaimRetentionPolicy\":"
                + "{\"whenDeleted\":\"Delete\",\"whenScaled\":\"Delete\"}}}");
        String setUid = sets.get("default", "ret").orElseThrow().getMetadata().getUid();
        await("claims owned by the set", () -> claims.get("default", "www-ret-0").map(c ->
                c.getMetadata().getOwnerReferences().stream().anyMatch(r -> r.getUid().equals(setUid))).orElse(false));

        sets.patch("default", "ret", PatchType.MERGE, "{\"spec\":{\"replicas\":1}}");
        await("the condemned pod's claim removed with it", () -> claims.get("default", "www-ret-1").isEmpty());
        assertThat(claims.get("default", "www-ret-0")).isPresent();

        sets.delete("default", "ret", dev.j8s.api.client.DeleteOptions.defaults());
        await("the remaining claim removed with the set", () -> claims.get("default", "www-ret-0").isEmpty());
    }
}
