package dev.j8s.controllers.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.apiserver.testing.LocalApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adoption and release through a real API server: a ConfigMap plays the controller, Secrets its children (the
 * manager works for any kinds).
 */
class ControllerRefManagerTest {

    @TempDir
    Path dir;

    private LocalApi api;
    private ResourceClient<ConfigMap> owners;
    private ResourceClient<Secret> children;
    private ConfigMap owner;
    private final LabelSelector selector = new LabelSelectorBuilder().addToMatchLabels("app", "web").build();

    @BeforeEach
    void open() {
        api = LocalApi.open(dir);
        owners = api.client().resource(Kind.CONFIG_MAPS);
        children = api.client().resource(Kind.SECRETS);
        owner = owners.create(new ConfigMapBuilder().withNewMetadata().withName("web").withNamespace("default")
                .endMetadata().build());
    }

    @AfterEach
    void close() {
        api.close();
    }

    private Secret child(String name, String app, OwnerReference... refs) {
        return children.create(new SecretBuilder().withNewMetadata().withName(name).withNamespace("default")
                .addToLabels("app", app).withOwnerReferences(refs).endMetadata().build());
    }

    private ControllerRefManager<Secret> manager(HasMetadata controller) {
        return new ControllerRefManager<>(children, controller, "v1", "ConfigMap",
                s -> Selectors.matches(selector, s.getMetadata().getLabels()),
                () -> owners.get("default", "web").map(o -> (HasMetadata) o));
    }

    private Secret reread(String name) {
        return children.get("default", name).orElseThrow();
    }

    @Test
    void matchingOrphansAreAdoptedWithABlockingControllerReference() {
        child("orphan", "web");
        List<Secret> claimed = manager(owner).claim(List.of(reread("orphan")));

        assertThat(claimed).extracting(s -> s.getMetadata().getName()).containsExactly("orphan");
        OwnerReference ref = Owners.controllerOf(reread("orphan")).orElseThrow();
        assertThat(ref.getUid()).isEqualTo(owner.getMetadata().getUid());
        assertThat(ref.getKind()).isEqualTo("ConfigMap");
        assertThat(ref.getBlockOwnerDeletion()).isTrue();
    }

    @Test
    void ownedChildrenTheSelectorNoLongerMatchesAreReleased() {
        child("stray", "db", Owners.controllerRef(owner, "v1", "ConfigMap"));
        child("kept", "web", Owners.controllerRef(owner, "v1", "ConfigMap"));

        List<Secret> claimed = manager(owner).claim(List.of(reread("stray"), reread("kept")));

        assertThat(claimed).extracting(s -> s.getMetadata().getName()).containsExactly("kept");
        assertThat(Owners.references(reread("stray"))).isEmpty();
        assertThat(Owners.controllerOf(reread("kept"))).isPresent();
    }

    @Test
    void childrenOfAnotherControllerAreLeftAlone() {
        ConfigMap other = owners.create(new ConfigMapBuilder().withNewMetadata().withName("other")
                .withNamespace("default").endMetadata().build());
        child("theirs", "web", Owners.controllerRef(other, "v1", "ConfigMap"));

        assertThat(manager(owner).claim(List.of(reread("theirs")))).isEmpty();
        assertThat(Owners.controllerOf(reread("theirs")).orElseThrow().getUid())
                .isEqualTo(other.getMetadata().getUid());
    }

    @Test
    void anOwnerReplacedUnderTheSameNameAdoptsNothing() {
        child("orphan", "web");
        ConfigMap stale = owner;
        owners.delete("default", "web", dev.j8s.api.client.DeleteOptions.defaults());
        ConfigMap replacement = owners.create(new ConfigMapBuilder().withNewMetadata().withName("web")
                .withNamespace("default").endMetadata().build());

        assertThatThrownBy(() -> manager(stale).claim(List.of(reread("orphan"))))
                .hasMessage("can't adopt Secret: original default/web is gone: got uid "
                        + replacement.getMetadata().getUid() + ", wanted " + stale.getMetadata().getUid());
        assertThat(Owners.references(reread("orphan"))).isEmpty();
    }

    @Test
    void anOwnerBeingDeletedNeitherAdoptsNorReleases() {
        child("orphan", "web");
        child("stray", "db", Owners.controllerRef(owner, "v1", "ConfigMap"));
        owners.patch("default", "web", dev.j8s.api.client.PatchType.MERGE,
                "{\"metadata\":{\"finalizers\":[\"example.com/hold\"]}}");
        Optional<ConfigMap> deleting = owners.delete("default", "web", dev.j8s.api.client.DeleteOptions.defaults());
        assertThat(deleting).isPresent();

        assertThat(manager(deleting.get()).claim(List.of(reread("orphan"), reread("stray")))).isEmpty();
        assertThat(Owners.references(reread("orphan"))).isEmpty();
        assertThat(Owners.controllerOf(reread("stray"))).isPresent();
    }
}
