package dev.j8s.controllers.replicaset;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.apiserver.testing.LocalApi;
import dev.j8s.controllers.common.Owners;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.informers.InformerFactory;
import dev.j8s.controllers.testing.FakeKubelet;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ReplicaSet controller against a real API server on SQLite, with a fake kubelet reporting pods ready. */
class ReplicaSetControllerTest {

    @TempDir
    Path dir;

    private LocalApi api;
    private InformerFactory informers;
    private ReplicaSetController controller;
    private FakeKubelet kubelet;
    private ResourceClient<ReplicaSet> replicaSets;
    private ResourceClient<Pod> pods;

    @BeforeEach
    void start() {
        api = LocalApi.open(dir);
        replicaSets = api.client().resource(Kind.REPLICA_SETS);
        pods = api.client().resource(Kind.PODS);
        kubelet = new FakeKubelet(api.client(), Clock.systemUTC());
        informers = new InformerFactory(api.client(), Duration.ofMinutes(10));
        controller = new ReplicaSetController(api.client(), informers, Clock.systemUTC(), 2);
        informers.start();
        informers.awaitSynced(Duration.ofSeconds(10));
        controller.start();
    }

    @AfterEach
    void stop() {
        controller.close();
        informers.close();
        kubelet.close();
        api.close();
    }

    private ReplicaSet create(String name, int replicas) {
        return replicaSets.create(new ReplicaSetBuilder().withNewMetadata().withName(name).withNamespace("default")
                .endMetadata().withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name)
                .endSelector().withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage("busybox").endContainer().endSpec()
                .endTemplate().endSpec().build());
    }

    private List<Pod> podsOf(String app) {
        return pods.list("default", ListOptions.labels("app=" + app)).items().stream().filter(Pods::isActive).toList();
    }

    private ReplicaSet rs(String name) {
        return replicaSets.get("default", name).orElseThrow();
    }

    private void scale(String name, int replicas) {
        replicaSets.patch("default", name, PatchType.MERGE, "{\"spec\":{\"replicas\":" + replicas + "}}");
    }

    @Test
    void createsItsPodsNamedAfterItWithAControllerReferenceAndReportsThem() {
        ReplicaSet created = create("web", 3);
        await("3 pods ready and counted", () -> {
            ReplicaSet r = rs("web");
            return r.getStatus() != null && Integer.valueOf(3).equals(r.getStatus().getReadyReplicas());
        });
        List<Pod> all = podsOf("web");
        assertThat(all).hasSize(3).allSatisfy(p -> {
            assertThat(p.getMetadata().getName()).matches("web-[bcdfghjklmnpqrstvwxz2456789]{5}");
            assertThat(Owners.controllerOf(p).orElseThrow().getUid()).isEqualTo(created.getMetadata().getUid());
            assertThat(Owners.controllerOf(p).orElseThrow().getBlockOwnerDeletion()).isTrue();
        });
        ReplicaSet status = rs("web");
        assertThat(status.getStatus().getReplicas()).isEqualTo(3);
        assertThat(status.getStatus().getFullyLabeledReplicas()).isEqualTo(3);
        assertThat(status.getStatus().getAvailableReplicas()).isEqualTo(3);
        assertThat(status.getStatus().getObservedGeneration()).isEqualTo(1L);
        await("three SuccessfulCreate events", () -> events("SuccessfulCreate").size() == 3);
        assertThat(events("SuccessfulCreate")).allSatisfy(e -> {
            assertThat(e.getMessage()).startsWith("Created pod: web-");
            assertThat(e.getSource().getComponent()).isEqualTo("replicaset-controller");
        });
    }

    @Test
    void aDeletedPodIsReplaced() {
        create("web", 2);
        await("2 pods", () -> podsOf("web").size() == 2);
        Pod victim = podsOf("web").getFirst();
        pods.delete("default", victim.getMetadata().getName(), DeleteOptions.defaults());
        await("a replacement", () -> podsOf("web").size() == 2
                && podsOf("web").stream().noneMatch(p -> p.getMetadata().getUid().equals(victim.getMetadata().getUid())));
    }

    @Test
    void scalingDownDeletesTheNotReadyPodFirst() {
        create("web", 3);
        await("3 ready", () -> podsOf("web").stream().filter(Pods::isReady).count() == 3);
        Pod unready = podsOf("web").get(1);
        kubelet.makeUnready("default", unready.getMetadata().getName());
        await("seen unready", () -> Integer.valueOf(2).equals(rs("web").getStatus().getReadyReplicas()));
        scale("web", 2);
        await("2 pods", () -> podsOf("web").size() == 2);
        assertThat(podsOf("web")).extracting(p -> p.getMetadata().getName())
                .doesNotContain(unready.getMetadata().getName());
        await("a SuccessfulDelete event", () -> events("SuccessfulDelete").size() == 1);
        assertThat(events("SuccessfulDelete").getFirst().getMessage())
                .isEqualTo("Deleted pod: " + unready.getMetadata().getName());
    }

    @Test
    void adoptsAMatchingOrphanAndReleasesAPodWhoseLabelsNoLongerMatch() {
        pods.create(new PodBuilder().withNewMetadata().withName("orphan").withNamespace("default")
                .addToLabels("app", "web").endMetadata().withNewSpec().addNewContainer().withName("c")
                .withImage("busybox").endContainer().endSpec().build());
        ReplicaSet created = create("web", 2);
        await("the orphan adopted and one pod made", () -> podsOf("web").size() == 2
                && pods.get("default", "orphan").map(p -> Owners.isControlledBy(p, created.getMetadata().getUid()))
                .orElse(false));

        pods.patch("default", "orphan", PatchType.MERGE, "{\"metadata\":{\"labels\":{\"app\":\"other\"}}}");
        await("released and replaced", () -> pods.get("default", "orphan").map(p -> Owners.references(p).isEmpty())
                .orElse(false) && podsOf("web").size() == 2);
    }

    private List<Event> events(String reason) {
        return api.client().resource(Kind.EVENTS).list("default", ListOptions.EVERYTHING).items().stream()
                .filter(e -> reason.equals(e.getReason())).toList();
    }
}
