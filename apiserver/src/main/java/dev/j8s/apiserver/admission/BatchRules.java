package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.batch.CronSchedule;
import dev.j8s.apiserver.validation.Syntax;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Defaulting, registry strategies and validation of batch/v1 Jobs and CronJobs, worded as upstream's
 * {@code pkg/apis/batch/v1/defaults.go}, {@code pkg/registry/batch/{job,cronjob}/strategy.go} and
 * {@code pkg/apis/batch/validation}. A Job created without {@code manualSelector} gets the generated selector
 * ({@code batch.kubernetes.io/controller-uid}) and the four job labels on its template. Stateless and thread-safe.
 */
final class BatchRules {

    static final String JOB = "batch/Job";
    static final String CRON_JOB = "batch/CronJob";
    /** The kinds this class owns; their status is kept on a main-resource update. */
    static final List<String> KINDS = List.of(JOB, CRON_JOB);

    static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
    static final String LEGACY_CONTROLLER_UID = "controller-uid";
    static final String JOB_NAME = "batch.kubernetes.io/job-name";
    static final String LEGACY_JOB_NAME = "job-name";

    private static final int MAX_INT32 = Integer.MAX_VALUE;
    private static final List<String> RESTART_POLICIES = List.of("OnFailure", "Never");
    private static final List<String> ACTIONS = List.of("Count", "FailIndex", "FailJob", "Ignore");

    private BatchRules() {}

    // ---- defaults (decode time) ---------------------------------------------------------------------------

    static void defaults(String kind, ObjectNode obj) {
        ObjectNode spec = Trees.objOrCreate(obj, "spec");
        switch (kind) {
            case JOB -> {
                jobSpecDefaults(spec);
                ObjectNode meta = Trees.objOrCreate(obj, "metadata");
                ObjectNode templateMeta = Trees.obj(Trees.obj(spec, "template"), "metadata");
                if (Trees.stringMap(meta, "labels").isEmpty() && templateMeta != null
                        && !Trees.stringMap(templateMeta, "labels").isEmpty()) {
                    meta.set("labels", templateMeta.get("labels").deepCopy());
                }
            }
            case CRON_JOB -> {
                Trees.putIfAbsent(spec, "concurrencyPolicy", "Allow");
                if (!Trees.has(spec, "suspend")) {
                    spec.put("suspend", false);
                }
                if (!Trees.has(spec, "successfulJobsHistoryLimit")) {
                    spec.put("successfulJobsHistoryLimit", 3);
                }
                if (!Trees.has(spec, "failedJobsHistoryLimit")) {
                    spec.put("failedJobsHistoryLimit", 1);
                }
                ObjectNode jobSpec = Trees.objOrCreate(Trees.objOrCreate(spec, "jobTemplate"), "spec");
                template(jobSpec);
                podFailurePolicyDefaults(jobSpec);
            }
            default -> { }
        }
    }

    /** SetDefaults_Job for the spec: counts, back-off limit, modes and the template's pod defaults. */
    private static void jobSpecDefaults(ObjectNode spec) {
        boolean hasCompletions = Trees.has(spec, "completions");
        boolean hasParallelism = Trees.has(spec, "parallelism");
        if (!hasCompletions && !hasParallelism) {
            spec.put("completions", 1);
            spec.put("parallelism", 1);
        } else if (!hasParallelism) {
            spec.put("parallelism", 1);
        }
        if (!Trees.has(spec, "backoffLimit")) {
            spec.put("backoffLimit", Trees.has(spec, "backoffLimitPerIndex") ? MAX_INT32 : 6);
        }
        Trees.putIfAbsent(spec, "completionMode", "NonIndexed");
        if (!Trees.has(spec, "suspend")) {
            spec.put("suspend", false);
        }
        if (!Trees.has(spec, "manualSelector")) {
            spec.put("manualSelector", false);
        }
        Trees.putIfAbsent(spec, "podReplacementPolicy",
                Trees.has(spec, "podFailurePolicy") ? "Failed" : "TerminatingOrFailed");
        podFailurePolicyDefaults(spec);
        template(spec);
    }

