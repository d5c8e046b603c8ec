package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.selection.LabelSelector;
import dev.j8s.apiserver.validation.Syntax;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Defaulting, registry strategies and validation of apps/v1 Deployments, ReplicaSets, DaemonSets and
 * ControllerRevisions and of policy/v1 PodDisruptionBudgets, worded as upstream's
 * {@code pkg/apis/apps/v1/defaults.go}, {@code pkg/registry/apps/*}/strategy.go and
 * {@code pkg/apis/apps/validation} (and {@code pkg/apis/policy/validation}). Stateless and thread-safe.
 */
final class AppsRules {

    static final String DEPLOYMENT = "apps/Deployment";
    static final String REPLICA_SET = "apps/ReplicaSet";
    static final String DAEMON_SET = "apps/DaemonSet";
    static final String STATEFUL_SET = "apps/StatefulSet";
    static final String CONTROLLER_REVISION = "apps/ControllerRevision";
    static final String POD_DISRUPTION_BUDGET = "policy/PodDisruptionBudget";
    /** The kinds this class owns; their status is kept on a main-resource update. */
    static final List<String> KINDS = List.of(DEPLOYMENT, REPLICA_SET, DAEMON_SET, CONTROLLER_REVISION,
            POD_DISRUPTION_BUDGET, STATEFUL_SET);
    /** Where apps/v1 keeps a DaemonSet's internal template generation. */
    static final String TEMPLATE_GENERATION = "deprecated.daemonset.template.generation";

    private static final Pattern PERCENT = Pattern.compile("[0-9]+%");
    private static final String PERCENT_MSG = Syntax.regexError(
            "a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%");

    private AppsRules() {}

    // ---- defaults (decode time) ---------------------------------------------------------------------------

    static void defaults(String kind, ObjectNode obj) {
        ObjectNode spec = Trees.objOrCreate(obj, "spec");
        switch (kind) {
            case DEPLOYMENT -> {
                if (!Trees.has(spec, "replicas")) {
                    spec.put("replicas", 1);
                }
                ObjectNode strategy = Trees.objOrCreate(spec, "strategy");
                Trees.putIfAbsent(strategy, "type", "RollingUpdate");
                if (Trees.str(strategy, "type").equals("RollingUpdate")) {
                    ObjectNode rolling = Trees.objOrCreate(strategy, "rollingUpdate");
                    if (!Trees.has(rolling, "maxUnavailable")) {
                        rolling.put("maxUnavailable", "25%");
                    }
                    if (!Trees.has(rolling, "maxSurge")) {
                        rolling.put("maxSurge", "25%");
                    }
                }
                if (!Trees.has(spec, "revisionHistoryLimit")) {
                    spec.put("revisionHistoryLimit", 10);
                }
                if (!Trees.has(spec, "progressDeadlineSeconds")) {
                    spec.put("progressDeadlineSeconds", 600);
                }
                template(spec);
            }
            case REPLICA_SET -> {
                if (!Trees.has(spec, "replicas")) {
                    spec.put("replicas", 1);
                }
                template(spec);
            }
            case DAEMON_SET -> {
                ObjectNode strategy = Trees.objOrCreate(spec, "updateStrategy");
                Trees.putIfAbsent(strategy, "type", "RollingUpdate");
                if (Trees.str(strategy, "type").equals("RollingUpdate")) {
                    ObjectNode rolling = Trees.objOrCreate(strategy, "rollingUpdate");
                    if (!Trees.has(rolling, "maxUnavailable")) {
                        rolling.put("maxUnavailable", 1);
                    }
                    if (!Trees.has(rolling, "maxSurge")) {
                        rolling.put("maxSurge", 0);
                    }
                }
                if (!Trees.has(spec, "revisionHistoryLimit")) {
                    spec.put("revisionHistoryLimit", 10);
                }
                template(spec);
            }
            case STATEFUL_SET -> StatefulSetRules.defaults(spec);
            default -> {
                if (spec.isEmpty() && !kind.equals(POD_DISRUPTION_BUDGET)) {
                    obj.remove("spec"); // ControllerRevision has no spec
                }
            }
        }
    }

    /** The pod defaults a template gets (SetDefaults_PodSpec and below, not those of SetDefaults_Pod). */
    static void template(ObjectNode spec) {
        ObjectNode template = Trees.objOrCreate(spec, "template");
        ObjectNode pod = template.objectNode();
        pod.set("spec", Trees.objOrCreate(template, "spec"));
        PodDefaults.applyToTemplate(pod);
    }

    // ---- registry strategies ------------------------------------------------------------------------------

    /** PrepareForCreate: the status starts empty; a DaemonSet's template generation starts at 1. */
    static void prepareForCreate(String kind, ObjectNode obj) {
        if (kind.equals(CONTROLLER_REVISION)) {
            return;
        }
        obj.putObject("status");
        if (kind.equals(POD_DISRUPTION_BUDGET)) {
            ((ObjectNode) obj.get("status")).put("disruptionsAllowed", 0).put("currentHealthy", 0)
                    .put("desiredHealthy", 0).put("expectedPods", 0);
        }
        if (kind.equals(DAEMON_SET)) {
            Trees.objOrCreate(Trees.objOrCreate(obj, "metadata"), "annotations").put(TEMPLATE_GENERATION, "1");
        }
    }

    /**
     * PrepareForUpdate of the main resource: a Deployment's generation also moves when its annotations change;
     * a DaemonSet whose template changed gets the next template generation.
     */
    static void prepareForUpdate(String kind, ObjectNode obj, ObjectNode old) {
        switch (kind) {
            case DEPLOYMENT -> {
                ObjectNode meta = Trees.objOrCreate(obj, "metadata");
                JsonNode oldAnnotations = Trees.obj(old, "metadata") == null ? null
                        : Trees.obj(old, "metadata").get("annotations");
                if (!TreeEquality.equal(meta.get("annotations"), oldAnnotations)
                        && TreeEquality.equal(obj.get("spec"), old.get("spec"))) {
                    Long gen = Trees.longOrNull(Trees.obj(old, "metadata"), "generation");
                    meta.put("generation", (gen == null ? 0 : gen) + 1);
                }
            }
            case DAEMON_SET -> {
                ObjectNode annotations = Trees.objOrCreate(Trees.objOrCreate(obj, "metadata"), "annotations");
                ObjectNode oldAnnotations = Trees.obj(Trees.obj(old, "metadata"), "annotations");
                long generation = 1;
                try {
                    generation = Long.parseLong(Trees.str(oldAnnotations, TEMPLATE_GENERATION));
                } catch (NumberFormatException e) {
                    // an object stored before the annotation existed
                }
                JsonNode template = Trees.obj(obj, "spec") == null ? null : Trees.obj(obj, "spec").get("template");
                JsonNode oldTemplate = Trees.obj(old, "spec") == null ? null : Trees.obj(old, "spec").get("template");
                if (!TreeEquality.equal(template, oldTemplate)) {
                    generation++;
                }
                annotations.put(TEMPLATE_GENERATION, Long.toString(generation));
            }
            default -> { }
        }
    }

    // ---- validation ---------------------------------------------------------------------------------------

    static void validate(String kind, ObjectNode obj, FieldErrors errs) {
        ObjectNode spec = Trees.obj(obj, "spec") == null ? obj.objectNode() : Trees.obj(obj, "spec");
        switch (kind) {
            case DEPLOYMENT -> deploymentSpec(spec, errs);
            case REPLICA_SET -> replicaSetSpec(spec, errs);
            case DAEMON_SET -> daemonSetSpec(spec, errs);
            case STATEFUL_SET -> StatefulSetRules.validateSpec(spec, errs);
            case CONTROLLER_REVISION -> {
                if (!Trees.has(obj, "data")) {
                    errs.required("data", "data is mandatory");
                }
                nonNegative(obj, "revision", "revision", errs);
            }
            case POD_DISRUPTION_BUDGET -> podDisruptionBudgetSpec(spec, errs);
            default -> { }
        }
    }

    static void validateUpdate(String kind, ObjectNode obj, ObjectNode old, FieldErrors errs) {
        validate(kind, obj, errs);
        switch (kind) {
            case STATEFUL_SET -> StatefulSetRules.validateUpdate(obj, old, errs);
            case DEPLOYMENT, REPLICA_SET, DAEMON_SET -> {
                JsonNode selector = Trees.obj(obj, "spec") == null ? null : Trees.obj(obj, "spec").get("selector");
                JsonNode oldSelector = Trees.obj(old, "spec") == null ? null : Trees.obj(old, "spec").get("selector");
                if (!TreeEquality.equal(selector, oldSelector)) {
                    errs.invalid("spec.selector", GoValues.labelSelector(selector), MetaRules.IMMUTABLE);
                }
            }
            case CONTROLLER_REVISION -> {
                if (!TreeEquality.equal(obj.get("data"), old.get("data"))) {
                    errs.invalid("data", new FieldErrors.Raw("runtime.RawExtension{Raw:[]uint8{...}}"), MetaRules.IMMUTABLE);
                }
            }
            default -> { }
        }
    }

    /** The status checks every status write passes (ValidateXStatus): counts are never negative. */
    static void validateStatus(String kind, ObjectNode obj, FieldErrors errs) {
        ObjectNode status = Trees.obj(obj, "status");
        if (status == null) {
            return;
        }
        List<String> fields = switch (kind) {
            case DEPLOYMENT -> List.of("observedGeneration", "replicas", "updatedReplicas", "readyReplicas",
                    "availableReplicas", "unavailableReplicas", "collisionCount");
            case REPLICA_SET -> List.of("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas",
                    "observedGeneration");
            case DAEMON_SET -> List.of("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled",
                    "numberReady", "observedGeneration", "updatedNumberScheduled", "numberAvailable",
                    "numberUnavailable", "collisionCount");
            case STATEFUL_SET -> List.of("observedGeneration", "replicas", "readyReplicas", "currentReplicas",
                    "updatedReplicas", "availableReplicas", "collisionCount");
            case POD_DISRUPTION_BUDGET -> List.of("disruptionsAllowed", "currentHealthy", "desiredHealthy",
                    "expectedPods");
            default -> List.of();
        };
        for (String f : fields) {
            nonNegative(status, f, "status." + f, errs);
        }
    }

    private static void deploymentSpec(ObjectNode spec, FieldErrors errs) {
        nonNegative(spec, "replicas", "spec.replicas", errs);
        JsonNode selector = spec.get("selector");
        selectorRequiredNonEmpty(selector, "deployment", errs);
        templateForReplicaSet(spec, selector, errs);
        strategy(Trees.obj(spec, "strategy"), errs);
        nonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errs);
        nonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", errs);
        Long deadline = Trees.longOrNull(spec, "progressDeadlineSeconds");
        if (deadline != null) {
            nonNegative(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds", errs);
            Long minReady = Trees.longOrNull(spec, "minReadySeconds");
            if (deadline <= (minReady == null ? 0 : minReady)) {
                errs.invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds");
            }
        }
    }

    private static void replicaSetSpec(ObjectNode spec, FieldErrors errs) {
        nonNegative(spec, "replicas", "spec.replicas", errs);
        nonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errs);
        JsonNode selector = spec.get("selector");
        // upstream's ReplicaSet validation words the empty selector as the Deployment's
        selectorRequiredNonEmpty(selector, "deployment", errs);
        templateForReplicaSet(spec, selector, errs);
    }

    private static void daemonSetSpec(ObjectNode spec, FieldErrors errs) {
        JsonNode selector = spec.get("selector");
        if (selector == null || selector.isNull()) {
            errs.required("spec.selector", "");
        } else {
            labelSelector(selector, "spec.selector", errs);
        }
        ObjectNode template = Trees.obj(spec, "template") == null ? spec.objectNode() : Trees.obj(spec, "template");
        JsonNode templateLabels = Trees.obj(template, "metadata") == null ? null : Trees.obj(template, "metadata").get("labels");
        if (selector != null && selector.isObject() && !selectorMatches(selector, templateLabels)) {
            errs.invalid("spec.template.metadata.labels", GoValues.stringMap(templateLabels),
                    "`selector` does not match template `labels`");
        }
        if (selector != null && selector.isObject() && isEmptySelector(selector)) {
            errs.invalid("spec.selector", GoValues.labelSelector(selector), "empty selector is invalid for daemonset");
        }
        podTemplate(template, errs);
        restartPolicyAlways(template, errs);
        if (Trees.has(Trees.obj(template, "spec"), "activeDeadlineSeconds")) {
            errs.invalid("spec.template.spec.activeDeadlineSeconds",
                    Trees.longOrNull(Trees.obj(template, "spec"), "activeDeadlineSeconds"),
                    "activeDeadlineSeconds in DaemonSet is not Supported");
        }
        nonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errs);
        daemonSetStrategy(Trees.obj(spec, "updateStrategy"), errs);
        nonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", errs);
    }

    private static void podDisruptionBudgetSpec(ObjectNode spec, FieldErrors errs) {
        JsonNode min = spec.get("minAvailable");
        JsonNode max = spec.get("maxUnavailable");
        if (min != null && !min.isNull() && max != null && !max.isNull()) {
            errs.invalid("spec", new FieldErrors.Raw("policy.PodDisruptionBudgetSpec{MinAvailable:" + GoValues.intOrString(min)
                    + ", MaxUnavailable:" + GoValues.intOrString(max) + "}"), "minAvailable and maxUnavailable cannot be both set");
        }
        if (min != null && !min.isNull()) {
            positiveIntOrPercent(min, "spec.minAvailable", errs);
            notMoreThan100Percent(min, "spec.minAvailable", errs);
        }
        if (max != null && !max.isNull()) {
            positiveIntOrPercent(max, "spec.maxUnavailable", errs);
            notMoreThan100Percent(max, "spec.maxUnavailable", errs);
        }
        labelSelector(spec.get("selector"), "spec.selector", errs);
        String policy = Trees.str(spec, "unhealthyPodEvictionPolicy");
        if (Trees.has(spec, "unhealthyPodEvictionPolicy") && !List.of("AlwaysAllow", "IfHealthyBudget").contains(policy)) {
            errs.notSupported("spec.unhealthyPodEvictionPolicy", policy, List.of("AlwaysAllow", "IfHealthyBudget"));
        }
    }

    static void selectorRequiredNonEmpty(JsonNode selector, String what, FieldErrors errs) {
        if (selector == null || selector.isNull()) {
            errs.required("spec.selector", "");
            return;
        }
        labelSelector(selector, "spec.selector", errs);
        if (isEmptySelector(selector)) {
            errs.invalid("spec.selector", GoValues.labelSelector(selector), "empty selector is invalid for " + what);
        }
    }

    /** ValidatePodTemplateSpecForReplicaSet: the selector matches the labels; Always restarts; no deadline. */
    static void templateForReplicaSet(ObjectNode spec, JsonNode selector, FieldErrors errs) {
        ObjectNode template = Trees.obj(spec, "template");
        if (template == null) {
            errs.required("spec.template", "");
            return;
        }
        JsonNode labels = Trees.obj(template, "metadata") == null ? null : Trees.obj(template, "metadata").get("labels");
        if (selector != null && selector.isObject() && !isEmptySelector(selector) && !selectorMatches(selector, labels)) {
            errs.invalid("spec.template.metadata.labels", GoValues.stringMap(labels),
                    "`selector` does not match template `labels`");
        }
        podTemplate(template, errs);
        restartPolicyAlways(template, errs);
        if (Trees.has(Trees.obj(template, "spec"), "activeDeadlineSeconds")) {
            errs.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet is not Supported");
        }
    }

    /** ValidatePodTemplateSpec: labels, annotations and the pod spec, at their template paths. */
    static void podTemplate(ObjectNode template, FieldErrors errs) {
        ObjectNode meta = Trees.obj(template, "metadata") == null ? template.objectNode() : Trees.obj(template, "metadata");
        MetaRules.validateLabels(Trees.stringMap(meta, "labels"), "spec.template.labels", errs);
        MetaRules.validateAnnotations(Trees.stringMap(meta, "annotations"), "spec.template.annotations", errs);
        ObjectNode pod = template.objectNode();
        pod.set("spec", Trees.obj(template, "spec") == null ? template.objectNode() : Trees.obj(template, "spec"));
        FieldErrors podErrs = new FieldErrors();
        PodValidation.validateSpec(pod, podErrs);
        PodValidation.validateCreateOnly(pod, podErrs);
        errs.addAllMoved(podErrs, "spec.", "spec.template.spec.");
        if (Trees.arraySize(Trees.obj(template, "spec"), "ephemeralContainers") > 0) {
            errs.forbidden("spec.template.spec.ephemeralContainers", "ephemeral containers not allowed in pod template");
        }
    }

    static void restartPolicyAlways(ObjectNode template, FieldErrors errs) {
        String policy = Trees.str(Trees.obj(template, "spec"), "restartPolicy");
        if (!policy.equals("Always") && !policy.isEmpty()) {
            errs.notSupported("spec.template.spec.restartPolicy", policy, List.of("Always"));
        }
    }

    private static void strategy(ObjectNode strategy, FieldErrors errs) {
        String type = Trees.str(strategy, "type");
        ObjectNode rolling = Trees.obj(strategy, "rollingUpdate");
        switch (type) {
            case "Recreate" -> {
                if (rolling != null) {
                    errs.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'");
                }
            }
            case "RollingUpdate" -> {
                if (rolling == null) {
                    errs.required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil");
                    return;
                }
                JsonNode maxUnavailable = rolling.get("maxUnavailable");
                JsonNode maxSurge = rolling.get("maxSurge");
                positiveIntOrPercent(maxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable", errs);
                positiveIntOrPercent(maxSurge, "spec.strategy.rollingUpdate.maxSurge", errs);
                if (intOrPercentValue(maxUnavailable) == 0 && intOrPercentValue(maxSurge) == 0) {
                    errs.invalid("spec.strategy.rollingUpdate.maxUnavailable", GoValues.intOrString(maxUnavailable),
                            "may not be 0 when `maxSurge` is 0");
                }
                notMoreThan100Percent(maxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable", errs);
            }
            default -> errs.notSupported("spec.strategy", new FieldErrors.Raw("apps.DeploymentStrategy{Type:"
                    + FieldErrors.goQuote(type) + ", RollingUpdate:" + (rolling == null
                    ? "(*apps.RollingUpdateDeployment)(nil)" : "&apps.RollingUpdateDeployment{...}") + "}"),
                    List.of("Recreate", "RollingUpdate"));
        }
    }

    private static void daemonSetStrategy(ObjectNode strategy, FieldErrors errs) {
        String type = Trees.str(strategy, "type");
        ObjectNode rolling = Trees.obj(strategy, "rollingUpdate");
        switch (type) {
            case "OnDelete" -> { }
            case "RollingUpdate" -> {
                if (rolling == null) {
                    errs.required("spec.updateStrategy.rollingUpdate", "");
                    return;
                }
                JsonNode maxUnavailable = rolling.get("maxUnavailable");
                JsonNode maxSurge = rolling.get("maxSurge");
                boolean hasUnavailable = maxUnavailable != null && !maxUnavailable.isNull()
                        && intOrPercentValue(maxUnavailable) != 0;
                boolean hasSurge = maxSurge != null && !maxSurge.isNull() && intOrPercentValue(maxSurge) != 0;
                if (hasUnavailable) {
                    positiveIntOrPercent(maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", errs);
                    notMoreThan100Percent(maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", errs);
                }
                if (hasSurge) {
                    positiveIntOrPercent(maxSurge, "spec.updateStrategy.rollingUpdate.maxSurge", errs);
                    notMoreThan100Percent(maxSurge, "spec.updateStrategy.rollingUpdate.maxSurge", errs);
                }
                if (hasUnavailable && hasSurge) {
                    errs.invalid("spec.updateStrategy.rollingUpdate.maxSurge", GoValues.intOrString(maxSurge),
                            "may not be set when maxUnavailable is non-zero");
                } else if (!hasUnavailable && !hasSurge) {
                    errs.required("spec.updateStrategy.rollingUpdate.maxUnavailable", "cannot be 0 when maxSurge is 0");
                }
            }
            default -> errs.notSupported("spec.updateStrategy", new FieldErrors.Raw("apps.DaemonSetUpdateStrategy{Type:"
                    + FieldErrors.goQuote(type) + ", RollingUpdate:" + (rolling == null
                    ? "(*apps.RollingUpdateDaemonSet)(nil)" : "&apps.RollingUpdateDaemonSet{...}") + "}"),
                    List.of("RollingUpdate", "OnDelete"));
        }
    }

    /** ValidateLabelSelector: matchLabels as labels, each requirement's operator, key and values. */
    static void labelSelector(JsonNode selector, String path, FieldErrors errs) {
        if (selector == null || !selector.isObject()) {
            return;
        }
        MetaRules.validateLabels(Trees.stringMap(selector, "matchLabels"), path + ".matchLabels", errs);
        List<ObjectNode> expressions = Trees.objects(selector, "matchExpressions");
        for (int i = 0; i < expressions.size(); i++) {
            ObjectNode e = expressions.get(i);
            String at = path + ".matchExpressions[" + i + "]";
            String operator = Trees.str(e, "operator");
            int values = Trees.arraySize(e, "values");
            switch (operator) {
                case "In", "NotIn" -> {
                    if (values == 0) {
                        errs.required(at + ".values", "must be specified when `operator` is 'In' or 'NotIn'");
                    }
                }
                case "Exists", "DoesNotExist" -> {
                    if (values > 0) {
                        errs.forbidden(at + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
                    }
                }
                default -> errs.invalid(at + ".operator", operator, "not a valid selector operator");
            }
            String key = Trees.str(e, "key");
            errs.invalidAll(at + ".key", key, Syntax.qualifiedName(key));
            JsonNode vs = e.get("values");
            if (vs != null && vs.isArray()) {
                for (int j = 0; j < vs.size(); j++) {
                    String v = vs.get(j).asText("");
                    errs.invalidAll(at + ".values[" + j + "]", v, Syntax.labelValue(v));
                }
            }
        }
    }

    static boolean isEmptySelector(JsonNode selector) {
        return Trees.stringMap(selector, "matchLabels").isEmpty() && Trees.arraySize(selector, "matchExpressions") == 0;
    }

    /** Whether {@code labels} satisfy {@code selector} (matchLabels and matchExpressions). */
    static boolean selectorMatches(JsonNode selector, JsonNode labels) {
        try {
            return LabelSelector.fromObject(selector).matches(labels == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : labels);
        } catch (dev.j8s.apiserver.errors.ApiError e) {
            return false; // an invalid operator: reported by labelSelector
        }
    }

    private static void positiveIntOrPercent(JsonNode value, String path, FieldErrors errs) {
        if (value == null || value.isNull()) {
            return;
        }
        if (value.isTextual()) {
            if (!PERCENT.matcher(value.asText()).matches()) {
                errs.invalid(path, GoValues.intOrString(value), PERCENT_MSG);
            }
        } else if (value.asLong() < 0) {
            errs.invalid(path, value.asLong(), "must be greater than or equal to 0");
        }
    }

    private static void notMoreThan100Percent(JsonNode value, String path, FieldErrors errs) {
        if (value != null && value.isTextual() && PERCENT.matcher(value.asText()).matches()
                && Long.parseLong(value.asText().substring(0, value.asText().length() - 1)) > 100) {
            errs.invalid(path, GoValues.intOrString(value), "must not be greater than 100%");
        }
    }

    /** The number in an int-or-percent ({@code 25%} is 25), 0 when absent or malformed. */
    private static long intOrPercentValue(JsonNode value) {
        if (value == null || value.isNull()) {
            return 0;
        }
        if (value.isTextual()) {
            String s = value.asText();
            if (!PERCENT.matcher(s).matches()) {
                return 0;
            }
            return Long.parseLong(s.substring(0, s.length() - 1));
        }
        return value.asLong();
    }

    static void nonNegative(JsonNode parent, String field, String path, FieldErrors errs) {
        Long v = Trees.longOrNull(parent, field);
        if (v != null && v < 0) {
            errs.invalid(path, v, "must be greater than or equal to 0");
        }
    }
}
