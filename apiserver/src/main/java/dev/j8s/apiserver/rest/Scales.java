package dev.j8s.apiserver.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.patch.PatchType;
import dev.j8s.apiserver.patch.Patches;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Scheme;
import dev.j8s.apiserver.selection.LabelSelector;
import io.fabric8.kubernetes.api.model.autoscaling.v1.Scale;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * The {@code scale} subresource of deployments and replicasets: an autoscaling/v1 {@code Scale} made from the
 * object (its name, namespace, uid, resourceVersion and creationTimestamp; {@code spec.replicas}; the status
 * replicas and the selector as a string) whose writes change only the object's {@code spec.replicas}, as
 * upstream's {@code pkg/registry/apps/deployment/storage} ScaleREST. Thread-safe.
 */
public final class Scales {

    /** The Scale kind, for patches of it and their errors. */
    public static final ResourceType SCALE = new ResourceType("autoscaling", "v1", "Scale", "scale", "scale", true,
            List.of(), List.of(), List.of("get", "patch", "update"), List.of(), Scale.class, Set.of());
    private static final int MAX_CONFLICT_RETRIES = 8;

    private final ObjectService objects;

    public Scales(ObjectService objects) {
        this.objects = objects;
    }

    /** GET .../scale. */
    public ObjectNode get(ResourceType type, String namespace, String name) {
        return scaleOf(objects.get(type, namespace, name));
    }

    /** PUT .../scale with a Scale body: its resourceVersion, when set, must be the object's. */
    public ObjectNode update(ResourceType type, String namespace, String name, ObjectNode scale, boolean dryRun) {
        Scheme.defaultTypeMeta(SCALE.gvk(), scale, scale.toString().getBytes(StandardCharsets.UTF_8));
        String bodyName = Json.text(scale, "metadata.name");
        if (!bodyName.isEmpty() && !bodyName.equals(name)) {
            throw new ApiError.BadRequest("the name of the object (" + bodyName + ") does not match the name on the URL ("
                    + name + ")");
        }
        return write(type, namespace, name, scale, Json.text(scale, "metadata.resourceVersion"), dryRun);
    }

    /** PATCH .../scale: the patch applies to the Scale; conflicts with concurrent writers are retried. */
    public ObjectNode patch(ResourceType type, String namespace, String name, PatchType patchType, byte[] body,
                            boolean dryRun) {
        for (int attempt = 0; ; attempt++) {
            ObjectNode current = get(type, namespace, name);
            ObjectNode patched = Patches.apply(patchType, current, body, SCALE);
            // The patch may name a resourceVersion (a precondition); else the one the patch was applied to holds.
            String precondition = Json.text(patched, "metadata.resourceVersion");
            boolean explicit = !precondition.equals(Json.text(current, "metadata.resourceVersion"));
            try {
                return write(type, namespace, name, patched, precondition, dryRun);
            } catch (ApiError.Conflict e) {
                if (explicit || attempt >= MAX_CONFLICT_RETRIES) {
                    throw e;
                }
            }
        }
    }

    private ObjectNode write(ResourceType type, String namespace, String name, ObjectNode scale, String resourceVersion,
                             boolean dryRun) {
        var replicas = scale.path("spec").path("replicas");
        long value = replicas.isIntegralNumber() ? replicas.asLong() : 0;
        if (value < 0) {
            throw new ApiError.Invalid("autoscaling", "Scale", name, List.of(ApiError.Cause.field("FieldValueInvalid",
                    "spec.replicas", "Invalid value: " + value + ": must be greater than or equal to 0")));
        }
        ObjectNode patch = Json.object();
        patch.putObject("spec").put("replicas", value);
        if (!resourceVersion.isEmpty()) {
            patch.putObject("metadata").put("resourceVersion", resourceVersion);
        }
        ObjectNode written = objects.patch(type, namespace, name, PatchType.MERGE_PATCH,
                patch.toString().getBytes(StandardCharsets.UTF_8), "", dryRun);
        return scaleOf(written);
    }

    /** The Scale of a deployment or replicaset. */
    public static ObjectNode scaleOf(ObjectNode object) {
        ObjectNode scale = Json.object();
        scale.put("kind", "Scale");
        scale.put("apiVersion", "autoscaling/v1");
        ObjectNode meta = scale.putObject("metadata");
        for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (object.path("metadata").has(f)) {
                meta.set(f, object.path("metadata").get(f).deepCopy());
            }
        }
        scale.putObject("spec").put("replicas", object.path("spec").path("replicas").asInt(0));
        ObjectNode status = scale.putObject("status");
        status.put("replicas", object.path("status").path("replicas").asInt(0));
        var selector = object.path("spec").path("selector");
        if (selector.isObject()) {
            status.put("selector", LabelSelector.fromObject(selector).format());
        }
        return scale;
    }
}
