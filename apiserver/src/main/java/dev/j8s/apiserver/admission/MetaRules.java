package dev.j8s.apiserver.admission;

import dev.j8s.apiserver.validation.Syntax;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ObjectMeta validation on create and update, as apimachinery's {@code ValidateObjectMeta} and
 * {@code ValidateObjectMetaUpdate} plus core's finalizer-name check. Stateless and thread-safe.
 */
final class MetaRules {

    static final int TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
    static final String IMMUTABLE = "field is immutable";
    private static final Set<String> STANDARD_FINALIZERS = Set.of("kubernetes", "orphan", "foregroundDeletion");
    private static final DateTimeFormatter GO_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z 'UTC'");

    private MetaRules() {}

    static void validateCreate(ObjectNode object, boolean namespaced, Syntax.NameRule rule, FieldErrors errs) {
        ObjectNode meta = object.has("metadata") && object.get("metadata") instanceof ObjectNode m ? m : object.objectNode();
        String generateName = Trees.str(meta, "generateName");
        if (!generateName.isEmpty()) {
            errs.invalidAll("metadata.generateName", generateName, rule.check(generateName, true));
        }
        String name = Trees.str(meta, "name");
        if (name.isEmpty()) {
            errs.required("metadata.name", "name or generateName is required");
        } else {
            errs.invalidAll("metadata.name", name, rule.check(name, false));
        }
        common(meta, namespaced, errs);
    }

    private static void common(ObjectNode meta, boolean namespaced, FieldErrors errs) {
        String namespace = Trees.str(meta, "namespace");
        if (namespaced) {
            if (namespace.isEmpty()) {
                errs.required("metadata.namespace", "");
            } else {
                errs.invalidAll("metadata.namespace", namespace, Syntax.dns1123Label(namespace));
            }
        } else if (!namespace.isEmpty()) {
            errs.forbidden("metadata.namespace", "not allowed on this type");
        }
        Long generation = Trees.longOrNull(meta, "generation");
        if (generation != null && generation < 0) {
            errs.invalid("metadata.generation", generation, "must be greater than or equal to 0");
        }
        labelsAndAnnotations(meta, "metadata", errs);
        ownerReferences(meta, errs);
        List<String> finalizers = strings(meta.get("finalizers"));
        for (int i = 0; i < finalizers.size(); i++) {
            finalizerName(finalizers.get(i), "metadata.finalizers", errs);
        }
        for (int i = 0; i < finalizers.size(); i++) {
            kubeFinalizerName(finalizers.get(i), "metadata.finalizers[" + i + "]", errs);
        }
    }

    /** ValidateOwnerReferences: every reference complete, at most one controller. */
    static void ownerReferences(ObjectNode meta, FieldErrors errs) {
        String path = "metadata.ownerReferences";
        String firstController = "";
        for (ObjectNode ref : Trees.objects(meta, "ownerReferences")) {
            String apiVersion = Trees.str(ref, "apiVersion");
            String version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
            if (version.isEmpty()) {
                errs.invalid(path + ".apiVersion", apiVersion, "version must not be empty");
            }
            for (String f : List.of("kind", "name", "uid")) {
                if (Trees.str(ref, f).isEmpty()) {
                    errs.invalid(path + "." + f, Trees.str(ref, f), "must not be empty");
                }
            }
            if (ref.path("controller").asBoolean(false)) {
                String current = Trees.str(ref, "kind") + "/" + Trees.str(ref, "name");
                if (firstController.isEmpty()) {
                    firstController = current;
                } else {
                    errs.invalid(path, new FieldErrors.Raw("[]v1.OwnerReference{...}"),
                            "Only one reference can have Controller set to true. Found \"true\" in references for "
                                    + firstController + " and " + current);
                }
            }
        }
    }

    static void labelsAndAnnotations(ObjectNode meta, String prefix, FieldErrors errs) {
        validateLabels(Trees.stringMap(meta, "labels"), prefix + ".labels", errs);
        validateAnnotations(Trees.stringMap(meta, "annotations"), prefix + ".annotations", errs);
    }

    /** {@code ValidateLabels}: the path is the map's, the bad value is the key or the value. */
    static void validateLabels(Map<String, String> labels, String path, FieldErrors errs) {
        labels.forEach((k, v) -> {
            errs.invalidAll(path, k, Syntax.qualifiedName(k));
            errs.invalidAll(path, v, Syntax.labelValue(v));
        });
    }