    private static void podFailurePolicyDefaults(ObjectNode spec) {
        for (ObjectNode rule : Trees.objects(Trees.obj(spec, "podFailurePolicy"), "rules")) {
            for (ObjectNode pattern : Trees.objects(rule, "onPodConditions")) {
                Trees.putIfAbsent(pattern, "status", "True");
            }
        }
    }

    private static void template(ObjectNode spec) {
        ObjectNode template = Trees.objOrCreate(spec, "template");
        ObjectNode pod = template.objectNode();
        pod.set("spec", Trees.objOrCreate(template, "spec"));
        PodDefaults.applyToTemplate(pod);
    }

    // ---- registry strategies ------------------------------------------------------------------------------

    /** PrepareForCreate: the status starts empty; a Job without {@code manualSelector} gets its selector. */
    static void prepareForCreate(String kind, ObjectNode obj) {
        obj.putObject("status");
        if (kind.equals(JOB) && !Trees.obj(obj, "spec").path("manualSelector").asBoolean(false)) {
            generateSelector(obj);
        }
    }

    /**
     * The Job's template gains the job-name and controller-uid labels (both spellings) unless the user set them,
     * and the selector selects the uid; labels the user set that conflict are refused by validation.
     */
    private static void generateSelector(ObjectNode job) {
        ObjectNode meta = Trees.obj(job, "metadata");
        String name = Trees.str(meta, "name");
        String uid = Trees.str(meta, "uid");
        ObjectNode spec = Trees.obj(job, "spec");
        ObjectNode labels = Trees.objOrCreate(Trees.objOrCreate(Trees.objOrCreate(spec, "template"), "metadata"),
                "labels");
        for (String key : List.of(LEGACY_JOB_NAME, JOB_NAME)) {
            if (!labels.has(key)) {
                labels.put(key, name);
            }
        }
        for (String key : List.of(LEGACY_CONTROLLER_UID, CONTROLLER_UID)) {
            if (!labels.has(key)) {
                labels.put(key, uid);
            }
        }
        ObjectNode matchLabels = Trees.objOrCreate(Trees.objOrCreate(spec, "selector"), "matchLabels");
        if (!matchLabels.has(CONTROLLER_UID)) {
            matchLabels.put(CONTROLLER_UID, uid);
        }
    }

    // ---- validation ---------------------------------------------------------------------------------------

    static void validate(String kind, ObjectNode obj, FieldErrors errs) {
        ObjectNode spec = Trees.obj(obj, "spec") == null ? obj.objectNode() : Trees.obj(obj, "spec");
        ObjectNode meta = Trees.obj(obj, "metadata") == null ? obj.objectNode() : Trees.obj(obj, "metadata");
        switch (kind) {
            case JOB -> {
                generatedSelector(meta, spec, errs);
                jobSpec(spec, "spec", errs);
                JsonNode selector = spec.get("selector");
                if (selector == null || selector.isNull()) {
                    errs.required("spec.selector", "");
                } else {
                    AppsRules.labelSelector(selector, "spec.selector", errs);
                    JsonNode labels = Trees.obj(Trees.obj(spec, "template"), "metadata") == null ? null
                            : Trees.obj(Trees.obj(spec, "template"), "metadata").get("labels");
                    if (selector.isObject() && !AppsRules.selectorMatches(selector, labels)) {
                        errs.invalid("spec.template.metadata.labels", GoValues.stringMap(labels),
                                "`selector` does not match template `labels`");
                    }
                }
                Long completions = Trees.longOrNull(spec, "completions");
                if (Trees.str(spec, "completionMode").equals("Indexed") && completions != null && completions > 0) {
                    String hostname = Trees.str(meta, "name") + "-" + (completions - 1);
                    if (!Syntax.dns1123Label(hostname).isEmpty()) {
                        errs.invalid("metadata.name", Trees.str(meta, "name"),
                                "will not able to create pod with invalid DNS label: " + hostname);
                    }
                }
            }
            case CRON_JOB -> {
                cronJobSpec(spec, null, errs);
                String name = Trees.str(meta, "name");
                if (name.length() > 52) {
                    // the controller appends "-<11 digits>" and a Job's pods' label values stay within 63
                    errs.invalid("metadata.name", name, "must be no more than 52 characters");
                }
            }
            default -> { }
        }
    }

