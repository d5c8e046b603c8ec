package dev.j8s.kubelet.cm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.runtime.PodSandboxConfig;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodCgroupConfigTest {

    private static io.fabric8.kubernetes.api.model.Container container(String name, Map<String, String> requests,
            Map<String, String> limits) {
        var resources = new ResourceRequirementsBuilder();
        requests.forEach((k, v) -> resources.addToRequests(k, new Quantity(v)));
        limits.forEach((k, v) -> resources.addToLimits(k, new Quantity(v)));
        return new ContainerBuilder().withName(name).withResources(resources.build()).build();
    }

    private static Pod pod(io.fabric8.kubernetes.api.model.Container... containers) {
        return new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec().withContainers(containers)
                .endSpec().build();
    }

    @Test
    void aBestEffortPodGetsTheMinimumSharesAndThePidsLimit() {
        assertThat(PodCgroupConfig.of(pod(container("a", Map.of(), Map.of())), 4096))
                .isEqualTo(new PodSandboxConfig.PodResources(2, 0, 0, 0, 4096));
    }

    @Test
    void aGuaranteedPodGetsTheSumsOfItsContainersLimits() {
        Pod pod = pod(container("a", Map.of(), Map.of("cpu", "250m", "memory", "64Mi")),
                container("b", Map.of(), Map.of("cpu", "500m", "memory", "32Mi")));

        assertThat(PodCgroupConfig.of(pod, -1)).isEqualTo(new PodSandboxConfig.PodResources(768, 75_000, 100_000,
                96L << 20, 0));
    }

    @Test
    void aBurstablePodGetsLimitsOnlyWhenEveryContainerDeclaresThem() {
        Pod pod = pod(container("a", Map.of("cpu", "100m"), Map.of("memory", "64Mi")),
                container("b", Map.of("cpu", "100m", "memory", "16Mi"), Map.of()));

        assertThat(PodCgroupConfig.of(pod, 100)).isEqualTo(new PodSandboxConfig.PodResources(204, 0, 0, 0, 100));
    }
}
