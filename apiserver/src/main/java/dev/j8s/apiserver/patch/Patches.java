package dev.j8s.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.GoJson;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.GroupVersionKind;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Scheme;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Applies a PATCH request body to an object, as upstream's
 * {@code k8s.io/apiserver/pkg/endpoints/handlers/patch.go} does for the four patch types.
 * Stateless and thread-safe.
 *
 * <p>Server-side apply is minimal: the applied configuration is merged like a strategic merge
 * patch with the same list keys. Field ownership ({@code managedFields} bookkeeping, removal of
 * fields the manager stopped applying, conflicts between managers and {@code force}) is left to
 * the caller; {@code metadata.managedFields} of the current object is kept as it is.
 */
public final class Patches {

    static final String UNSUPPORTED_SMP = "the body of the request was in an unknown format - accepted media types include: "
            + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";

    private Patches() {}

    /** Applies a patch body to the current object; returns a new tree (never mutates {@code current}). Throws ApiError. */
    public static ObjectNode apply(PatchType type, ObjectNode current, byte[] body, ResourceType resource) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(resource, "resource");
        try {
            ObjectNode patched = switch (type) {
                case JSON_PATCH -> jsonPatch(current, body, resource);
                case MERGE_PATCH -> MergePatch.apply(current.deepCopy(), PatchBodies.jsonObject(body));
                case STRATEGIC_MERGE_PATCH -> {
                    PatchSchema schema = PatchSchema.forResource(resource)
                            .orElseThrow(() -> new ApiError.UnsupportedMediaType(UNSUPPORTED_SMP));
                    yield new StrategicMerge(schema).apply(current.deepCopy(), PatchBodies.jsonObject(body));
                }
                case APPLY_PATCH -> serverSideApply(current, body, resource);
            };
            checkResourceVersion(current, patched, resource);
            return patched;
        } catch (ApiError e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new ApiError.InternalError("apply " + type.mediaType() + " to " + resource.qualifiedResource()
                    + " \"" + Json.name(current) + "\": " + e);
        }
    }

    private static ObjectNode jsonPatch(ObjectNode current, byte[] body, ResourceType resource) {
        Function<String, ApiError> invalid = ApiError.Invalid::rejected;
        JsonNode patched = JsonPatch.apply(current.deepCopy(), PatchBodies.json(body), invalid);
        if (!(patched instanceof ObjectNode object)) {
            throw new ApiError.BadRequest("the patched object must be a JSON object, got " + JsonPatch.goType(patched));
        }
        return object;
    }

    private static ObjectNode serverSideApply(ObjectNode current, byte[] body, ResourceType resource) {
        ObjectNode applied = PatchBodies.yamlObject(body);
        // An applied configuration names its type itself: nothing is taken from the URL (upstream's
        // versionCheckManager, outermost of the field managers, compares the whole group-version-kind).
        GroupVersionKind gvk = GroupVersionKind.parse(textual(applied, "apiVersion"), textual(applied, "kind"))
                .orElse(new GroupVersionKind("", "", ""));
        if (!gvk.equals(resource.gvk())) {
            throw new ApiError.BadRequest("invalid object type: " + gvk);
        }
        String name = Json.name(current);
        String appliedName = Json.name(applied);
        if (!name.isEmpty() && !appliedName.equals(name)) {
            throw new ApiError.BadRequest("the name of the object (" + appliedName
                    + ") does not match the name on the URL (" + name + ")");
        }
        if (applied.get("metadata") instanceof ObjectNode metadata && metadata.has("managedFields")) {
            JsonNode managed = metadata.get("managedFields");
            if (!managed.isNull() && !(managed.isArray() && managed.isEmpty())) {
                throw new ApiError.BadRequest("metadata.managedFields must be nil");
            }
            metadata.remove("managedFields");
        }
        PatchSchema schema = PatchSchema.forResource(resource).orElse(PatchSchema.NONE);
        return new StrategicMerge(schema).apply(current.deepCopy(), applied);
    }

    private static String textual(ObjectNode object, String field) {
        JsonNode value = object.get(field);
        return value != null && value.isTextual() ? value.asText() : "";
    }

    /**
     * The patched object ({@link #apply}'s result, which this changes) with its apiVersion and kind as upstream's
     * patch handler ends up with them. A strategic merge patch decodes into
     * the resource's Go type, which ignores them; the object after a JSON or merge patch is decoded like a body
     * (missing parts are the resource's), and one that names another kind or version is refused as upstream's
     * patch handler refuses it ({@code "" is invalid: patch: Invalid value: "<object>": <why it does not decode>}).
     * An apply patch was checked before.
     */
    public static ObjectNode withTypeMeta(PatchType type, ObjectNode patched, ResourceType resource) {
        GroupVersionKind expected = resource.gvk();
        if (type == PatchType.JSON_PATCH || type == PatchType.MERGE_PATCH) {
            String problem;
            try {
                GroupVersionKind actual = Scheme.interpret(patched).withDefaults(expected);
                problem = actual.equals(expected) ? "" : Scheme.conversionError(actual, expected).orElse("");
            } catch (Scheme.Unreadable e) {
                problem = e.getMessage();
            }
            if (!problem.isEmpty()) {
                throw new ApiError.Invalid("", "", List.of(ApiError.Cause.field("FieldValueInvalid", "patch",
                        "Invalid value: " + GoJson.quote(patched.toString()) + ": " + problem)));
            }
        }
        patched.put("apiVersion", expected.apiVersion());
        patched.put("kind", expected.kind());
        return patched;
    }

    private static void checkResourceVersion(ObjectNode current, ObjectNode patched, ResourceType resource) {
        String want = Json.text(patched, "metadata.resourceVersion");
        if (!want.isEmpty() && !want.equals(Json.text(current, "metadata.resourceVersion"))) {
            String name = Json.name(current);
            throw new ApiError.Conflict(resource.qualifiedResource(), name.isEmpty() ? Json.name(patched) : name);
        }
    }
}
