package dev.j8s.apiserver.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulingDecisionTest {

    private static Node node(String name, String cpu, String memory, int pods) {
        return new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name)
                .endMetadata().withNewSpec().endSpec().withNewStatus()
                .addToAllocatable(Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory),
                        "pods", new Quantity(Integer.toString(pods))))
                .endStatus().build();
    }

    private static PodBuilder pod(String name, String cpu) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata();
        var container = b.withNewSpec().addNewContainer().withName("c").withImage("busybox");
        if (cpu != null) {
            container = container.withNewResources().addToRequests("cpu", new Quantity(cpu)).endResources();
        }
        return container.endContainer().endSpec();
    }

    private static Pod bound(String name, String node, String cpu) {
        return pod(name, cpu).editSpec().withNodeName(node).endSpec().build();
    }

    @Test
    void aPodGoesToTheNodeWithTheMostRoomLeft() {
        var result = SchedulingDecision.decide(pod("p", "100m").build(),
                List.of(node("a", "2", "4Gi", 110), node("b", "2", "4Gi", 110)),
                List.of(bound("x", "a", "500m")));
        assertThat(result).isEqualTo(new SchedulingDecision.Bind("b"));
    }

    @Test
    void podsWithoutRequestsSpreadOverEqualNodes() {
        var result = SchedulingDecision.decide(pod("p", null).build(),
                List.of(node("a", "2", "4Gi", 110), node("b", "2", "4Gi", 110)),
                List.of(bound("x", "a", null)));
        assertThat(result).isEqualTo(new SchedulingDecision.Bind("b"));
    }

    @Test
    void aWorkloadsReplicasSpreadOverNodesBeforeRoomDecides() {
        var owner = new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder().withApiVersion("apps/v1")
                .withKind("ReplicaSet").withName("web-1").withUid("rs-1").withController(true).build();
        Pod sibling = new PodBuilder(bound("web-a", "big", null)).editMetadata().addToOwnerReferences(owner)
                .endMetadata().build();
        Pod replica = new PodBuilder(pod("web-b", null).build()).editMetadata().addToOwnerReferences(owner)
                .endMetadata().build();
        var result = SchedulingDecision.decide(replica, List.of(node("big", "64", "256Gi", 110),
                node("small", "2", "4Gi", 110)), List.of(sibling));
        assertThat(result).isEqualTo(new SchedulingDecision.Bind("small"));
    }

    @Test
    void noNodeIsUpstreamsMessage() {
        assertThat(SchedulingDecision.decide(pod("p", null).build(), List.of(), List.of()))
                .isEqualTo(new SchedulingDecision.Unschedulable("no nodes available to schedule pods"));
    }

    @Test
    void theFitErrorCountsEachNodesReasonSortedWithThePreemptionSummary() {
        Node tainted = new NodeBuilder(node("a", "2", "4Gi", 110)).editSpec()
                .addToTaints(new TaintBuilder().withKey("node.kubernetes.io/unreachable").withEffect("NoExecute")
                        .build()).endSpec().build();
        Node small = node("b", "500m", "4Gi", 110);
        var result = SchedulingDecision.decide(pod("p", "1").build(), List.of(tainted, small), List.of());
        assertThat(result).isEqualTo(new SchedulingDecision.Unschedulable("0/2 nodes are available: "
                + "1 Insufficient cpu, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. "
                + "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, "
                + "1 Preemption is not helpful for scheduling."));
    }

    @Test
    void toleratedTaintsSelectorsUnschedulableAndPodCountAreFilters() {
        Node gpu = new NodeBuilder(node("gpu", "2", "4Gi", 110)).editMetadata().addToLabels("disk", "ssd")
                .endMetadata().editSpec().addToTaints(new TaintBuilder().withKey("gpu").withValue("yes")
                        .withEffect("NoSchedule").build()).endSpec().build();
        Node cordoned = new NodeBuilder(node("cordoned", "2", "4Gi", 110)).editSpec().withUnschedulable(true)
                .endSpec().build();
        Node full = new NodeBuilder(node("full", "2", "4Gi", 1)).editMetadata().addToLabels("disk", "ssd")
                .endMetadata().build();
        Node plain = node("plain", "2", "4Gi", 110);
        List<Pod> assigned = List.of(bound("x", "full", null));
        Pod wantsSsd = pod("p", null).editSpec().addToNodeSelector("disk", "ssd").endSpec().build();
        assertThat(SchedulingDecision.decide(wantsSsd, List.of(gpu, cordoned, full, plain), assigned))
                .isEqualTo(new SchedulingDecision.Unschedulable("0/4 nodes are available: 1 Too many pods, "
                        + "1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint "
                        + "{gpu: yes}, 1 node(s) were unschedulable. preemption: 0/4 nodes are available: "
                        + "1 No preemption victims found for incoming pod, 3 Preemption is not helpful for "
                        + "scheduling."));
        Pod tolerates = new PodBuilder(wantsSsd).editSpec().addToTolerations(new TolerationBuilder()
                .withKey("gpu").withOperator("Exists").build()).endSpec().build();
        assertThat(SchedulingDecision.decide(tolerates, List.of(gpu, cordoned, full, plain), assigned))
                .isEqualTo(new SchedulingDecision.Bind("gpu"));
    }

    @Test
    void requestsSumContainersAndTakeTheLargestInitContainer() {
        Pod p = new PodBuilder(pod("p", "200m").build()).editSpec().addNewInitContainer().withName("i")
                .withImage("busybox").withNewResources().addToRequests("cpu", new Quantity("1")).endResources()
                .endInitContainer().endSpec().build();
        assertThat(SchedulingDecision.requests(p).get("cpu")).isEqualByComparingTo("1");
    }
}