    static void validateUpdate(String kind, ObjectNode obj, ObjectNode old, FieldErrors errs) {
        ObjectNode spec = Trees.obj(obj, "spec") == null ? obj.objectNode() : Trees.obj(obj, "spec");
        ObjectNode oldSpec = Trees.obj(old, "spec") == null ? old.objectNode() : Trees.obj(old, "spec");
        switch (kind) {
            case JOB -> {
                jobSpec(spec, "spec", errs);
                if (!TreeEquality.equal(spec.get("selector"), oldSpec.get("selector"))) {
                    errs.invalid("spec.selector", GoValues.labelSelector(spec.get("selector")), MetaRules.IMMUTABLE);
                }
                if (!TreeEquality.equal(spec.get("template"), oldSpec.get("template"))) {
                    errs.invalid("spec.template", new FieldErrors.Raw("core.PodTemplateSpec{...}"), MetaRules.IMMUTABLE);
                }
                if (!TreeEquality.equal(spec.get("completionMode"), oldSpec.get("completionMode"))) {
                    errs.invalid("spec.completionMode", Trees.str(spec, "completionMode"), MetaRules.IMMUTABLE);
                }
                boolean indexed = Trees.str(spec, "completionMode").equals("Indexed");
                if (!TreeEquality.equal(spec.get("completions"), oldSpec.get("completions"))) {
                    if (!indexed) {
                        errs.invalid("spec.completions", Trees.longOrNull(spec, "completions"), MetaRules.IMMUTABLE);
                    } else if (!TreeEquality.equal(spec.get("completions"), spec.get("parallelism"))) {
                        errs.invalid("spec.completions", Trees.longOrNull(spec, "completions"),
                                "can only be modified in tandem with spec.parallelism");
                    }
                }
            }
            case CRON_JOB -> cronJobSpec(spec, oldSpec, errs);
            default -> { }
        }
    }

    /** ValidateJobStatusUpdate: counters never negative, uncounted pod uids unique and non-empty. */
    static void validateStatus(String kind, ObjectNode obj, FieldErrors errs) {
        ObjectNode status = Trees.obj(obj, "status");
        if (status == null || !kind.equals(JOB)) {
            return;
        }
        for (String f : List.of("active", "succeeded", "failed", "ready", "terminating")) {
            AppsRules.nonNegative(status, f, "status." + f, errs);
        }
        ObjectNode uncounted = Trees.obj(status, "uncountedTerminatedPods");
        Set<String> seen = new HashSet<>();
        for (String list : List.of("succeeded", "failed")) {
            List<String> uids = MetaRules.strings(uncounted == null ? null : uncounted.get(list));
            for (int i = 0; i < uids.size(); i++) {
                String path = "status.uncountedTerminatedPods." + list + "[" + i + "]";
                if (uids.get(i).isEmpty()) {
                    errs.invalid(path, "", "must not be empty");
                } else if (!seen.add(uids.get(i))) {
                    errs.duplicate(path, uids.get(i));
                }
            }
        }
    }

