package dev.j8s.apiserver.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Resources;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpenApiTest {

    private static final Resources RESOURCES = Resources.builtin();
    private static final OpenApi OPEN_API = new OpenApi(RESOURCES);

    private static ObjectNode core() {
        return OPEN_API.v3Document("api/v1").orElseThrow();
    }

    private static JsonNode schema(ObjectNode doc, String name) {
        return doc.path("components").path("schemas").path(name);
    }

    /** Follows a {@code $ref} as kubectl does. */
    private static JsonNode resolve(ObjectNode doc, JsonNode schema) {
        String ref = schema.path("$ref").asText();
        return ref.isEmpty() ? schema : schema(doc, ref.substring("#/components/schemas/".length()));
    }

    @Test
    void indexListsEveryServedGroupVersionWithAHashedUrl() {
        ObjectNode index = OPEN_API.v3Index();

        assertThat(index.path("paths").properties()).extracting(Map.Entry::getKey)
                .startsWith("api/v1", "apis/events.k8s.io/v1")
                .contains("apis/discovery.k8s.io/v1", "apis/coordination.k8s.io/v1",
                        "apis/rbac.authorization.k8s.io/v1", "apis/authentication.k8s.io/v1",
                        "apis/authorization.k8s.io/v1", "apis/apps/v1", "apis/policy/v1", "apis/batch/v1",
                        "apis/storage.k8s.io/v1");
        String url = index.at("/paths/api~1v1/serverRelativeURL").asText();
        assertThat(url).matches("/openapi/v3/api/v1\\?hash=[0-9A-F]{128}");
        assertThat(url).endsWith(OPEN_API.v3Hash("api/v1").orElseThrow());
        assertThat(index.at("/paths/apis~1events.k8s.io~1v1/serverRelativeURL").asText())
                .startsWith("/openapi/v3/apis/events.k8s.io/v1?hash=");
    }

    @Test
    void hashIsStableAndCoversTheServedBytes() throws Exception {
        OpenApi again = new OpenApi(RESOURCES);
        byte[] bytes = OPEN_API.v3DocumentBytes("api/v1").orElseThrow();

        assertThat(again.v3Hash("api/v1")).isEqualTo(OPEN_API.v3Hash("api/v1"));
        assertThat(again.v3DocumentBytes("api/v1").orElseThrow()).isEqualTo(bytes);
        assertThat(HexFormat.of().withUpperCase().formatHex(
                java.security.MessageDigest.getInstance("SHA-512").digest(bytes)))
                .isEqualTo(OPEN_API.v3Hash("api/v1").orElseThrow());
        assertThat(Json.MAPPER.readTree(bytes)).isEqualTo(core());
        assertThat(OPEN_API.v3Hash("apis/events.k8s.io/v1")).isNotEqualTo(OPEN_API.v3Hash("api/v1"));
    }

    @Test
    void unservedDocumentsAreEmpty() {
        assertThat(OPEN_API.v3Document("apis/batch/v9")).isEmpty();
        assertThat(OPEN_API.v3Document("api/v2")).isEmpty();
        assertThat(OPEN_API.v3DocumentBytes("")).isEmpty();
    }

    @Test
    void documentHasTheOpenApi3TopLevelShape() {
        ObjectNode doc = core();

        assertThat(doc.properties()).extracting(Map.Entry::getKey)
                .startsWith("openapi", "info", "paths", "components");
        assertThat(doc.path("openapi").asText()).isEqualTo("3.0.0");
        assertThat(doc.at("/info/title").asText()).isEqualTo("Kubernetes");
        assertThat(doc.at("/info/version").asText()).isEqualTo("v1.32.0");
    }

    @Test
    void everyKindHasAPatchOperationThatAdvertisesServerSideFieldValidation() {
        for (ResourceType type : RESOURCES.all()) {
            if (!type.hasVerb("patch")) {
                continue; // the reviews are only created
            }
            ObjectNode doc = OPEN_API.v3Document(OpenApi.documentPath(type)).orElseThrow();
            List<JsonNode> patches = new ArrayList<>();
            doc.path("paths").forEach(item -> {
                JsonNode gvk = item.path("patch").path("x-kubernetes-group-version-kind");
                if (gvk.path("kind").asText().equals(type.kind()) && gvk.path("group").asText().equals(type.group())
                        && gvk.path("version").asText().equals(type.version())) {
                    patches.add(item.path("patch"));
                }
            });

            assertThat(patches).as(type.kind() + " in " + type.apiVersion()).isNotEmpty();
            JsonNode patch = patches.getFirst();
            assertThat(patch.path("parameters").findValuesAsText("name"))
                    .contains("dryRun", "fieldManager", "fieldValidation", "force");
            assertThat(patch.at("/requestBody/content").properties()).extracting(Map.Entry::getKey)
                    .contains("application/strategic-merge-patch+json", "application/apply-patch+yaml",
                            "application/merge-patch+json", "application/json-patch+json");
        }
    }

    @Test
    void podPathsAreNamedAsUpstream() {
        JsonNode patch = core().path("paths").path("/api/v1/namespaces/{namespace}/pods/{name}").path("patch");

        assertThat(patch.path("operationId").asText()).isEqualTo("patchCoreV1NamespacedPod");
        assertThat(patch.path("x-kubernetes-action").asText()).isEqualTo("patch");
        assertThat(patch.path("x-kubernetes-group-version-kind"))
                .isEqualTo(Json.object().put("group", "").put("kind", "Pod").put("version", "v1"));
        JsonNode fieldValidation = patch.path("parameters").get(2);
        assertThat(fieldValidation.path("name").asText()).isEqualTo("fieldValidation");
        assertThat(fieldValidation.path("in").asText()).isEqualTo("query");
        assertThat(patch.at("/responses/200/content/application~1json/schema/$ref").asText())
                .isEqualTo("#/components/schemas/io.k8s.api.core.v1.Pod");
        assertThat(core().path("paths").has("/api/v1/pods")).isTrue();
        assertThat(core().path("paths").has("/api/v1/namespaces/{namespace}/pods/{name}/status")).isTrue();
        assertThat(core().at("/paths/~1api~1v1~1namespaces/post/operationId").asText())
                .isEqualTo("createCoreV1Namespace");
        assertThat(OPEN_API.v3Document("apis/coordination.k8s.io/v1").orElseThrow()
                .at("/paths/~1apis~1coordination.k8s.io~1v1~1namespaces~1{namespace}~1leases~1{name}/patch/operationId")
                .asText()).isEqualTo("patchCoordinationV1NamespacedLease");
    }

    @Test
    void podSchemaIsGeneratedWithTheStrategicMergeMetadata() {
        ObjectNode doc = core();
        JsonNode pod = schema(doc, "io.k8s.api.core.v1.Pod");

        assertThat(pod.path("x-kubernetes-group-version-kind"))
                .containsExactly(Json.object().put("group", "").put("kind", "Pod").put("version", "v1"));
        assertThat(pod.at("/properties/metadata/$ref").asText())
                .isEqualTo("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        JsonNode spec = resolve(doc, pod.at("/properties/spec"));
        JsonNode containers = spec.at("/properties/containers");
        assertThat(containers.path("type").asText()).isEqualTo("array");
        assertThat(containers.path("x-kubernetes-patch-merge-key").asText()).isEqualTo("name");
        assertThat(containers.path("x-kubernetes-patch-strategy").asText()).isEqualTo("merge");
        assertThat(spec.at("/properties/volumes/x-kubernetes-patch-strategy").asText()).isEqualTo("merge,retainKeys");
        assertThat(spec.at("/required")).extracting(JsonNode::asText).containsExactly("containers");

        JsonNode container = resolve(doc, containers.path("items"));
        assertThat(container).isEqualTo(schema(doc, "io.k8s.api.core.v1.Container"));
        assertThat(container.at("/properties/image/type").asText()).isEqualTo("string");
        assertThat(container.at("/properties/env/x-kubernetes-patch-merge-key").asText()).isEqualTo("name");
        assertThat(container.at("/properties/ports/x-kubernetes-patch-merge-key").asText()).isEqualTo("containerPort");
        assertThat(container.at("/properties/ports/x-kubernetes-list-map-keys"))
                .extracting(JsonNode::asText).containsExactly("containerPort", "protocol");
        assertThat(container.at("/properties/volumeMounts/x-kubernetes-patch-merge-key").asText()).isEqualTo("mountPath");
        assertThat(container.at("/properties/command/items/type").asText()).isEqualTo("string");

        JsonNode meta = schema(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        assertThat(meta.at("/properties/ownerReferences/x-kubernetes-patch-merge-key").asText()).isEqualTo("uid");
        assertThat(meta.at("/properties/finalizers/x-kubernetes-patch-strategy").asText()).isEqualTo("merge");
        assertThat(meta.at("/properties/labels/additionalProperties/type").asText()).isEqualTo("string");
        assertThat(meta.at("/properties/creationTimestamp/$ref").asText())
                .isEqualTo("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time");
        assertThat(meta.at("/properties/additionalProperties").isMissingNode()).isTrue();
    }

    @Test
    void specialTypesAreStringsAsUpstream() {
        ObjectNode doc = core();

        assertThat(schema(doc, "io.k8s.apimachinery.pkg.api.resource.Quantity"))
                .isEqualTo(Json.object().put("type", "string"));
        assertThat(schema(doc, "io.k8s.apimachinery.pkg.util.intstr.IntOrString"))
                .isEqualTo(Json.object().put("format", "int-or-string").put("type", "string"));
        assertThat(schema(doc, "io.k8s.apimachinery.pkg.apis.meta.v1.Time"))
                .isEqualTo(Json.object().put("format", "date-time").put("type", "string"));
        assertThat(schema(doc, "io.k8s.api.core.v1.ResourceRequirements").at("/properties/limits/additionalProperties/$ref")
                .asText()).isEqualTo("#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity");
        assertThat(schema(doc, "io.k8s.api.core.v1.ServicePort").at("/properties/targetPort/$ref").asText())
                .isEqualTo("#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString");
        assertThat(schema(doc, "io.k8s.api.core.v1.ServiceSpec").at("/properties/ports/x-kubernetes-patch-merge-key")
                .asText()).isEqualTo("port");
        assertThat(schema(doc, "io.k8s.api.core.v1.ServiceAccount").at("/properties/secrets/x-kubernetes-patch-merge-key")
                .asText()).isEqualTo("name");
        assertThat(schema(doc, "io.k8s.api.core.v1.PodList").path("x-kubernetes-group-version-kind").get(0).path("kind")
                .asText()).isEqualTo("PodList");
    }

    @Test
    void everyReferenceResolvesWithinItsDocument() {
        for (String path : List.of("api/v1", "apis/events.k8s.io/v1", "apis/coordination.k8s.io/v1")) {
            ObjectNode doc = OPEN_API.v3Document(path).orElseThrow();
            List<String> refs = doc.findValuesAsText("$ref");

            assertThat(refs).isNotEmpty().allSatisfy(ref -> {
                assertThat(ref).startsWith("#/components/schemas/");
                assertThat(schema(doc, ref.substring("#/components/schemas/".length())).isObject()).as(ref).isTrue();
            });
        }
    }

    @Test
    void otherGroupsGetTheirOwnKindsOnly() {
        ObjectNode events = OPEN_API.v3Document("apis/events.k8s.io/v1").orElseThrow();
        ObjectNode leases = OPEN_API.v3Document("apis/coordination.k8s.io/v1").orElseThrow();

        assertThat(schema(events, "io.k8s.api.events.v1.Event").path("x-kubernetes-group-version-kind").get(0))
                .isEqualTo(Json.object().put("group", "events.k8s.io").put("kind", "Event").put("version", "v1"));
        assertThat(schema(events, "io.k8s.api.core.v1.Pod").isMissingNode()).isTrue();
        assertThat(schema(events, "io.k8s.api.core.v1.ObjectReference").path("x-kubernetes-group-version-kind")
                .isMissingNode()).isTrue();
        assertThat(schema(leases, "io.k8s.api.coordination.v1.LeaseSpec").at("/properties/renewTime/$ref").asText())
                .isEqualTo("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime");
        assertThat(events.path("paths").has("/apis/events.k8s.io/v1/namespaces/{namespace}/events/{name}")).isTrue();
    }

    @Test
    void v2DocumentIsTheMinimal28ByteGnosticDocument() {
        byte[] expected = new byte[28];
        byte[] text = ("\n\u00032.0\u0012\u0015\n\nKubernetes\u0012\u0007v1.32.0").getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(text, 0, expected, 0, 28);

        assertThat(OPEN_API.v2Protobuf()).hasSize(28).isEqualTo(expected);
        assertThat(OpenApi.V2_CONTENT_TYPE).doesNotContain("@");
    }
}
