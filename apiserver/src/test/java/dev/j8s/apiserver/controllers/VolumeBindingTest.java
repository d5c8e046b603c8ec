package dev.j8s.apiserver.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.storage.SqliteStore;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The binder's VolumeBinding decisions over a real store. */
class VolumeBindingTest {

    @TempDir
    Path dir;

    private SqliteStore store;
    private VolumeBinding binding;

    @BeforeEach
    void setUp() {
        store = SqliteStore.open(dir.resolve("state.db"));
        binding = new VolumeBinding(store, "node1");
        store.create("storageclasses.storage.k8s.io", parse("{'metadata':{'name':'wait'},'provisioner':'p',"
                + "'volumeBindingMode':'WaitForFirstConsumer'}"));
        store.create("storageclasses.storage.k8s.io", parse("{'metadata':{'name':'now'},'provisioner':'p',"
                + "'volumeBindingMode':'Immediate'}"));
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    private static ObjectNode parse(String json) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(json.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static ObjectNode pod(String... claims) {
        ObjectNode pod = parse("{'metadata':{'name':'p','namespace':'default'},'spec':{'containers':[{'name':'c'}]}}");
        var volumes = ((ObjectNode) pod.get("spec")).putArray("volumes");
        for (String claim : claims) {
            volumes.addObject().put("name", claim).putObject("persistentVolumeClaim").put("claimName", claim);
        }
        return pod;
    }

    private void claim(String name, String storageClass, String volumeName) {
        store.create("persistentvolumeclaims", parse("{'metadata':{'name':'" + name + "','namespace':'default'},"
                + "'spec':{'storageClassName':'" + storageClass + "','volumeName':'" + volumeName + "'}}"));
    }

    @Test
    void aPodWithoutClaimsOrWithBoundClaimsIsBound() {
        claim("bound", "now", "pv1");
        assertThat(binding.decide(pod())).isEqualTo(new VolumeBinding.Decision.Bind());
        assertThat(binding.decide(pod("bound"))).isEqualTo(new VolumeBinding.Decision.Bind());
    }

    @Test
    void aMissingDeletingOrUnboundImmediateClaimMakesThePodUnschedulableAsTheSchedulerSays() {
        assertThat(binding.decide(pod("missing")))
                .isEqualTo(new VolumeBinding.Decision.Unschedulable("persistentvolumeclaim \"missing\" not found"));
        claim("unbound", "now", "");
        assertThat(binding.decide(pod("unbound")))
                .isEqualTo(new VolumeBinding.Decision.Unschedulable("pod has unbound immediate PersistentVolumeClaims"));
        claim("noclass", "", "");
        assertThat(binding.decide(pod("noclass")))
                .isEqualTo(new VolumeBinding.Decision.Unschedulable("pod has unbound immediate PersistentVolumeClaims"));
        claim("going", "now", "pv2");
        store.guaranteedUpdate("persistentvolumeclaims", "default", "going", c -> {
            ((ObjectNode) c.get("metadata")).put("deletionTimestamp", "2026-01-01T00:00:00Z");
            return c;
        });
        assertThat(binding.decide(pod("going")))
                .isEqualTo(new VolumeBinding.Decision.Unschedulable("persistentvolumeclaim \"going\" is being deleted"));
        assertThat(VolumeBinding.fitError(1, "pod has unbound immediate PersistentVolumeClaims")).isEqualTo(
                "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are "
                        + "available: 1 Preemption is not helpful for scheduling.");
    }

    @Test
    void aWaitForFirstConsumerClaimGetsThisNodeSelectedAndThePodWaits() {
        claim("later", "wait", "");
        assertThat(binding.decide(pod("later"))).isEqualTo(new VolumeBinding.Decision.Wait());
        assertThat(store.get("persistentvolumeclaims", "default", "later").orElseThrow()
                .at("/metadata/annotations/volume.kubernetes.io~1selected-node").asText()).isEqualTo("node1");
    }

    @Test
    void aVolumeWhoseNodeAffinityExcludesThisNodeIsAConflict() {
        store.create("persistentvolumes", parse("{'metadata':{'name':'elsewhere'},'spec':{'nodeAffinity':{'required':"
                + "{'nodeSelectorTerms':[{'matchExpressions':[{'key':'kubernetes.io/hostname','operator':'In',"
                + "'values':['node2']}]}]}}}}"));
        claim("far", "wait", "elsewhere");
        assertThat(binding.decide(pod("far")))
                .isEqualTo(new VolumeBinding.Decision.Unschedulable("1 node(s) had volume node affinity conflict"));
    }
}
