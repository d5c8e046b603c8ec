package dev.j8s.apiserver.admission;

import static dev.j8s.apiserver.admission.AdmissionTestSupport.admission;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.invalidCauses;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.json;
import static dev.j8s.apiserver.admission.AdmissionTestSupport.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.registry.ResourceType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SecretConfigMapAdmissionTest {

    private static final ResourceType SECRETS = type("secrets");
    private static final ResourceType CONFIGMAPS = type("configmaps");

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static ObjectNode secret(String body) {
        return json("{'apiVersion':'v1','kind':'Secret','metadata':{'name':'regcred','namespace':'default','uid':'u1',"
                + "'creationTimestamp':'2025-01-01T00:00:00Z'}" + body + "}");
    }

    private static ObjectNode configMap(String body) {
        return json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cfg','namespace':'default','uid':'u2',"
                + "'creationTimestamp':'2025-01-01T00:00:00Z'}" + body + "}");
    }

    @Test
    void stringDataIsMergedIntoDataAndTypeDefaultsToOpaque() {
        ObjectNode out = admission(FakeLookup.withDefaultNamespace()).admitCreate(SECRETS,
                secret(",'data':{'a':'" + b64("old") + "','b':'" + b64("keep") + "'},'stringData':{'a':'new'}"));
        assertThat(out.get("type").asText()).isEqualTo("Opaque");
        assertThat(out.has("stringData")).isFalse();
        assertThat(out.at("/data/a").asText()).isEqualTo(b64("new"));
        assertThat(out.at("/data/b").asText()).isEqualTo(b64("keep"));
        assertThat(out.has("spec")).isFalse();
        assertThat(out.at("/metadata/generation").isMissingNode()).isTrue();
    }

    record Rule(String body, List<String> causes) {}

    static Stream<Rule> secretRules() {
        String t = ",'type':'kubernetes.io/dockerconfigjson'";
        return Stream.of(
                new Rule(t + ",'data':{}", List.of("data[.dockerconfigjson]: Required value")),
                new Rule(",'type':'kubernetes.io/dockercfg'", List.of("data[.dockercfg]: Required value")),
                new Rule(t + ",'data':{'.dockerconfigjson':'" + b64("{\"auths\":") + "'}",
                        List.of("data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": unexpected end of JSON input")),
                new Rule(t + ",'data':{'.dockerconfigjson':'" + b64("xyz") + "'}", List.of("data[.dockerconfigjson]: Invalid value: "
                        + "\"<secret contents redacted>\": invalid character 'x' looking for beginning of value")),
                new Rule(t + ",'data':{'.dockerconfigjson':'" + b64("[]") + "'}", List.of("data[.dockerconfigjson]: Invalid value: "
                        + "\"<secret contents redacted>\": json: cannot unmarshal array into Go value of type map[string]interface {}")),
                new Rule(",'data':{'bad key':'" + b64("x") + "'}", List.of("data[bad key]: Invalid value: \"bad key\": a valid config key "
                        + "must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', "
                        + "regex used for validation is '[-._a-zA-Z0-9]+')")),
                new Rule(",'data':{'big':'" + Base64.getEncoder().encodeToString(new byte[1024 * 1024 + 1]) + "'}",
                        List.of("data: Too long: may not be more than 1048576 bytes")),
                new Rule(",'type':'kubernetes.io/tls','data':{}", List.of("data[tls.crt]: Required value", "data[tls.key]: Required value")));
    }

    @ParameterizedTest
    @MethodSource("secretRules")
    void invalidSecretsAreRejectedWithUpstreamCauses(Rule rule) {
        assertThat(invalidCauses(() -> admission(FakeLookup.withDefaultNamespace()).admitCreate(SECRETS, secret(rule.body()))))
                .containsExactlyElementsOf(rule.causes());
    }

    @Test
    void aValidDockerConfigJsonSecretIsAccepted() {
        String config = "{\"auths\":{\"https://index.docker.io/v1/\":{\"username\":\"u\",\"password\":\"p\",\"auth\":\"dTpw\"}}}";
        ObjectNode out = admission(FakeLookup.withDefaultNamespace()).admitCreate(SECRETS,
                secret(",'type':'kubernetes.io/dockerconfigjson','data':{'.dockerconfigjson':'" + b64(config) + "'}"));
        assertThat(out.get("type").asText()).isEqualTo("kubernetes.io/dockerconfigjson");
    }

    @Test
    void secretTypeIsImmutableAndImmutableSecretsRefuseDataChanges() {
        Admission admission = admission(FakeLookup.withDefaultNamespace());
        ObjectNode stored = admission.admitCreate(SECRETS, secret(",'immutable':true,'data':{'a':'" + b64("1") + "'}"));
        ObjectNode changed = stored.deepCopy();
        changed.put("type", "kubernetes.io/basic-auth");
        ((ObjectNode) changed.get("data")).put("username", b64("u"));

        assertThat(invalidCauses(() -> admission.admitUpdate(SECRETS, stored, changed, ""))).containsExactly(
                "type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable",
                "data: Forbidden: field is immutable when `immutable` is set");
    }

    @Test
    void replacingASecretWithoutTypeKeepsOpaque() {
        Admission admission = admission(FakeLookup.withDefaultNamespace());
        ObjectNode stored = admission.admitCreate(SECRETS, secret(",'data':{'a':'" + b64("1") + "'}"));
        ObjectNode out = admission.admitUpdate(SECRETS, stored, secret(",'stringData':{'a':'2'}"), "");
        assertThat(out.at("/data/a").asText()).isEqualTo(b64("2"));
    }

    @Test
    void configMapKeysAndSizeAreValidated() {
        Admission admission = admission(FakeLookup.withDefaultNamespace());
        assertThat(invalidCauses(() -> admission.admitCreate(CONFIGMAPS, configMap(",'data':{'..x':'1'}")))).containsExactly(
                "data[..x]: Invalid value: \"..x\": must not start with '..'");
        assertThat(invalidCauses(() -> admission.admitCreate(CONFIGMAPS, configMap(",'data':{'k':'" + "x".repeat(1024 * 1024 + 1) + "'}"))))
                .containsExactly("Too long: may not be more than 1048576 bytes");
    }

    @Test
    void immutableConfigMapsRefuseDataAndFlagChanges() {
        Admission admission = admission(FakeLookup.withDefaultNamespace());
        ObjectNode stored = admission.admitCreate(CONFIGMAPS, configMap(",'immutable':true,'data':{'k':'v'}"));
        ObjectNode changed = stored.deepCopy();
        changed.put("immutable", false);
        ((ObjectNode) changed.get("data")).put("k", "w");

        assertThat(invalidCauses(() -> admission.admitUpdate(CONFIGMAPS, stored, changed, ""))).containsExactly(
                "immutable: Forbidden: field is immutable when `immutable` is set",
                "data: Forbidden: field is immutable when `immutable` is set");
    }
}
