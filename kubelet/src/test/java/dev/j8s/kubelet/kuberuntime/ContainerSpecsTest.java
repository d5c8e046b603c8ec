package dev.j8s.kubelet.kuberuntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.oci.manifest.ImageConfig;
import dev.j8s.oci.manifest.Platform;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContainerSpecsTest {

    private static ImageConfig image(List<String> entrypoint, List<String> cmd, String user) {
        return new ImageConfig(new Platform("linux", "amd64", Optional.empty()), List.of("PATH=/bin", "A=image"),
                entrypoint, cmd, "", user, Set.of(), Map.of(), "", Set.of(), List.of());
    }

    private static final ImageConfig IMAGE = image(List.of("/entry"), List.of("default-arg"), "");

    @Test
    void withoutCommandOrArgsTheImageEntrypointAndCmdRun() {
        Container c = new ContainerBuilder().withName("c").build();
        assertThat(ContainerSpecs.argv(c, IMAGE, Map.of())).containsExactly("/entry", "default-arg");
    }

    @Test
    void commandReplacesTheEntrypointAndDropsTheImageCmd() {
        Container c = new ContainerBuilder().withName("c").withCommand("sh", "-c").build();
        assertThat(ContainerSpecs.argv(c, IMAGE, Map.of())).containsExactly("sh", "-c");
    }

    @Test
    void argsAloneFollowTheImageEntrypoint() {
        Container c = new ContainerBuilder().withName("c").withArgs("x", "y").build();
        assertThat(ContainerSpecs.argv(c, IMAGE, Map.of())).containsExactly("/entry", "x", "y");
    }

    @Test
    void anImageWithNothingToRunAndNoCommandIsAConfigError() {
        Container c = new ContainerBuilder().withName("c").build();
        assertThatThrownBy(() -> ContainerSpecs.argv(c, image(List.of(), List.of(), ""), Map.of()))
                .hasMessage("no command specified");
    }

    @Test
    void containerEnvOverridesImageEnvAndExpandsEarlierVariables() {
        Container c = new ContainerBuilder().withName("c").addNewEnv().withName("A").withValue("pod").endEnv()
                .addNewEnv().withName("B").withValue("$(A)-$(MISSING)-$$(A)").endEnv().build();
        Map<String, String> env = ContainerSpecs.env(c, IMAGE);
        assertThat(env).containsExactly(Map.entry("PATH", "/bin"), Map.entry("A", "pod"),
                Map.entry("B", "pod-$(MISSING)-$(A)"));
        Container withArgs = new ContainerBuilder(c).withCommand("echo", "$(B)").build();
        assertThat(ContainerSpecs.argv(withArgs, IMAGE, env)).containsExactly("echo", "pod-$(MISSING)-$(A)");
    }

    @Test
    void aNumericImageUserIsUsedAndRunAsUserWins() {
        Pod pod = new PodBuilder().withNewSpec().endSpec().build();
        Container c = new ContainerBuilder().withName("c").build();
        assertThat(ContainerSpecs.user(pod, c, image(List.of(), List.of("x"), "1000:1001")).uid()).isEqualTo(1000);
        assertThat(ContainerSpecs.user(pod, c, image(List.of(), List.of("x"), "1000:1001")).gid()).isEqualTo(1001);
        Container asRoot = new ContainerBuilder(c).withNewSecurityContext().withRunAsUser(7L).endSecurityContext().build();
        assertThat(ContainerSpecs.user(pod, asRoot, image(List.of(), List.of("x"), "1000")).uid()).isEqualTo(7);
        assertThatThrownBy(() -> ContainerSpecs.user(pod, c, image(List.of(), List.of("x"), "nobody")))
                .hasMessageContaining("image user \"nobody\" is not numeric");
    }
}
