package dev.j8s.kubelet.kuberuntime;

import dev.j8s.kubelet.container.ConfigException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.oci.manifest.ImageConfig;
import dev.j8s.oci.manifest.Platform;
import dev.j8s.runtime.ContainerConfig;
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
    void theKubeletsVariablesOverrideTheImageEnvAndArgsSeeOnlyTheKubeletsVariables() {
        Map<String, String> kubelet = new java.util.LinkedHashMap<>();
        kubelet.put("A", "pod");
        kubelet.put("B", "pod-$(MISSING)");
        assertThat(ContainerSpecs.env(IMAGE, kubelet)).containsExactly(Map.entry("PATH", "/bin"), Map.entry("A", "pod"),
                Map.entry("B", "pod-$(MISSING)"));
        Container c = new ContainerBuilder().withName("c").withCommand("echo", "$(B)", "$(PATH)", "$$(A)").build();
        assertThat(ContainerSpecs.argv(c, IMAGE, kubelet)).as("the image's PATH is not expanded")
                .containsExactly("echo", "pod-$(MISSING)", "$(PATH)", "$(A)");
    }

    private static final Pod POD = new PodBuilder().withNewMetadata().withName("web").withNamespace("team")
            .withUid("u-1").endMetadata().withNewSpec().endSpec().build();

    private static ContainerConfig.User user(Pod pod, Container c, String imageUser) {
        return ContainerSpecs.user(pod, c, image(List.of(), List.of("x"), imageUser));
    }

    private static ContainerConfig.User lookup(String user, String group, Long... supplemental) {
        return ContainerConfig.User.lookup(user, Optional.ofNullable(group), List.of(supplemental));
    }

    @Test
    void theImageUserInEveryFormIsPassedOnForTheRuntimeToResolve() {
        Container c = new ContainerBuilder().withName("c").build();
        assertThat(user(POD, c, "1000:1001")).isEqualTo(lookup("1000", "1001"));
        assertThat(user(POD, c, "nobody")).isEqualTo(lookup("nobody", null));
        assertThat(user(POD, c, "app:app")).isEqualTo(lookup("app", "app"));
        assertThat(user(POD, c, "1000:staff")).isEqualTo(lookup("1000", "staff"));
        assertThat(user(POD, c, "app:50")).isEqualTo(lookup("app", "50"));
        assertThat(user(POD, c, "")).isEqualTo(lookup("0", null));
    }

    @Test
    void runAsUserAndRunAsGroupWinOverTheImageAndSupplementalGroupsAreAdded() {
        Pod pod = new PodBuilder(POD).editSpec().withNewSecurityContext().withRunAsGroup(20L)
                .withSupplementalGroups(3000L, 3001L).endSecurityContext().endSpec().build();
        Container c = new ContainerBuilder().withName("c").build();
        Container asUser = new ContainerBuilder(c).withNewSecurityContext().withRunAsUser(7L).endSecurityContext().build();

        assertThat(user(pod, asUser, "app:staff")).isEqualTo(lookup("7", "20", 3000L, 3001L));
        assertThat(user(pod, c, "app:staff")).isEqualTo(lookup("app", "20", 3000L, 3001L));
        assertThat(user(POD, asUser, "app:staff")).isEqualTo(lookup("7", null));
    }

    @Test
    void runAsNonRootRefusesRootAndUnverifiableImageUsersWithUpstreamWording() {
        Container c = new ContainerBuilder().withName("c").withNewSecurityContext().withRunAsNonRoot(true)
                .endSecurityContext().build();
        String where = " (pod: \"web_team(u-1)\", container: c)";

        assertThatThrownBy(() -> user(POD, c, "nobody")).isInstanceOf(ConfigException.class)
                .hasMessage("container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user"
                        + " is non-root" + where);
        assertThatThrownBy(() -> user(POD, c, "app:1000")).hasMessage("container has runAsNonRoot and image has"
                + " non-numeric user (app), cannot verify user is non-root" + where);
        assertThatThrownBy(() -> user(POD, c, "")).hasMessage("container has runAsNonRoot and image will run as root"
                + where);
        assertThatThrownBy(() -> user(POD, c, "0:1000")).hasMessage("container has runAsNonRoot and image will run"
                + " as root" + where);
        Container zero = new ContainerBuilder(c).editSecurityContext().withRunAsUser(0L).endSecurityContext().build();
        assertThatThrownBy(() -> user(POD, zero, "1000")).hasMessage("container's runAsUser breaks non-root policy"
                + where);

        assertThat(user(POD, c, "1000:staff")).isEqualTo(lookup("1000", "staff"));
        Container named = new ContainerBuilder(c).editSecurityContext().withRunAsUser(1000L).endSecurityContext().build();
        assertThat(user(POD, named, "nobody")).isEqualTo(lookup("1000", null));
        Pod podNonRoot = new PodBuilder(POD).editSpec().withNewSecurityContext().withRunAsNonRoot(true)
                .endSecurityContext().endSpec().build();
        assertThatThrownBy(() -> user(podNonRoot, new ContainerBuilder().withName("c").build(), "nobody"))
                .hasMessageStartingWith("container has runAsNonRoot and image has non-numeric user (nobody)");
        Container allowed = new ContainerBuilder().withName("c").withNewSecurityContext().withRunAsNonRoot(false)
                .endSecurityContext().build();
        assertThat(user(podNonRoot, allowed, "nobody")).isEqualTo(lookup("nobody", null));
    }

    private static final ContainerSpecs.SeccompSettings SECCOMP_DEFAULT =
            new ContainerSpecs.SeccompSettings(true, java.nio.file.Path.of("/data/seccomp"));

    private static Pod podWith(io.fabric8.kubernetes.api.model.PodSecurityContext psc, Container c) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("default").withUid("u").endMetadata()
                .withNewSpec().withSecurityContext(psc).withContainers(c).endSpec().build();
    }

    @Test
    void withoutASecurityContextAContainerGetsRuntimeDefaultSeccompAndMayGainPrivileges() {
        Container c = new ContainerBuilder().withName("c").build();

        ContainerConfig.Security security = ContainerSpecs.security(podWith(null, c), c, SECCOMP_DEFAULT);

        assertThat(security).isEqualTo(new ContainerConfig.Security(false, List.of(), List.of(), false,
                new ContainerConfig.Seccomp.RuntimeDefault(), Optional.empty()));
        assertThat(ContainerSpecs.security(podWith(null, c), c,
                new ContainerSpecs.SeccompSettings(false, java.nio.file.Path.of("/d"))).seccomp())
                .as("--seccomp-default=false").isEqualTo(new ContainerConfig.Seccomp.Unconfined());
        assertThat(ContainerSpecs.readOnlyRootfs(c)).isFalse();
    }

    @Test
    void theContainersSecurityContextIsHandedOn() {
        Container c = new ContainerBuilder().withName("c").withNewSecurityContext().withPrivileged(false)
                .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withAdd("NET_ADMIN").withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("Unconfined").endSeccompProfile().endSecurityContext().build();

        ContainerConfig.Security security = ContainerSpecs.security(podWith(null, c), c, SECCOMP_DEFAULT);

        assertThat(security.addCapabilities()).containsExactly("NET_ADMIN");
        assertThat(security.dropCapabilities()).containsExactly("ALL");
        assertThat(security.noNewPrivileges()).isTrue();
        assertThat(security.seccomp()).isEqualTo(new ContainerConfig.Seccomp.Unconfined());
        assertThat(ContainerSpecs.readOnlyRootfs(c)).isTrue();
    }

    @Test
    void thePodSeccompProfileAppliesUnlessTheContainerHasItsOwn() {
        var psc = new io.fabric8.kubernetes.api.model.PodSecurityContextBuilder().withNewSeccompProfile()
                .withType("Localhost").withLocalhostProfile("profiles/audit.json").endSeccompProfile().build();
        Container plain = new ContainerBuilder().withName("c").build();
        Container own = new ContainerBuilder().withName("d").withNewSecurityContext().withNewSeccompProfile()
                .withType("RuntimeDefault").endSeccompProfile().endSecurityContext().build();

        assertThat(ContainerSpecs.security(podWith(psc, plain), plain, SECCOMP_DEFAULT).seccomp())
                .isEqualTo(new ContainerConfig.Seccomp.Localhost(java.nio.file.Path.of("/data/seccomp/profiles/audit.json")));
        assertThat(ContainerSpecs.security(podWith(psc, own), own, SECCOMP_DEFAULT).seccomp())
                .isEqualTo(new ContainerConfig.Seccomp.RuntimeDefault());
    }

    @Test
    void aLocalhostProfileOutsideTheProfileRootIsAConfigError() {
        Container c = new ContainerBuilder().withName("c").withNewSecurityContext().withNewSeccompProfile()
                .withType("Localhost").withLocalhostProfile("../../etc/passwd").endSeccompProfile().endSecurityContext()
                .build();

        assertThatThrownBy(() -> ContainerSpecs.security(podWith(null, c), c, SECCOMP_DEFAULT))
                .hasMessage("localhostProfile ../../etc/passwd must be a relative path under /data/seccomp");
    }

    @Test
    void aPrivilegedContainerIsPrivileged() {
        Container c = new ContainerBuilder().withName("c").withNewSecurityContext().withPrivileged(true)
                .endSecurityContext().build();

        assertThat(ContainerSpecs.security(podWith(null, c), c, SECCOMP_DEFAULT).privileged()).isTrue();
    }
}