    /** validateGeneratedSelector: the generated labels are on the template and the selector selects them. */
    private static void generatedSelector(ObjectNode meta, ObjectNode spec, FieldErrors errs) {
        if (spec.path("manualSelector").asBoolean(false) || spec.get("selector") == null
                || spec.get("selector").isNull()) {
            return;
        }
        String uid = Trees.str(meta, "uid");
        String name = Trees.str(meta, "name");
        if (uid.isEmpty()) {
            errs.required("metadata.uid", "");
        }
        ObjectNode templateMeta = Trees.obj(Trees.obj(spec, "template"), "metadata");
        Map<String, String> labels = Trees.stringMap(templateMeta, "labels");
        for (var expected : List.of(Map.entry(LEGACY_CONTROLLER_UID, uid), Map.entry(LEGACY_JOB_NAME, name),
                Map.entry(CONTROLLER_UID, uid), Map.entry(JOB_NAME, name))) {
            String actual = labels.get(expected.getKey());
            if (actual == null) {
                errs.required("spec.template.metadata.labels", "must be '" + expected.getValue() + "'");
            } else if (!actual.equals(expected.getValue())) {
                errs.invalid("spec.template.metadata.labels", new FieldErrors.Raw(FieldErrors.goQuote(actual)),
                        "must be '" + expected.getValue() + "'");
            }
        }
        ObjectNode expectedLabels = spec.objectNode().put(CONTROLLER_UID, uid).put(JOB_NAME, name)
                .put(LEGACY_CONTROLLER_UID, uid).put(LEGACY_JOB_NAME, name);
        if (!AppsRules.selectorMatches(spec.get("selector"), expectedLabels)) {
            errs.invalid("spec.selector", GoValues.labelSelector(spec.get("selector")), "`selector` not auto-generated");
        }
    }

    /** validateJobSpec, at {@code path} ({@code spec}, or {@code spec.jobTemplate.spec} of a CronJob). */
    private static void jobSpec(ObjectNode spec, String path, FieldErrors errs) {
        for (String f : List.of("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes")) {
            AppsRules.nonNegative(spec, f, path + "." + f, errs);
        }
        String mode = Trees.str(spec, "completionMode");
        boolean indexed = mode.equals("Indexed");
        if (Trees.has(spec, "completionMode") && !mode.equals("NonIndexed") && !indexed) {
            errs.notSupported(path + ".completionMode", mode, List.of("NonIndexed", "Indexed"));
        }
        if (indexed && !Trees.has(spec, "completions")) {
            errs.required(path + ".completions", "when completion mode is Indexed");
        }
        if (Trees.has(spec, "maxFailedIndexes") && !Trees.has(spec, "backoffLimitPerIndex")) {
            errs.required(path + ".backoffLimitPerIndex", "when maxFailedIndexes is specified");
        }
        if (!indexed) {
            for (String f : List.of("backoffLimitPerIndex", "maxFailedIndexes")) {
                if (Trees.has(spec, f)) {
                    errs.invalid(path + "." + f, Trees.longOrNull(spec, f), "requires indexed completion mode");
                }
            }
        }
        if (Trees.has(spec, "podFailurePolicy")) {
            podFailurePolicy(spec, path + ".podFailurePolicy", errs);
        }
        if (Trees.has(spec, "successPolicy")) {
            if (!indexed) {
                errs.invalid(path + ".successPolicy", new FieldErrors.Raw("batch.SuccessPolicy{...}"),
                        "requires indexed completion mode");
            } else {
                successPolicy(spec, path + ".successPolicy", errs);
            }
        }
        String replacement = Trees.str(spec, "podReplacementPolicy");
        if (Trees.has(spec, "podReplacementPolicy") && !List.of("Failed", "TerminatingOrFailed").contains(replacement)) {
            errs.notSupported(path + ".podReplacementPolicy", replacement, List.of("Failed", "TerminatingOrFailed"));
        } else if (Trees.has(spec, "podFailurePolicy") && replacement.equals("TerminatingOrFailed")) {
            errs.notSupported(path + ".podReplacementPolicy", replacement, List.of("Failed"));
        }
        ObjectNode template = Trees.obj(spec, "template") == null ? spec.objectNode() : Trees.obj(spec, "template");
        FieldErrors templateErrs = new FieldErrors();
        AppsRules.podTemplate(template, templateErrs);
        errs.addAllMoved(templateErrs, "spec.template.", path + ".template.");
        String restart = Trees.str(Trees.obj(template, "spec"), "restartPolicy");
        if (restart.isEmpty() || restart.equals("Always")) {
            errs.required(path + ".template.spec.restartPolicy", "valid values: \"OnFailure\", \"Never\"");
        } else if (!RESTART_POLICIES.contains(restart)) {
            errs.notSupported(path + ".template.spec.restartPolicy", restart, RESTART_POLICIES);
        } else if (Trees.has(spec, "podFailurePolicy") && !restart.equals("Never")) {
            errs.invalid(path + ".template.spec.restartPolicy", restart,
                    "only \"Never\" is supported when podFailurePolicy is specified");
        }
        // What the job controller here does not do is refused rather than ignored.
        if (Trees.has(spec, "backoffLimitPerIndex")) {
            errs.forbidden(path + ".backoffLimitPerIndex", "not supported by j8s: use backoffLimit");
        }
    }

