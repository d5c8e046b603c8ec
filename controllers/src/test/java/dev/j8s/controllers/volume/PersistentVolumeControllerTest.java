package dev.j8s.controllers.volume;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.testing.Controllers;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Binding, provisioning and reclaiming by the PV controller over a real API server. */
class PersistentVolumeControllerTest {

    @TempDir
    Path dir;

    private Path storage;
    private Controllers controllers;
    private ResourceClient<PersistentVolumeClaim> claims;
    private ResourceClient<PersistentVolume> volumes;

    @BeforeEach
    void start() {
        storage = dir.resolve("storage");
        controllers = Controllers.withStorage(dir.resolve("api"), storage);
        claims = controllers.api().client().resource(Kind.PERSISTENT_VOLUME_CLAIMS);
        volumes = controllers.api().client().resource(Kind.PERSISTENT_VOLUMES);
        controllers.api().client().resource(Kind.NODES).create(new NodeBuilder().withNewMetadata().withName("node1")
                .endMetadata().build());
    }

    @AfterEach
    void stop() {
        controllers.close();
    }

    private PersistentVolumeClaim claim(String name, String storageClass, String size, String volumeName) {
        return claims.create(new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace("default")
                .endMetadata().withNewSpec().withAccessModes("ReadWriteOnce").withStorageClassName(storageClass)
                .withVolumeName(volumeName).withNewResources().addToRequests("storage", new Quantity(size)).endResources()
                .endSpec().build());
    }

    private PersistentVolume volume(String name, String size, String reclaim) {
        return volumes.create(new PersistentVolumeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec()
                .withAccessModes("ReadWriteOnce").withCapacity(java.util.Map.of("storage", new Quantity(size)))
                .withStorageClassName("").withPersistentVolumeReclaimPolicy(reclaim)
                .withNewHostPath().withPath(dir.resolve(name).toString()).endHostPath().endSpec().build());
    }

    private String phase(String claim) {
        return claims.get("default", claim).map(c -> c.getStatus() == null ? "" : c.getStatus().getPhase()).orElse("");
    }

    private String volumePhase(String name) {
        return volumes.get("", name).map(v -> v.getStatus() == null ? "" : v.getStatus().getPhase()).orElse("");
    }

