package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Defaulting and validation of apps/v1 StatefulSets, worded as upstream's {@code SetDefaults_StatefulSet} and
 * {@code ValidateStatefulSet}/{@code ValidateStatefulSetUpdate}. Stateless and thread-safe.
 */
final class StatefulSetRules {

    /** The spec fields an update may change; any other change is refused with upstream's message. */
    private static final List<String> UPDATABLE = List.of("replicas", "ordinals", "template", "updateStrategy",
            "persistentVolumeClaimRetentionPolicy", "minReadySeconds");

    private StatefulSetRules() {}

    static void defaults(ObjectNode spec) {
        if (!Trees.has(spec, "replicas")) {
            spec.put("replicas", 1);
        }
        Trees.putIfAbsent(spec, "podManagementPolicy", "OrderedReady");
        ObjectNode strategy = Trees.objOrCreate(spec, "updateStrategy");
        Trees.putIfAbsent(strategy, "type", "RollingUpdate");
        if (Trees.str(strategy, "type").equals("RollingUpdate")) {
            ObjectNode rolling = Trees.objOrCreate(strategy, "rollingUpdate");
            if (!Trees.has(rolling, "partition")) {
                rolling.put("partition", 0);
            }
        }
        if (!Trees.has(spec, "revisionHistoryLimit")) {
            spec.put("revisionHistoryLimit", 10);
        }
        ObjectNode retention = Trees.objOrCreate(spec, "persistentVolumeClaimRetentionPolicy");
        Trees.putIfAbsent(retention, "whenDeleted", "Retain");
        Trees.putIfAbsent(retention, "whenScaled", "Retain");
        for (ObjectNode claim : Trees.objects(spec, "volumeClaimTemplates")) {
            // an embedded claim is defaulted and printed as a whole object, as upstream round-trips it
            Trees.putIfAbsent(claim, "apiVersion", "v1");
            Trees.putIfAbsent(claim, "kind", "PersistentVolumeClaim");
            StorageRules.claimSpecDefaults(Trees.objOrCreate(claim, "spec"));
            Trees.putIfAbsent(Trees.objOrCreate(claim, "status"), "phase", "Pending");
        }
        AppsRules.template(spec);
    }