    private static void podFailurePolicy(ObjectNode spec, String path, FieldErrors errs) {
        Set<String> containers = new HashSet<>();
        ObjectNode podSpec = Trees.obj(Trees.obj(spec, "template"), "spec");
        for (String list : List.of("containers", "initContainers")) {
            Trees.objects(podSpec, list).forEach(c -> containers.add(Trees.str(c, "name")));
        }
        List<ObjectNode> rules = Trees.objects(Trees.obj(spec, "podFailurePolicy"), "rules");
        if (rules.size() > 20) {
            errs.tooMany(path + ".rules", rules.size(), 20);
        }
        for (int i = 0; i < rules.size(); i++) {
            ObjectNode rule = rules.get(i);
            String at = path + ".rules[" + i + "]";
            String action = Trees.str(rule, "action");
            if (!ACTIONS.contains(action)) {
                errs.notSupported(at + ".action", action, ACTIONS);
            } else if (action.equals("FailIndex") && !Trees.has(spec, "backoffLimitPerIndex")) {
                errs.invalid(at + ".action", action, "requires the backoffLimitPerIndex to be set");
            }
            ObjectNode onExitCodes = Trees.obj(rule, "onExitCodes");
            boolean hasConditions = Trees.arraySize(rule, "onPodConditions") > 0;
            if (onExitCodes != null && hasConditions) {
                errs.invalidWithoutValue(at, "specifying both OnExitCodes and OnPodConditions is not supported");
            } else if (onExitCodes == null && !hasConditions) {
                errs.invalidWithoutValue(at, "specifying one of OnExitCodes and OnPodConditions is required");
            }
            if (onExitCodes != null) {
                onExitCodes(onExitCodes, containers, at + ".onExitCodes", errs);
            }
            List<ObjectNode> patterns = Trees.objects(rule, "onPodConditions");
            for (int j = 0; j < patterns.size(); j++) {
                String status = Trees.str(patterns.get(j), "status");
                if (!List.of("False", "True", "Unknown").contains(status)) {
                    errs.notSupported(at + ".onPodConditions[" + j + "].status", status,
                            List.of("False", "True", "Unknown"));
                }
                String type = Trees.str(patterns.get(j), "type");
                errs.invalidAll(at + ".onPodConditions[" + j + "].type", type, Syntax.qualifiedName(type));
            }
        }
    }

