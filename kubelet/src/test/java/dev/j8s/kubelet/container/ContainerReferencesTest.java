package dev.j8s.kubelet.container;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ContainerReferencesTest {
    private static final Pod POD = new PodBuilder().withNewMetadata().withName("web").withNamespace("team")
            .withUid("0b1c").withResourceVersion("42").endMetadata().build();

    @ParameterizedTest
    @CsvSource({
        "CONTAINER, app, spec.containers{app}",
        "INIT_CONTAINER, init, spec.initContainers{init}",
        "EPHEMERAL_CONTAINER, debugger, spec.ephemeralContainers{debugger}",
    })
    void containerReferenceIsThePodWithTheContainersFieldPath(ContainerKind kind, String name, String fieldPath) {
        Container c = new ContainerBuilder().withName(name).withImage("nginx").build();

        ObjectReference ref = ContainerReferences.of(POD, c, kind);

        assertThat(ref.getApiVersion()).isEqualTo("v1");
        assertThat(ref.getKind()).isEqualTo("Pod");
        assertThat(ref.getName()).isEqualTo("web");
        assertThat(ref.getNamespace()).isEqualTo("team");
        assertThat(ref.getUid()).isEqualTo("0b1c");
        assertThat(ref.getResourceVersion()).isEqualTo("42");
        assertThat(ref.getFieldPath()).isEqualTo(fieldPath);
    }

    @Test
    void podReferenceHasNoFieldPath() {
        assertThat(ContainerReferences.of(POD).getFieldPath()).isNull();
        assertThat(ContainerReferences.of(POD).getName()).isEqualTo("web");
    }
}