    static void validateAnnotations(Map<String, String> annotations, String path, FieldErrors errs) {
        long total = 0;
        for (var e : annotations.entrySet()) {
            errs.invalidAll(path, e.getKey(), Syntax.qualifiedName(e.getKey().toLowerCase(java.util.Locale.ROOT)));
            total += utf8Length(e.getKey()) + utf8Length(e.getValue());
        }
        if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
            errs.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT);
        }
    }

    static void finalizerName(String value, String path, FieldErrors errs) {
        errs.invalidAll(path, value, Syntax.qualifiedName(value));
    }

    static void kubeFinalizerName(String value, String path, FieldErrors errs) {
        if (!value.contains("/") && !STANDARD_FINALIZERS.contains(value)) {
            errs.invalid(path, value, "name is neither a standard finalizer name nor is it fully qualified");
        }
    }

    /** Copies the fields the server owns from the stored object when the update omits them. */
    static void carryOver(ObjectNode newObject, ObjectNode oldObject) {
        ObjectNode oldMeta = Trees.obj(oldObject, "metadata");
        if (oldMeta == null) {
            return;
        }
        ObjectNode newMeta = Trees.objOrCreate(newObject, "metadata");
        for (String f : List.of("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                "deletionGracePeriodSeconds", "generation")) {
            if (!Trees.has(newMeta, f) && Trees.has(oldMeta, f)) {
                newMeta.set(f, oldMeta.get(f).deepCopy());
            }
        }
    }

    static void validateUpdate(ObjectNode newObject, ObjectNode oldObject, boolean namespaced, FieldErrors errs) {
        ObjectNode newMeta = Trees.objOrCreate(newObject, "metadata");
        ObjectNode oldMeta = Trees.obj(oldObject, "metadata") == null ? oldObject.objectNode() : Trees.obj(oldObject, "metadata");
        Long newGen = Trees.longOrNull(newMeta, "generation");
        Long oldGen = Trees.longOrNull(oldMeta, "generation");
        if (newGen != null && oldGen != null && newGen < oldGen) {
            errs.invalid("metadata.generation", newGen, "must not be decremented");
        }
        immutable(newMeta, oldMeta, "name", errs);
        immutable(newMeta, oldMeta, "namespace", errs);
        immutable(newMeta, oldMeta, "uid", errs);
        String newTs = Trees.str(newMeta, "creationTimestamp");
        String oldTs = Trees.str(oldMeta, "creationTimestamp");
        if (!newTs.equals(oldTs) && !sameInstant(newTs, oldTs)) {
            errs.invalid("metadata.creationTimestamp", new FieldErrors.Raw(goTime(newTs)), IMMUTABLE);
        }
        if (Trees.has(oldMeta, "deletionTimestamp")) {
            List<String> added = strings(newMeta.get("finalizers")).stream()
                    .filter(f -> !strings(oldMeta.get("finalizers")).contains(f)).sorted().distinct().toList();
            if (!added.isEmpty()) {
                errs.forbidden("metadata.finalizers", "no new finalizers can be added if the object is being deleted, "
                        + "found new finalizers " + FieldErrors.render(added));
            }
        }
        labelsAndAnnotations(newMeta, "metadata", errs);
        ownerReferences(newMeta, errs);
        List<String> finalizers = strings(newMeta.get("finalizers"));
        for (String f : finalizers) {
            finalizerName(f, "metadata.finalizers", errs);
        }
        for (int i = 0; i < finalizers.size(); i++) {
            kubeFinalizerName(finalizers.get(i), "metadata.finalizers[" + i + "]", errs);
        }
    }

    private static void immutable(ObjectNode newMeta, ObjectNode oldMeta, String field, FieldErrors errs) {
        String n = Trees.str(newMeta, field);
        if (!n.equals(Trees.str(oldMeta, field))) {
            errs.invalid("metadata." + field, n, IMMUTABLE);
        }
    }

    private static boolean sameInstant(String a, String b) {
        try {
            return OffsetDateTime.parse(a).toInstant().equals(OffsetDateTime.parse(b).toInstant());
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** Go's {@code time.Time.String()} for a UTC time, as metav1.Time prints in error values. */
    static String goTime(String rfc3339) {
        if (rfc3339.isEmpty()) {
            return "0001-01-01 00:00:00 +0000 UTC";
        }
        try {
            return OffsetDateTime.parse(rfc3339).withOffsetSameInstant(ZoneOffset.UTC).format(GO_TIME);
        } catch (DateTimeParseException e) {
            return rfc3339;
        }
    }

    static List<String> strings(JsonNode array) {
        if (array == null || !array.isArray()) {
            return List.of();
        }
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static long utf8Length(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
}