    static void validateSpec(ObjectNode spec, FieldErrors errs) {
        String policy = Trees.str(spec, "podManagementPolicy");
        if (policy.isEmpty()) {
            errs.required("spec.podManagementPolicy", "");
        } else if (!List.of("OrderedReady", "Parallel").contains(policy)) {
            errs.invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'");
        }
        updateStrategy(Trees.obj(spec, "updateStrategy"), errs);
        ObjectNode retention = Trees.obj(spec, "persistentVolumeClaimRetentionPolicy");
        for (String when : List.of("whenDeleted", "whenScaled")) {
            String value = Trees.str(retention, when);
            if (!List.of("Retain", "Delete").contains(value)) {
                errs.notSupported("spec.persistentVolumeClaimRetentionPolicy." + when, value, List.of("Retain", "Delete"));
            }
        }
        AppsRules.nonNegative(spec, "replicas", "spec.replicas", errs);
        AppsRules.nonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errs);
        AppsRules.nonNegative(Trees.obj(spec, "ordinals"), "start", "spec.ordinals.start", errs);
        JsonNode selector = spec.get("selector");
        if (selector == null || selector.isNull()) {
            errs.required("spec.selector", "");
        } else {
            AppsRules.labelSelector(selector, "spec.selector", errs);
            if (AppsRules.isEmptySelector(selector)) {
                errs.invalid("spec.selector", GoValues.labelSelector(selector), "empty selector is invalid for statefulset");
            }
        }
        ObjectNode template = Trees.obj(spec, "template");
        if (template == null) {
            errs.required("spec.template", "");
        } else {
            JsonNode labels = Trees.obj(template, "metadata") == null ? null : Trees.obj(template, "metadata").get("labels");
            if (selector != null && selector.isObject() && !AppsRules.isEmptySelector(selector)
                    && !AppsRules.selectorMatches(selector, labels)) {
                errs.invalid("spec.template.metadata.labels", GoValues.stringMap(labels),
                        "`selector` does not match template `labels`");
            }
            // the pods get a volume per claim template, which the containers may mount: validated as they will be
            ObjectNode withClaims = template.deepCopy();
            ObjectNode podSpec = Trees.objOrCreate(withClaims, "spec");
            com.fasterxml.jackson.databind.node.ArrayNode volumes = podSpec.has("volumes") && podSpec.get("volumes").isArray()
                    ? (com.fasterxml.jackson.databind.node.ArrayNode) podSpec.get("volumes") : podSpec.putArray("volumes");
            for (ObjectNode claim : Trees.objects(spec, "volumeClaimTemplates")) {
                String name = Trees.str(Trees.obj(claim, "metadata"), "name");
                boolean replaced = false;
                for (int i = 0; i < volumes.size(); i++) {
                    if (name.equals(Trees.str(volumes.get(i), "name"))) {
                        ObjectNode v = volumes.objectNode().put("name", name);
                        v.putObject("persistentVolumeClaim").put("claimName", name);
                        volumes.set(i, v);
                        replaced = true;
                    }
                }
                if (!replaced && !name.isEmpty()) {
                    volumes.addObject().put("name", name).putObject("persistentVolumeClaim").put("claimName", name);
                }
            }
            AppsRules.podTemplate(withClaims, errs);
            AppsRules.restartPolicyAlways(template, errs);
            if (Trees.has(Trees.obj(template, "spec"), "activeDeadlineSeconds")) {
                errs.forbidden("spec.template.spec.activeDeadlineSeconds",
                        "activeDeadlineSeconds in StatefulSet is not Supported");
            }
        }
        List<ObjectNode> claims = Trees.objects(spec, "volumeClaimTemplates");
        for (int i = 0; i < claims.size(); i++) {
            String at = "spec.volumeClaimTemplates[" + i + "]";
            String name = Trees.str(Trees.obj(claims.get(i), "metadata"), "name");
            if (name.isEmpty()) {
                errs.required(at + ".metadata.name", "name or generateName is required");
            } else {
                errs.invalidAll(at + ".metadata.name", name, dev.j8s.apiserver.validation.Syntax.dns1123Subdomain(name));
            }
            StorageRules.claimSpec(Trees.obj(claims.get(i), "spec"), at + ".spec", errs);
        }
    }

    private static void updateStrategy(ObjectNode strategy, FieldErrors errs) {
        String type = Trees.str(strategy, "type");
        ObjectNode rolling = Trees.obj(strategy, "rollingUpdate");
        switch (type) {
            case "" -> errs.required("spec.updateStrategy", "");
            case "OnDelete" -> {
                if (rolling != null) {
                    errs.invalid("spec.updateStrategy.rollingUpdate", new FieldErrors.Raw("apps.RollingUpdateStatefulSetStrategy{...}"),
                            "only allowed for updateStrategy 'RollingUpdate'");
                }
            }
            case "RollingUpdate" -> {
                AppsRules.nonNegative(rolling, "partition", "spec.updateStrategy.rollingUpdate.partition", errs);
                if (rolling != null && Trees.has(rolling, "maxUnavailable")) {
                    // upstream's MaxUnavailableStatefulSet is an alpha feature, off by default: refused, never dropped
                    errs.forbidden("spec.updateStrategy.rollingUpdate.maxUnavailable",
                            "maxUnavailable needs the MaxUnavailableStatefulSet feature, which this server does not enable");
                }
            }
            default -> errs.invalid("spec.updateStrategy", type, "must be 'RollingUpdate' or 'OnDelete'");
        }
    }

    static void validateUpdate(ObjectNode obj, ObjectNode old, FieldErrors errs) {
        ObjectNode spec = Trees.obj(obj, "spec") == null ? obj.objectNode() : Trees.obj(obj, "spec").deepCopy();
        ObjectNode oldSpec = Trees.obj(old, "spec") == null ? old.objectNode() : Trees.obj(old, "spec").deepCopy();
        for (String field : UPDATABLE) {
            spec.remove(field);
            oldSpec.remove(field);
        }
        if (!TreeEquality.equal(spec, oldSpec)) {
            errs.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                    + "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' "
                    + "are forbidden");
        }
    }
}
