package dev.j8s.kubelet.nodestatus;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PressureTaintsTest {

    @Test
    void pressureConditionsBecomeNoScheduleTaintsAndOtherTaintsStay() {
        Node node = new NodeBuilder().withNewMetadata().withName("n").endMetadata().withNewSpec()
                .addNewTaint().withKey("dedicated").withValue("gpu").withEffect("NoSchedule").endTaint()
                .addNewTaint().withKey("node.kubernetes.io/memory-pressure").withEffect("NoSchedule").endTaint()
                .endSpec().build();

        Node tainted = PressureTaints.apply(node, Set.of("DiskPressure"));

        assertThat(tainted.getSpec().getTaints()).extracting(t -> t.getKey() + ":" + t.getEffect())
                .containsExactly("dedicated:NoSchedule", "node.kubernetes.io/disk-pressure:NoSchedule");
        assertThat(PressureTaints.apply(tainted, Set.of()).getSpec().getTaints()).extracting(t -> t.getKey())
                .containsExactly("dedicated");
    }
}