    private static void onExitCodes(ObjectNode req, Set<String> containers, String path, FieldErrors errs) {
        if (Trees.has(req, "containerName") && !containers.contains(Trees.str(req, "containerName"))) {
            errs.invalid(path + ".containerName", Trees.str(req, "containerName"),
                    "must be one of the container or initContainer names in the pod template");
        }
        String operator = Trees.str(req, "operator");
        if (!List.of("In", "NotIn").contains(operator)) {
            errs.notSupported(path + ".operator", operator, List.of("In", "NotIn"));
        }
        List<Long> values = new ArrayList<>();
        req.path("values").forEach(v -> values.add(v.asLong()));
        if (values.isEmpty()) {
            errs.invalid(path + ".values", new FieldErrors.Raw("[]int32{}"), "at least one value is required");
        } else if (values.size() > 255) {
            errs.tooMany(path + ".values", values.size(), 255);
        }
        Set<Long> unique = new HashSet<>();
        boolean ordered = true;
        for (int j = 0; j < values.size(); j++) {
            long v = values.get(j);
            if (operator.equals("In") && v == 0) {
                errs.invalid(path + ".values[" + j + "]", v, "must not be 0 for the In operator");
            }
            if (!unique.add(v)) {
                errs.duplicate(path + ".values[" + j + "]", v);
            }
            if (j > 0 && values.get(j - 1) > v) {
                ordered = false;
            }
        }
        if (!ordered) {
            errs.invalid(path + ".values", new FieldErrors.Raw("[]int32{" + String.join(", ",
                    values.stream().map(String::valueOf).toList()) + "}"), "must be ordered");
        }
    }

    private static void successPolicy(ObjectNode spec, String path, FieldErrors errs) {
        List<ObjectNode> rules = Trees.objects(Trees.obj(spec, "successPolicy"), "rules");
        if (rules.isEmpty()) {
            errs.required(path + ".rules", "at least one rules must be specified when the successPolicy is specified");
        }
        long completions = Trees.longOrNull(spec, "completions") == null ? 0 : Trees.longOrNull(spec, "completions");
        for (int i = 0; i < rules.size(); i++) {
            ObjectNode rule = rules.get(i);
            String at = path + ".rules[" + i + "]";
            if (!Trees.has(rule, "succeededCount") && !Trees.has(rule, "succeededIndexes")) {
                errs.required(at, "at least one of succeededCount or succeededIndexes must be specified");
            }
            long total = completions;
            if (Trees.has(rule, "succeededIndexes")) {
                String indexes = Trees.str(rule, "succeededIndexes");
                try {
                    total = IndexIntervals.count(indexes, completions);
                } catch (IllegalArgumentException e) {
                    errs.invalid(at + ".succeededIndexes", indexes, "error parsing succeededIndexes: " + e.getMessage());
                }
            }
            Long count = Trees.longOrNull(rule, "succeededCount");
            if (count != null) {
                if (count < 0) {
                    errs.invalid(at + ".succeededCount", count, "must be greater than or equal to 0");
                }
                if (count > completions) {
                    errs.invalid(at + ".succeededCount", count, "must be less than or equal to " + completions
                            + " (the number of specified completions)");
                }
                if (Trees.has(rule, "succeededIndexes") && count > total) {
                    errs.invalid(at + ".succeededCount", count, "must be less than or equal to " + total
                            + " (the number of indexes in the specified succeededIndexes field)");
                }
            }
        }
    }

