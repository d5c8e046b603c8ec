package dev.j8s.controllers.garbagecollector;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.testing.Controllers;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Garbage collection with every controller running over a real API server. */
class GarbageCollectorTest {

    @TempDir
    Path dir;

    private Controllers controllers;
    private ResourceClient<Deployment> deployments;
    private ResourceClient<ReplicaSet> replicaSets;
    private ResourceClient<Pod> pods;
    private ResourceClient<ConfigMap> configMaps;

    @BeforeEach
    void start() {
        controllers = Controllers.start(dir);
        deployments = controllers.api().client().resource(Kind.DEPLOYMENTS);
        replicaSets = controllers.api().client().resource(Kind.REPLICA_SETS);
        pods = controllers.api().client().resource(Kind.PODS);
        configMaps = controllers.api().client().resource(Kind.CONFIG_MAPS);
    }

    @AfterEach
    void stop() {
        controllers.close();
    }

    private Deployment runningDeployment(String name) {
        Deployment d = deployments.create(Controllers.deployment(name, 2, "busybox"));
        await("2 pods", () -> podsOf(name).size() == 2);
        return d;
    }

    private List<Pod> podsOf(String app) {
        return pods.list("default", ListOptions.labels("app=" + app)).items();
    }

    private List<ReplicaSet> replicaSetsOf(String app) {
        return replicaSets.list("default", ListOptions.labels("app=" + app)).items();
    }

    @Test
    void aBackgroundDeleteRemovesTheReplicaSetsAndThePodsAfterTheOwner() {
        runningDeployment("bg");
        assertThat(deployments.delete("default", "bg", DeleteOptions.propagation(DeleteOptions.Propagation.BACKGROUND)))
                .as("gone at once").isEmpty();
        await("ReplicaSets and pods collected", () -> replicaSetsOf("bg").isEmpty() && podsOf("bg").isEmpty());
    }

    @Test
    void aForegroundDeleteKeepsTheOwnerUntilItsDependentsAreGone() {
        runningDeployment("fg");
        var pending = deployments.delete("default", "fg", DeleteOptions.propagation(DeleteOptions.Propagation.FOREGROUND));
        assertThat(pending).isPresent();
        assertThat(pending.get().getMetadata().getFinalizers()).containsExactly("foregroundDeletion");
        await("everything gone, the owner last", () -> deployments.get("default", "fg").isEmpty());
        assertThat(replicaSetsOf("fg")).isEmpty();
        assertThat(podsOf("fg")).isEmpty();
    }

    @Test
    void anOrphanDeleteLeavesTheDependentsUnownedAndAnIdenticalDeploymentAdoptsThemAgain() {
        runningDeployment("or");
        String rsName = replicaSetsOf("or").getFirst().getMetadata().getName();
        List<String> podNames = podsOf("or").stream().map(p -> p.getMetadata().getName()).sorted().toList();
        deployments.delete("default", "or", DeleteOptions.propagation(DeleteOptions.Propagation.ORPHAN));
        await("the owner gone", () -> deployments.get("default", "or").isEmpty());
        ReplicaSet rs = replicaSets.get("default", rsName).orElseThrow();
        assertThat(Owners.references(rs)).as("unowned").isEmpty();
        assertThat(podsOf("or")).extracting(p -> p.getMetadata().getName()).containsExactlyElementsOf(podNames);

        Deployment again = runningDeployment("or");
        await("re-adopted", () -> replicaSets.get("default", rsName)
                .map(r -> Owners.isControlledBy(r, again.getMetadata().getUid())).orElse(false));
        assertThat(podsOf("or")).extracting(p -> p.getMetadata().getName()).containsExactlyElementsOf(podNames);
    }

    @Test
    void anObjectWhoseOwnerNeverExistedIsCollectedAndOneWithALiveOwnerLosesOnlyTheDanglingReference() {
        ConfigMap owner = configMaps.create(new ConfigMapBuilder().withNewMetadata().withName("owner")
                .withNamespace("default").endMetadata().build());
        OwnerReference ghost = new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withName("ghost")
                .withUid("00000000-0000-0000-0000-000000000000").build();
        OwnerReference live = new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap").withName("owner")
                .withUid(owner.getMetadata().getUid()).build();
        configMaps.create(new ConfigMapBuilder().withNewMetadata().withName("orphaned").withNamespace("default")
                .withOwnerReferences(ghost).endMetadata().build());
        configMaps.create(new ConfigMapBuilder().withNewMetadata().withName("mixed").withNamespace("default")
                .withOwnerReferences(ghost, live).endMetadata().build());

        await("the dangling-only object collected", () -> configMaps.get("default", "orphaned").isEmpty());
        await("the dangling reference dropped", () -> configMaps.get("default", "mixed")
                .map(c -> Owners.references(c).size() == 1).orElse(false));
        assertThat(Owners.references(configMaps.get("default", "mixed").orElseThrow()).getFirst().getName())
                .isEqualTo("owner");
    }

    @Test
    void aCustomFinalizerHoldsTheDeletionUntilItIsRemoved() {
        configMaps.create(new ConfigMapBuilder().withNewMetadata().withName("held").withNamespace("default")
                .addToFinalizers("example.com/hold").endMetadata().build());
        assertThat(configMaps.delete("default", "held", DeleteOptions.defaults())).isPresent();
        assertThat(configMaps.get("default", "held").orElseThrow().getMetadata().getDeletionTimestamp()).isNotNull();
        configMaps.patch("default", "held", PatchType.MERGE, "{\"metadata\":{\"finalizers\":null}}");
        assertThat(configMaps.get("default", "held")).isEmpty();
    }
}
