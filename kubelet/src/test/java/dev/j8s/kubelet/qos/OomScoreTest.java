package dev.j8s.kubelet.qos;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

class OomScoreTest {

    private static final long CAPACITY = 10L << 30;

    private static Pod pod(Container c, String priorityClass) {
        return new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec()
                .withPriorityClassName(priorityClass).withContainers(c).endSpec().build();
    }

    @Test
    void scoresFollowTheQosClassAsUpstreamsPolicy() {
        Container bestEffort = new ContainerBuilder().withName("c").build();
        Container guaranteed = new ContainerBuilder().withName("c").withNewResources()
                .addToLimits("cpu", new Quantity("1")).addToLimits("memory", new Quantity("1Gi"))
                .addToRequests("cpu", new Quantity("1")).addToRequests("memory", new Quantity("1Gi")).endResources()
                .build();
        Container tenth = new ContainerBuilder().withName("c").withNewResources()
                .addToRequests("memory", new Quantity("1Gi")).endResources().build();
        Container tiny = new ContainerBuilder().withName("c").withNewResources()
                .addToRequests("cpu", new Quantity("100m")).endResources().build();
        Container huge = new ContainerBuilder().withName("c").withNewResources()
                .addToRequests("memory", new Quantity("20Gi")).endResources().build();

        assertThat(OomScore.of(pod(bestEffort, null), bestEffort, CAPACITY)).isEqualTo(1000);
        assertThat(OomScore.of(pod(bestEffort, "system-node-critical"), bestEffort, CAPACITY)).isEqualTo(-997);
        assertThat(OomScore.of(pod(guaranteed, null), guaranteed, CAPACITY)).isEqualTo(-997);
        assertThat(OomScore.of(pod(tenth, null), tenth, CAPACITY)).isEqualTo(900);
        assertThat(OomScore.of(pod(tiny, null), tiny, CAPACITY)).as("never the BestEffort score").isEqualTo(999);
        assertThat(OomScore.of(pod(huge, null), huge, CAPACITY)).as("above Guaranteed").isEqualTo(3);
    }
}
