package dev.j8s.apiserver.patch;

import static dev.j8s.apiserver.patch.PatchFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ApplyPatchTest {

    private static byte[] yaml(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aYamlApplyMergesIntoTheCurrentObjectByMergeKeys() {
        ObjectNode current = pod();
        current.with("metadata").putArray("managedFields").addObject().put("manager", "kubectl-create");

        ObjectNode result = Patches.apply(PatchType.APPLY_PATCH, current, yaml("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: web
                  labels:
                    tier: front
                spec:
                  containers:
                  - name: a
                    image: busybox:1.37
                    env:
                    - name: Z
                      value: "3"
                """), PODS);

        assertThat(result.at("/metadata/labels")).isEqualTo(json("{'app':'web','tier':'front'}"));
        assertThat(result.at("/spec/containers/0/image").asText()).isEqualTo("busybox:1.37");
        assertThat(result.at("/spec/containers/0/env")).isEqualTo(json(
                "{'l':[{'name':'Z','value':'3'},{'name':'X','value':'1'},{'name':'Y','value':'2'}]}").get("l"));
        assertThat(result.at("/spec/containers/1/name").asText()).isEqualTo("b");
        assertThat(result.at("/metadata/managedFields")).isEqualTo(current.at("/metadata/managedFields"));
    }

    @Test
    void theJsonTextKubectlSendsIsAcceptedAsYaml() {
        ObjectNode result = Patches.apply(PatchType.APPLY_PATCH, serviceAccount(),
                body("{'apiVersion':'v1','kind':'ServiceAccount','metadata':{'name':'default','namespace':'default'},"
                        + "'imagePullSecrets':[{'name':'regcred'}]}"), SERVICE_ACCOUNTS);

        assertThat(result.get("imagePullSecrets")).isEqualTo(json("{'l':[{'name':'regcred'}]}").get("l"));
        assertThat(result.at("/metadata/resourceVersion").asText()).isEqualTo("3");
    }

    @Test
    void applyToAnAbsentObjectBuildsItFromTheBody() {
        ObjectNode result = Patches.apply(PatchType.APPLY_PATCH, json("{}"), yaml("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: cfg}
                data: {a: "1", enabled: "true"}
                """), CONFIG_MAPS);

        assertThat(result).isEqualTo(json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'cfg'},'data':{'a':'1','enabled':'true'}}"));
    }

    @Test
    void yamlScalarsKeepTheirTypes() {
        ObjectNode result = Patches.apply(PatchType.APPLY_PATCH, json("{}"), yaml("""
                apiVersion: v1
                kind: Service
                metadata: {name: s}
                spec:
                  ports: [{port: 80, targetPort: web}]
                  allocateLoadBalancerNodePorts: false
                  sessionAffinityConfig: {clientIP: {timeoutSeconds: 10800}}
                  externalName: ~
                """), SERVICES);

        assertThat(result.at("/spec/ports/0/port").isInt()).isTrue();
        assertThat(result.at("/spec/ports/0/targetPort").isTextual()).isTrue();
        assertThat(result.at("/spec/allocateLoadBalancerNodePorts").isBoolean()).isTrue();
        assertThat(result.at("/spec").has("externalName")).isFalse();
    }

    @Test
    void anchorsWithinTheBudgetAreExpanded() {
        ObjectNode result = Patches.apply(PatchType.APPLY_PATCH, json("{}"), yaml("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: cfg, labels: &l {app: web}, annotations: *l}
                """), CONFIG_MAPS);

        assertThat(result.at("/metadata/annotations")).isEqualTo(json("{'app':'web'}"));
    }

    @Test
    void theBillionLaughsYamlIsRefusedQuicklyWithoutExpansion() {
        String laughs = """
                apiVersion: v1
                data:
                  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
                  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
                  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
                  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
                  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
                  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
                  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
                  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
                  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
                kind: ConfigMap
                metadata:
                  name: yaml-bomb
                  namespace: default
                """;
        long start = System.nanoTime();

        assertThatThrownBy(() -> Patches.apply(PatchType.APPLY_PATCH, json("{}"), yaml(laughs), CONFIG_MAPS))
                .isInstanceOfSatisfying(ApiError.BadRequest.class, e -> assertThat(e.code()).isEqualTo(400))
                .hasMessage("error decoding YAML: yaml: document contains excessive aliasing");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void fewAliasesThatExpandExponentiallyAreRefused() {
        StringBuilder doubling = new StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  l0: &l0 [lol, lol]\n");
        for (int i = 1; i <= 24; i++) {
            doubling.append("  l").append(i).append(": &l").append(i).append(" [*l").append(i - 1).append(", *l").append(i - 1).append("]\n");
        }

        assertThatThrownBy(() -> Patches.apply(PatchType.APPLY_PATCH, json("{}"), yaml(doubling.toString()), CONFIG_MAPS))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessage("error decoding YAML: yaml: document contains excessive aliasing");
    }

    @Test
    void deeplyNestedYamlIsABadRequest() {
        String deep = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: " + "[".repeat(10_000) + "]".repeat(10_000) + "\n";

        assertThatThrownBy(() -> Patches.apply(PatchType.APPLY_PATCH, json("{}"), yaml(deep), CONFIG_MAPS))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessageStartingWith("error decoding YAML: ");
    }

    @Test
    void aYamlBodyBeyondTheCodePointLimitIsRefused() {
        String big = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: " + "x".repeat(3 * 1024 * 1024) + "}\n";

        assertThatThrownBy(() -> Patches.apply(PatchType.APPLY_PATCH, json("{}"), yaml(big), CONFIG_MAPS))
                .isInstanceOf(ApiError.BadRequest.class)
                .hasMessageStartingWith("error decoding YAML: ")
                .hasMessageContaining("3145728");
    }

    record Bad(String name, String body, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Bad> malformed() {
        return Stream.of(
                // upstream's versionCheckManager: the applied configuration's whole group-version-kind, Go-printed
                new Bad("other kind", "{apiVersion: v1, kind: Secret, metadata: {name: web}}",
                        "invalid object type: /v1, Kind=Secret"),
                new Bad("other version", "{apiVersion: v2, kind: Pod, metadata: {name: web}}",
                        "invalid object type: /v2, Kind=Pod"),
                new Bad("other group", "{apiVersion: apps/v1, kind: Pod, metadata: {name: web}}",
                        "invalid object type: apps/v1, Kind=Pod"),
                new Bad("unparseable apiVersion", "{apiVersion: a/b/c, kind: Pod, metadata: {name: web}}",
                        "invalid object type: /, Kind="),
                new Bad("other name", "{apiVersion: v1, kind: Pod, metadata: {name: other}}",
                        "the name of the object (other) does not match the name on the URL (web)"),
                // unlike a create or update body, an applied configuration gets nothing from the URL
                new Bad("no apiVersion", "{kind: Pod, metadata: {name: web}}", "invalid object type: /, Kind=Pod"),
                new Bad("no kind", "{apiVersion: v1, metadata: {name: web}}", "invalid object type: /v1, Kind="),
                new Bad("managedFields set", "{apiVersion: v1, kind: Pod, metadata: {name: web, managedFields: [{manager: x}]}}",
                        "metadata.managedFields must be nil"),
                new Bad("a list body", "- a\n- b\n",
                        "error decoding YAML: json: cannot unmarshal array into Go value of type map[string]interface {}"),
                new Bad("two documents", "{apiVersion: v1, kind: Pod}\n---\n{apiVersion: v1, kind: Pod}\n",
                        "error decoding YAML: the body holds more than one document"),
                new Bad("duplicate keys", "apiVersion: v1\napiVersion: v1\n", "error decoding YAML: Duplicate field 'apiVersion'"),
                new Bad("broken syntax", "apiVersion: [v1\n",
                        "error decoding YAML: while parsing a flow sequence: expected ',' or ']', but got <stream end> at line 2, column 1"),
                new Bad("unknown anchor", "{apiVersion: v1, kind: Pod, metadata: *nope}",
                        "error decoding YAML: yaml: unknown anchor 'nope' referenced"),
                new Bad("empty body", "", "error decoding YAML: the document is empty"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedApplyBodiesAreBadRequests(Bad c) {
        assertThatThrownBy(() -> Patches.apply(PatchType.APPLY_PATCH, pod(), yaml(c.body()), PODS))
                .isInstanceOfSatisfying(ApiError.BadRequest.class, e -> assertThat(e.code()).isEqualTo(400))
                .message().startsWith(c.message());
    }

    @Test
    void anApplyWithAStaleResourceVersionIsAConflict() {
        assertThatThrownBy(() -> Patches.apply(PatchType.APPLY_PATCH, pod(),
                yaml("{apiVersion: v1, kind: Pod, metadata: {name: web, resourceVersion: '1'}}"), PODS))
                .isInstanceOf(ApiError.Conflict.class)
                .hasMessageStartingWith("Operation cannot be fulfilled on pods \"web\"");
    }

    @Test
    void applyOfAKindWithoutStrategiesMergesMapsAndReplacesLists() {
        ObjectNode result = Patches.apply(PatchType.APPLY_PATCH,
                json("{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},'spec':{'a':1,'l':[1,2]}}"),
                yaml("{apiVersion: example.com/v1, kind: Widget, metadata: {name: w}, spec: {b: 2, l: [3]}}"), WIDGETS);

        assertThat(result.get("spec")).isEqualTo(json("{'a':1,'b':2,'l':[3]}"));
    }
}