    /** validateCronJobSpec; {@code oldSpec} is null on create. */
    private static void cronJobSpec(ObjectNode spec, ObjectNode oldSpec, FieldErrors errs) {
        String schedule = Trees.str(spec, "schedule");
        boolean hasZone = Trees.has(spec, "timeZone");
        if (schedule.isEmpty()) {
            errs.required("spec.schedule", "");
        } else {
            try {
                CronSchedule.parse(schedule);
            } catch (CronSchedule.ParseException e) {
                errs.invalid("spec.schedule", schedule, e.getMessage());
            }
            boolean tzAllowed = oldSpec != null && Trees.str(oldSpec, "schedule").contains("TZ");
            if (tzAllowed && schedule.contains("TZ") && hasZone) {
                errs.invalid("spec.schedule", schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule");
            } else if (!tzAllowed && schedule.contains("TZ")) {
                errs.invalid("spec.schedule", schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
            }
        }
        AppsRules.nonNegative(spec, "startingDeadlineSeconds", "spec.startingDeadlineSeconds", errs);
        if (hasZone && (oldSpec == null || !TreeEquality.equal(spec.get("timeZone"), oldSpec.get("timeZone")))) {
            String zone = Trees.str(spec, "timeZone");
            FieldErrors.Raw shown = new FieldErrors.Raw(FieldErrors.goQuote(zone));
            if (zone.isEmpty()) {
                errs.invalid("spec.timeZone", shown, "timeZone must be nil or non-empty string");
            } else if (zone.equalsIgnoreCase("Local")) {
                errs.invalid("spec.timeZone", shown,
                        "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones");
            } else if (CronSchedule.zoneOf(zone).isEmpty()) {
                errs.invalid("spec.timeZone", shown, "unknown time zone " + zone);
            }
        }
        String policy = Trees.str(spec, "concurrencyPolicy");
        if (policy.isEmpty()) {
            errs.required("spec.concurrencyPolicy", "");
        } else if (!List.of("Allow", "Forbid", "Replace").contains(policy)) {
            errs.notSupported("spec.concurrencyPolicy", policy, List.of("Allow", "Forbid", "Replace"));
        }
        ObjectNode jobTemplate = Trees.obj(spec, "jobTemplate") == null ? spec.objectNode() : Trees.obj(spec, "jobTemplate");
        ObjectNode jobSpec = Trees.obj(jobTemplate, "spec") == null ? spec.objectNode() : Trees.obj(jobTemplate, "spec");
        jobSpec(jobSpec, "spec.jobTemplate.spec", errs);
        if (jobSpec.get("selector") != null && !jobSpec.get("selector").isNull()) {
            errs.invalid("spec.jobTemplate.spec.selector", GoValues.labelSelector(jobSpec.get("selector")),
                    "`selector` will be auto-generated");
        }
        if (jobSpec.path("manualSelector").asBoolean(false)) {
            errs.notSupported("spec.jobTemplate.spec.manualSelector", new FieldErrors.Raw("true"), List.of("nil", "false"));
        }
        AppsRules.nonNegative(spec, "successfulJobsHistoryLimit", "spec.successfulJobsHistoryLimit", errs);
        AppsRules.nonNegative(spec, "failedJobsHistoryLimit", "spec.failedJobsHistoryLimit", errs);
    }

    /** {@code "1,3-5"}-style index lists (a Job's completedIndexes and a success rule's succeededIndexes). */
    static final class IndexIntervals {
        private IndexIntervals() {}

        /** The number of indexes the list names; refuses unordered, overlapping or out-of-range intervals. */
        static long count(String text, long completions) {
            long total = 0;
            long previousEnd = -1;
            for (String part : text.split(",", -1)) {
                String[] bounds = part.split("-", -1);
                if (bounds.length > 2) {
                    throw new IllegalArgumentException("the fragment \"" + part + "\" violates the requirement that an"
                            + " index interval can have at most two parts separated by '-'");
                }
                long start = parse(bounds[0]);
                long end = bounds.length == 2 ? parse(bounds[1]) : start;
                if (start > end) {
                    throw new IllegalArgumentException("the fragment \"" + part + "\" violates the requirement that "
                            + "the first index is less than or equal to the last index");
                }
                if (end >= completions) {
                    throw new IllegalArgumentException("too large: " + end);
                }
                if (start <= previousEnd) {
                    throw new IllegalArgumentException("overlapping or unordered intervals: " + text);
                }
                previousEnd = end;
                total += end - start + 1;
            }
            return total;
        }

        private static long parse(String s) {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cannot convert string to integer for index: \"" + s + "\"");
            }
        }
    }
}