    @Test
    void aClaimBindsTheSmallestAvailableVolumeThatFits() {
        volume("small", "1Mi", "Retain");
        volume("big", "1Gi", "Retain");
        volume("medium", "10Mi", "Retain");
        // The claim must find all three in the controller's view, or the test measures the informer's lag.
        await("volumes available", () -> volumePhase("small").equals("Available")
                && volumePhase("big").equals("Available") && volumePhase("medium").equals("Available"));

        claim("c", "", "5Mi", null);
        await("claim bound", () -> phase("c").equals("Bound"));

        PersistentVolumeClaim bound = claims.get("default", "c").orElseThrow();
        assertThat(bound.getSpec().getVolumeName()).isEqualTo("medium");
        assertThat(bound.getStatus().getCapacity()).containsEntry("storage", new Quantity("10Mi"));
        assertThat(bound.getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/bind-completed", "yes")
                .containsEntry("pv.kubernetes.io/bound-by-controller", "yes");
        await("volume bound", () -> volumePhase("medium").equals("Bound"));
        PersistentVolume pv = volumes.get("", "medium").orElseThrow();
        assertThat(pv.getSpec().getClaimRef().getUid()).isEqualTo(bound.getMetadata().getUid());
        assertThat(volumePhase("small")).isEqualTo("Available");
    }

    @Test
    void aClaimNamingAVolumeAndAVolumeNamingAClaimAreBoundToEachOther() {
        volume("named", "1Mi", "Retain");
        claim("byname", "", "1Mi", "named");
        await("pre-bound claim bound", () -> phase("byname").equals("Bound"));
        assertThat(volumes.get("", "named").orElseThrow().getSpec().getClaimRef().getName()).isEqualTo("byname");

        volumes.create(new PersistentVolumeBuilder().withNewMetadata().withName("reserved").endMetadata().withNewSpec()
                .withAccessModes("ReadWriteOnce").withCapacity(java.util.Map.of("storage", new Quantity("1Gi")))
                .withStorageClassName("").withNewClaimRef().withNamespace("default").withName("mine").endClaimRef()
                .withNewHostPath().withPath(dir.resolve("reserved").toString()).endHostPath().endSpec().build());
        volume("other", "1Mi", "Retain");
        // both volumes in the controller's view before the claim, else "other" fits and wins the race
        await("volumes available", () -> volumePhase("reserved").equals("Available")
                && volumePhase("other").equals("Available"));
        claim("mine", "", "1Mi", null);
        await("claim bound to the volume reserved for it", () -> phase("mine").equals("Bound"));
        assertThat(claims.get("default", "mine").orElseThrow().getSpec().getVolumeName()).isEqualTo("reserved");
    }

    @Test
    void aClaimWithoutVolumeOrClassWaitsWithUpstreamsEvent() {
        claim("nothing", "", "1Mi", null);
        await("FailedBinding", () -> controllers.events("default", "FailedBinding").stream().anyMatch(e ->
                e.getMessage().equals("no persistent volumes available for this claim and no storage class is set")));
        assertThat(phase("nothing")).isEqualTo("Pending");
    }

    @Test
    void aWaitForFirstConsumerClaimIsProvisionedOnItsSelectedNodeAndDeletedWithIt() throws Exception {
        await("the default class", () -> controllers.api().client().resource(Kind.STORAGE_CLASSES)
                .get("", "local-path").isPresent());
        PersistentVolumeClaim created = claim("data", "local-path", "2Mi", null);
        await("WaitForFirstConsumer", () -> controllers.events("default", "WaitForFirstConsumer").stream()
                .anyMatch(e -> e.getMessage().equals("waiting for first consumer to be created before binding")));
        assertThat(phase("data")).isEqualTo("Pending");

        claims.patch("default", "data", PatchType.MERGE,
                "{\"metadata\":{\"annotations\":{\"volume.kubernetes.io/selected-node\":\"node1\"}}}");
        await("claim bound", () -> phase("data").equals("Bound"));

        String uid = created.getMetadata().getUid();
        PersistentVolume pv = volumes.get("", "pvc-" + uid).orElseThrow();
        Path volumeDir = storage.resolve("pvc-" + uid + "_default_data");
        assertThat(pv.getSpec().getLocal().getPath()).isEqualTo(volumeDir.toString());
        assertThat(pv.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Delete");
        assertThat(pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms().getFirst().getMatchExpressions()
                .getFirst().getValues()).containsExactly("node1");
        assertThat(pv.getMetadata().getAnnotations()).containsEntry("pv.kubernetes.io/provisioned-by",
                "rancher.io/local-path");
        assertThat(Files.isDirectory(volumeDir)).isTrue();
        assertThat(claims.get("default", "data").orElseThrow().getMetadata().getAnnotations())
                .containsEntry("volume.kubernetes.io/storage-provisioner", "rancher.io/local-path");
        Files.writeString(volumeDir.resolve("f"), "x");

        claims.delete("default", "data", DeleteOptions.defaults());
        await("volume deleted", () -> volumes.get("", "pvc-" + uid).isEmpty());
        assertThat(Files.exists(volumeDir)).isFalse();
    }

    @Test
    void aClaimMadeBeforeAnyVolumeFitsBindsWhenOneAppears() {
        claim("early", "", "1Mi", null);
        await("claim synced unbound", () -> phase("early").equals("Pending"));
        volume("late", "1Mi", "Retain");
        await("claim bound", () -> phase("early").equals("Bound"));
        assertThat(volumes.get("", "late").orElseThrow().getSpec().getClaimRef().getName()).isEqualTo("early");
    }

    @Test
    void aRetainedVolumeIsReleasedAndKeptWhenItsClaimGoes() {
        volume("kept", "1Mi", "Retain");
        claim("short", "", "1Mi", null);
        await("claim bound", () -> phase("short").equals("Bound"));

        claims.delete("default", "short", DeleteOptions.defaults());
        await("claim gone", () -> claims.get("default", "short").isEmpty());
        await("volume released", () -> volumePhase("kept").equals("Released"));
        Optional<PersistentVolume> kept = volumes.get("", "kept");
        assertThat(kept).isPresent();
    }
}
