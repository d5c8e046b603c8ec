package dev.j8s.kubelet.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.kubelet.envvars.DownwardApi;
import dev.j8s.kubelet.envvars.EnvSources;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ProjectedVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.SecretVolumeSourceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ApiDataVolumesTest {

    private static final EnvSources OBJECTS = new EnvSources() {
        @Override
        public Optional<Secret> secret(String namespace, String name) {
            return name.equals("db") ? Optional.of(new SecretBuilder().withNewMetadata().withName("db").endMetadata()
                    .addToData("user", b64("admin")).addToData("password", b64("s3cr3t")).build()) : Optional.empty();
        }

        @Override
        public Optional<ConfigMap> configMap(String namespace, String name) {
            return name.equals("app") ? Optional.of(new ConfigMapBuilder().withNewMetadata().withName("app")
                    .endMetadata().addToData("app.yaml", "a: 1").addToBinaryData("logo", b64("\u0001\u0002")).build())
                    : Optional.empty();
        }

        @Override
        public List<Service> services(String namespace) {
            return List.of();
        }
    };

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> text(Map<String, AtomicWriter.FileProjection> files) {
        Map<String, String> out = new TreeMap<>();
        files.forEach((k, v) -> out.put(k, new String(v.data(), StandardCharsets.UTF_8) + " " + Integer.toOctalString(v.mode())));
        return out;
    }

    private static final Pod POD = new PodBuilder().withNewMetadata().withName("web").withNamespace("shop")
            .withUid("u-1").addToLabels("b", "2").addToLabels("a", "1").addToAnnotations("note", "say \"hi\"")
            .endMetadata().withNewSpec().addNewContainer().withName("main").withNewResources()
            .addToLimits("memory", new Quantity("64Mi")).endResources().endContainer().endSpec().build();
    private static final DownwardApi.Node NODE = new DownwardApi.Node(List.of("192.168.1.5"),
            Map.of("cpu", new Quantity("2"), "memory", new Quantity("4Gi")));

    @Test
    void everyKeyIsAFileWithTheDefaultModeOrOnlyTheItemsWithTheirPathsAndModes() {
        assertThat(text(ApiDataVolumes.secret("shop", new SecretVolumeSourceBuilder().withSecretName("db").build(),
                OBJECTS))).containsExactly(Map.entry("password", "s3cr3t 644"), Map.entry("user", "admin 644"));
        assertThat(text(ApiDataVolumes.secret("shop", new SecretVolumeSourceBuilder().withSecretName("db")
                .withDefaultMode(0440).addNewItem().withKey("password").withPath("db/pw").withMode(0400).endItem()
                .build(), OBJECTS))).containsExactly(Map.entry("db/pw", "s3cr3t 400"));
        assertThat(text(ApiDataVolumes.configMap("shop", new ConfigMapVolumeSourceBuilder().withName("app").build(),
                OBJECTS))).containsEntry("app.yaml", "a: 1 644").containsEntry("logo", "\u0001\u0002 644");
    }

    @Test
    void missingObjectsAndKeysFailWithUpstreamsWordsUnlessOptional() {
        assertThatThrownBy(() -> ApiDataVolumes.secret("shop", new SecretVolumeSourceBuilder().withSecretName("nope")
                .build(), OBJECTS)).hasMessage("secret \"nope\" not found");
        assertThatThrownBy(() -> ApiDataVolumes.configMap("shop", new ConfigMapVolumeSourceBuilder().withName("nope")
                .build(), OBJECTS)).hasMessage("configmap \"nope\" not found");
        assertThatThrownBy(() -> ApiDataVolumes.secret("shop", new SecretVolumeSourceBuilder().withSecretName("db")
                .addNewItem().withKey("token").withPath("t").endItem().build(), OBJECTS))
                .hasMessage("references non-existent secret key: token");
        assertThatThrownBy(() -> ApiDataVolumes.configMap("shop", new ConfigMapVolumeSourceBuilder().withName("app")
                .addNewItem().withKey("x.yaml").withPath("x").endItem().build(), OBJECTS))
                .hasMessage("configmap references non-existent config key: x.yaml");
        assertThat(ApiDataVolumes.secret("shop", new SecretVolumeSourceBuilder().withSecretName("nope")
                .withOptional(true).build(), OBJECTS)).isEmpty();
    }

    @Test
    void downwardApiFilesAreRawValuesAndSortedQuotedMapsWithoutTrailingNewline() {
        var source = new DownwardAPIVolumeSourceBuilder()
                .addNewItem().withPath("labels").withNewFieldRef().withFieldPath("metadata.labels").endFieldRef().endItem()
                .addNewItem().withPath("annotations").withNewFieldRef().withFieldPath("metadata.annotations")
                .endFieldRef().endItem()
                .addNewItem().withPath("name").withNewFieldRef().withFieldPath("metadata.name").endFieldRef().endItem()
                .addNewItem().withPath("mem").withNewResourceFieldRef().withContainerName("main")
                .withResource("limits.memory").withDivisor(new Quantity("1Mi")).endResourceFieldRef().endItem()
                .build();
        assertThat(text(ApiDataVolumes.downwardApi(POD, source, NODE))).containsExactly(
                Map.entry("annotations", "note=\"say \\\"hi\\\"\" 644"), Map.entry("labels", "a=\"1\"\nb=\"2\" 644"),
                Map.entry("mem", "64 644"), Map.entry("name", "web 644"));
        var envOnly = new DownwardAPIVolumeSourceBuilder().addNewItem().withPath("node").withNewFieldRef()
                .withFieldPath("spec.nodeName").endFieldRef().endItem().build();
        assertThatThrownBy(() -> ApiDataVolumes.downwardApi(POD, envOnly, NODE)).isInstanceOf(VolumeException.class);
    }

    @Test
    void aProjectionJoinsItsSourcesAndReportsEveryFailingOne() {
        var ok = new ProjectedVolumeSourceBuilder().withDefaultMode(0440)
                .addNewSource().withNewSecret().withName("db").addNewItem().withKey("user").withPath("user").endItem()
                .endSecret().endSource()
                .addNewSource().withNewConfigMap().withName("app").addNewItem().withKey("app.yaml").withPath("app.yaml")
                .endItem().endConfigMap().endSource()
                .addNewSource().withNewDownwardAPI().addNewItem().withPath("name").withNewFieldRef()
                .withFieldPath("metadata.name").endFieldRef().endItem().endDownwardAPI().endSource()
                .build();
        assertThat(text(ApiDataVolumes.projected(POD, ok, OBJECTS, NODE))).containsExactly(
                Map.entry("app.yaml", "a: 1 440"), Map.entry("name", "web 440"), Map.entry("user", "admin 440"));
        var failing = new ProjectedVolumeSourceBuilder()
                .addNewSource().withNewSecret().withName("nope").endSecret().endSource()
                .addNewSource().withNewServiceAccountToken().withPath("token").endServiceAccountToken().endSource()
                .build();
        assertThatThrownBy(() -> ApiDataVolumes.projected(POD, failing, OBJECTS, NODE, (pod, t) -> {
            throw new IllegalStateException("failed to fetch token: refused");
        }, ApiDataVolumes.Ownership.NONE)).hasMessage("[secret \"nope\" not found, failed to fetch token: refused]");
    }

    @Test
    void aTokenFileHasTheDefaultModeUnlessThePodHasAnFsUserOrFsGroup() {
        var source = new ProjectedVolumeSourceBuilder().withDefaultMode(0644)
                .addNewSource().withNewServiceAccountToken().withPath("token").withExpirationSeconds(3607L)
                .endServiceAccountToken().endSource().build();
        ApiDataVolumes.TokenSource tokens = (pod, t) -> "jwt-for-" + pod.getMetadata().getName() + "-"
                + t.getExpirationSeconds();
        assertThat(text(ApiDataVolumes.projected(POD, source, OBJECTS, NODE, tokens, ApiDataVolumes.Ownership.NONE)))
                .containsExactly(Map.entry("token", "jwt-for-web-3607 644"));
        var owned = ApiDataVolumes.projected(POD, source, OBJECTS, NODE, tokens,
                new ApiDataVolumes.Ownership(java.util.OptionalLong.of(1000), false));
        assertThat(owned.get("token").mode()).isEqualTo(0600);
        assertThat(owned.get("token").fsUser()).isEqualTo(1000);
        assertThat(ApiDataVolumes.projected(POD, source, OBJECTS, NODE, tokens,
                new ApiDataVolumes.Ownership(java.util.OptionalLong.empty(), true)).get("token").mode()).isEqualTo(0600);
    }
}
