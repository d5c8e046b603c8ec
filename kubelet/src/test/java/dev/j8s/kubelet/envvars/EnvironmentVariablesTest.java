package dev.j8s.kubelet.envvars;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.kubelet.container.ConfigException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EnvironmentVariablesTest {

    /** In-memory API objects. */
    static final class Objects implements EnvSources {
        final Map<String, Secret> secrets = new HashMap<>();
        final Map<String, ConfigMap> configMaps = new HashMap<>();
        final List<Service> services = new ArrayList<>();
        int reads;

        @Override
        public Optional<Secret> secret(String namespace, String name) {
            reads++;
            return Optional.ofNullable(secrets.get(namespace + "/" + name));
        }

        @Override
        public Optional<ConfigMap> configMap(String namespace, String name) {
            reads++;
            return Optional.ofNullable(configMaps.get(namespace + "/" + name));
        }

        @Override
        public List<Service> services(String namespace) {
            return services.stream().filter(s -> s.getMetadata().getNamespace().equals(namespace)).toList();
        }
    }

    private final Objects objects = new Objects();
    private final EnvironmentVariables env = new EnvironmentVariables(objects);
    private static final DownwardApi.Node NODE = new DownwardApi.Node(List.of("192.168.1.5"),
            Map.of("cpu", new Quantity("2"), "memory", new Quantity("4Gi"), "ephemeral-storage", new Quantity("10Gi")));

    private static Pod pod(Container c) {
        return new PodBuilder().withNewMetadata().withName("web").withNamespace("team").withUid("u-1")
                .addToLabels("app", "web").addToAnnotations("note", "hi").endMetadata()
                .withNewSpec().withNodeName("node-1").withServiceAccountName("builder").withContainers(c).endSpec()
                .build();
    }

    private Map<String, String> make(Container c) {
        return env.make(pod(c), c, List.of("10.244.0.7"), NODE).env();
    }

    private void configMap(String name, Map<String, String> data) {
        objects.configMaps.put("team/" + name, new ConfigMapBuilder().withNewMetadata().withName(name)
                .withNamespace("team").endMetadata().withData(data).build());
    }

    private void secret(String name, Map<String, String> data) {
        Map<String, String> encoded = new HashMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        objects.secrets.put("team/" + name, new SecretBuilder().withNewMetadata().withName(name).withNamespace("team")
                .endMetadata().withData(encoded).build());
    }

    @Test
    void envOverEnvFromOverServiceLinksAndALaterEnvFromOverAnEarlierOne() {
        objects.services.add(ServiceLinksTest.service("team", "foo", "10.96.0.5", "bar", 8080, "TCP"));
        configMap("first", Map.of("COLOR", "red", "SIZE", "s", "FOO_SERVICE_HOST", "from-config"));
        secret("second", Map.of("SIZE", "xl"));
        Container c = new ContainerBuilder().withName("main")
                .addNewEnvFrom().withNewConfigMapRef().withName("first").endConfigMapRef().endEnvFrom()
                .addNewEnvFrom().withNewSecretRef().withName("second").endSecretRef().endEnvFrom()
                .addNewEnv().withName("COLOR").withValue("blue").endEnv()
                .build();
        Map<String, String> vars = make(c);
        assertThat(vars).containsEntry("COLOR", "blue").containsEntry("SIZE", "xl")
                .containsEntry("FOO_SERVICE_HOST", "from-config").containsEntry("FOO_SERVICE_PORT", "8080");
        assertThat(List.copyOf(vars.keySet()).subList(0, 3)).as("declaration order first")
                .containsExactly("COLOR", "FOO_SERVICE_HOST", "SIZE");
    }

    @Test
    void valuesExpandEarlierVariablesAndServiceLinksButNeverValueFromAndNeverLaterOnes() {
        objects.services.add(ServiceLinksTest.service("team", "foo", "10.96.0.5", "bar", 8080, "TCP"));
        configMap("cfg", Map.of("RAW", "$(A)"));
        Container c = new ContainerBuilder().withName("main")
                .addNewEnv().withName("A").withValue("a").endEnv()
                .addNewEnv().withName("B").withValue("$(A)-$(LATER)-$(FOO_SERVICE_PORT)-$$(A)").endEnv()
                .addNewEnv().withName("C").withNewValueFrom().withNewConfigMapKeyRef().withName("cfg").withKey("RAW")
                .endConfigMapKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("LATER").withValue("z").endEnv()
                .addNewEnv().withName("A").withValue("again-$(A)").endEnv()
                .addNewEnv().withName("EMPTY").endEnv()
                .build();
        Map<String, String> vars = make(c);
        assertThat(vars).containsEntry("B", "a-$(LATER)-8080-$(A)").containsEntry("C", "$(A)")
                .containsEntry("A", "again-a").containsEntry("EMPTY", "");
    }

    @Test
    void theDownwardApiFieldsAndResourcesWithDivisors() {
        Container c = new ContainerBuilder().withName("main")
                .withNewResources().addToLimits("memory", new Quantity("64Mi")).addToLimits("cpu", new Quantity("250m"))
                .addToRequests("memory", new Quantity("32Mi")).endResources()
                .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.name")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("NS").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.namespace")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("UID").withNewValueFrom().withNewFieldRef().withFieldPath("metadata.uid")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("APP").withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.labels['app']").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("NOTE").withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.annotations['note']").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("NONE").withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.labels['none']").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("NODE").withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("SA").withNewValueFrom().withNewFieldRef()
                .withFieldPath("spec.serviceAccountName").endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("HOST_IP").withNewValueFrom().withNewFieldRef().withFieldPath("status.hostIP")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("POD_IPS").withNewValueFrom().withNewFieldRef().withFieldPath("status.podIPs")
                .endFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("MEM_MI").withNewValueFrom().withNewResourceFieldRef()
                .withResource("limits.memory").withDivisor(new Quantity("1Mi")).endResourceFieldRef().endValueFrom()
                .endEnv()
                .addNewEnv().withName("CPU").withNewValueFrom().withNewResourceFieldRef()
                .withResource("limits.cpu").endResourceFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("CPU_M").withNewValueFrom().withNewResourceFieldRef()
                .withResource("limits.cpu").withDivisor(new Quantity("1m")).endResourceFieldRef().endValueFrom()
                .endEnv()
                .addNewEnv().withName("REQ_MEM").withNewValueFrom().withNewResourceFieldRef()
                .withResource("requests.memory").endResourceFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("REQ_CPU").withNewValueFrom().withNewResourceFieldRef()
                .withResource("requests.cpu").endResourceFieldRef().endValueFrom().endEnv()
                .addNewEnv().withName("DISK_GI").withNewValueFrom().withNewResourceFieldRef()
                .withResource("limits.ephemeral-storage").withDivisor(new Quantity("1Gi")).endResourceFieldRef()
                .endValueFrom().endEnv()
                .build();
        assertThat(make(c)).containsEntry("POD_NAME", "web").containsEntry("NS", "team").containsEntry("UID", "u-1")
                .containsEntry("APP", "web").containsEntry("NOTE", "hi").containsEntry("NONE", "")
                .containsEntry("NODE", "node-1").containsEntry("SA", "builder").containsEntry("HOST_IP", "192.168.1.5")
                .containsEntry("POD_IPS", "10.244.0.7").containsEntry("MEM_MI", "64").containsEntry("CPU", "1")
                .containsEntry("CPU_M", "250").containsEntry("REQ_MEM", "33554432").containsEntry("REQ_CPU", "0")
                .containsEntry("DISK_GI", "10");
    }

    @Test
    void missingSourcesFailWithUpstreamsTextUnlessOptionalWhichDropsTheVariable() {
        Container missingSecret = new ContainerBuilder().withName("main").addNewEnv().withName("P").withNewValueFrom()
                .withNewSecretKeyRef().withName("db").withKey("password").endSecretKeyRef().endValueFrom().endEnv()
                .build();
        assertThatThrownBy(() -> make(missingSecret)).isInstanceOf(ConfigException.class)
                .hasMessage("secret \"db\" not found");
        secret("db", Map.of("user", "admin"));
        assertThatThrownBy(() -> make(missingSecret)).hasMessage("couldn't find key password in Secret team/db");
        Container missingKey = new ContainerBuilder().withName("main").addNewEnv().withName("P").withNewValueFrom()
                .withNewConfigMapKeyRef().withName("cfg").withKey("k").endConfigMapKeyRef().endValueFrom().endEnv()
                .build();
        assertThatThrownBy(() -> make(missingKey)).hasMessage("configmap \"cfg\" not found");
        configMap("cfg", Map.of("other", "x"));
        assertThatThrownBy(() -> make(missingKey)).hasMessage("couldn't find key k in ConfigMap team/cfg");
        Container missingFrom = new ContainerBuilder().withName("main").addNewEnvFrom().withNewConfigMapRef()
                .withName("nope").endConfigMapRef().endEnvFrom().build();
        assertThatThrownBy(() -> make(missingFrom)).hasMessage("configmap \"nope\" not found");

        Container optional = new ContainerBuilder().withName("main")
                .addNewEnv().withName("P").withNewValueFrom().withNewSecretKeyRef().withName("db").withKey("password")
                .withOptional(true).endSecretKeyRef().endValueFrom().endEnv()
                .addNewEnv().withName("Q").withNewValueFrom().withNewSecretKeyRef().withName("gone").withKey("x")
                .withOptional(true).endSecretKeyRef().endValueFrom().endEnv()
                .addNewEnvFrom().withNewSecretRef().withName("gone").withOptional(true).endSecretRef().endEnvFrom()
                .build();
        assertThat(make(optional)).doesNotContainKeys("P", "Q");
    }

    @Test
    void envFromPrefixesKeysPassesRelaxedNamesAndReadsEachObjectOnce() {
        configMap("cfg", Map.of("app.conf", "x", "a-b", "y", "1st", "z"));
        Container c = new ContainerBuilder().withName("main")
                .addNewEnvFrom().withPrefix("CFG_").withNewConfigMapRef().withName("cfg").endConfigMapRef().endEnvFrom()
                .addNewEnv().withName("K").withNewValueFrom().withNewConfigMapKeyRef().withName("cfg").withKey("a-b")
                .endConfigMapKeyRef().endValueFrom().endEnv()
                .build();
        var result = env.make(pod(c), c, List.of(), NODE);
        assertThat(result.env()).containsEntry("CFG_app.conf", "x").containsEntry("CFG_a-b", "y")
                .containsEntry("CFG_1st", "z").containsEntry("K", "y");
        assertThat(result.skipped()).isEmpty();
        assertThat(objects.reads).isEqualTo(1);

        Container bad = new ContainerBuilder().withName("main").addNewEnvFrom().withPrefix("A=").withNewConfigMapRef()
                .withName("cfg").endConfigMapRef().endEnvFrom().build();
        assertThat(env.make(pod(bad), bad, List.of(), NODE).skipped()).singleElement()
                .extracting(EnvironmentVariables.SkippedKeys::message)
                .isEqualTo("Keys [1st, a-b, app.conf] from the EnvFrom configMap team/cfg were skipped since they are"
                        + " considered invalid environment variable names.");
    }

    @Test
    void enableServiceLinksFalseKeepsOnlyTheKubernetesService() {
        objects.services.add(ServiceLinksTest.service("team", "foo", "10.96.0.5", "bar", 8080, "TCP"));
        objects.services.add(ServiceLinksTest.service("default", "kubernetes", "10.96.0.1", "https", 443, "TCP"));
        Container c = new ContainerBuilder().withName("main").build();
        Pod off = new PodBuilder(pod(c)).editSpec().withEnableServiceLinks(false).endSpec().build();
        assertThat(env.make(off, c, List.of(), NODE).env()).containsEntry("KUBERNETES_SERVICE_HOST", "10.96.0.1")
                .doesNotContainKey("FOO_SERVICE_HOST").hasSize(8);
        assertThat(make(c)).containsEntry("FOO_SERVICE_HOST", "10.96.0.5").containsEntry("FOO_SERVICE_PORT_BAR", "8080")
                .hasSize(16);
    }
}
