package dev.j8s.controllers.daemon;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.controllers.common.Pods;
import dev.j8s.controllers.testing.Controllers;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DaemonSet controller over a real API server with one node. */
class DaemonSetControllerTest {

    @TempDir
    Path dir;

    private Controllers controllers;
    private ResourceClient<DaemonSet> daemonSets;
    private ResourceClient<Pod> pods;
    private ResourceClient<Node> nodes;

    @BeforeEach
    void start() {
        controllers = Controllers.start(dir);
        daemonSets = controllers.api().client().resource(Kind.DAEMON_SETS);
        pods = controllers.api().client().resource(Kind.PODS);
        nodes = controllers.api().client().resource(Kind.NODES);
        nodes.create(new NodeBuilder().withNewMetadata().withName("node1").addToLabels("disk", "ssd").endMetadata()
                .build());
    }

    @AfterEach
    void stop() {
        controllers.close();
    }

    private void create(String name) {
        daemonSets.create(new DaemonSetBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", name).endSelector().withNewTemplate()
                .withNewMetadata().addToLabels("app", name).endMetadata().withNewSpec().addNewContainer().withName("c")
                .withImage("busybox:1.36").endContainer().endSpec().endTemplate().endSpec().build());
    }

    private List<Pod> livePods(String app) {
        return pods.list("default", ListOptions.labels("app=" + app)).items().stream().filter(Pods::isActive).toList();
    }

    private DaemonSet get(String name) {
        return daemonSets.get("default", name).orElseThrow();
    }

    @Test
    void runsOnePodOnTheNodeWithTheDaemonTolerationsAndNodeAffinity() {
        create("agent");
        await("one pod, counted ready", () -> livePods("agent").size() == 1 && get("agent").getStatus() != null
                && Integer.valueOf(1).equals(get("agent").getStatus().getNumberReady()));
        Pod pod = livePods("agent").getFirst();
        assertThat(pod.getMetadata().getLabels()).containsKeys("controller-revision-hash")
                .containsEntry("pod-template-generation", "1");
        assertThat(pod.getSpec().getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms().getFirst().getMatchFields().getFirst().getValues()).containsExactly("node1");
        assertThat(pod.getSpec().getTolerations()).extracting(t -> t.getKey() + ":" + t.getEffect()).contains(
                "node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute",
                "node.kubernetes.io/disk-pressure:NoSchedule", "node.kubernetes.io/memory-pressure:NoSchedule",
                "node.kubernetes.io/pid-pressure:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule");
        DaemonSet ds = get("agent");
        assertThat(ds.getStatus().getDesiredNumberScheduled()).isEqualTo(1);
        assertThat(ds.getStatus().getCurrentNumberScheduled()).isEqualTo(1);
        assertThat(ds.getStatus().getUpdatedNumberScheduled()).isEqualTo(1);
        assertThat(ds.getStatus().getNumberAvailable()).isEqualTo(1);
        assertThat(ds.getStatus().getNumberMisscheduled()).isZero();
        List<ControllerRevision> revisions = controllers.api().client().resource(Kind.CONTROLLER_REVISIONS)
                .list("default", ListOptions.labels("app=agent")).items();
        assertThat(revisions).hasSize(1);
        assertThat(revisions.getFirst().getRevision()).isEqualTo(1L);
        assertThat(revisions.getFirst().getMetadata().getName())
                .isEqualTo("agent-" + pod.getMetadata().getLabels().get("controller-revision-hash"));
    }

    @Test
    void aNewTemplateReplacesThePodAndAddsARevision() {
        create("agent");
        await("one ready pod", () -> livePods("agent").size() == 1 && Pods.isReady(livePods("agent").getFirst()));
        String first = livePods("agent").getFirst().getMetadata().getName();
        daemonSets.patch("default", "agent", PatchType.STRATEGIC_MERGE,
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1.37\"}]}}}}");
        await("replaced and rolled out", () -> {
            List<Pod> live = livePods("agent");
            DaemonSet ds = get("agent");
            return live.size() == 1 && !live.getFirst().getMetadata().getName().equals(first)
                    && ds.getStatus().getObservedGeneration() == 2
                    && Integer.valueOf(1).equals(ds.getStatus().getUpdatedNumberScheduled())
                    && Integer.valueOf(1).equals(ds.getStatus().getNumberAvailable());
        });
        assertThat(livePods("agent").getFirst().getSpec().getContainers().getFirst().getImage()).isEqualTo("busybox:1.37");
        assertThat(livePods("agent").getFirst().getMetadata().getLabels()).containsEntry("pod-template-generation", "2");
        await("two revisions", () -> controllers.api().client().resource(Kind.CONTROLLER_REVISIONS)
                .list("default", ListOptions.labels("app=agent")).items().size() == 2);
    }

    @Test
    void aNodeThatDoesNotMatchOrAnUntoleratedTaintMeansNoPod() {
        daemonSets.create(new DaemonSetBuilder().withNewMetadata().withName("picky").withNamespace("default")
                .endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "picky").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "picky").endMetadata().withNewSpec()
                .addToNodeSelector("disk", "hdd").addNewContainer().withName("c").withImage("busybox").endContainer()
                .endSpec().endTemplate().endSpec().build());
        await("status observed", () -> get("picky").getStatus() != null
                && get("picky").getStatus().getObservedGeneration() != null);
        assertThat(get("picky").getStatus().getDesiredNumberScheduled()).isZero();

        create("agent");
        await("one pod", () -> livePods("agent").size() == 1);
        nodes.patch("", "node1", PatchType.MERGE,
                "{\"spec\":{\"taints\":[{\"key\":\"dedicated\",\"value\":\"db\",\"effect\":\"NoExecute\"}]}}");
        await("evicted by the untolerated NoExecute taint", () -> livePods("agent").isEmpty()
                && Integer.valueOf(0).equals(get("agent").getStatus().getDesiredNumberScheduled()));
    }
}
