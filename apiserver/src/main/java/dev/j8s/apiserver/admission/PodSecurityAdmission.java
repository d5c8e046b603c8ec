package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.podsecurity.Checks;
import dev.j8s.apiserver.podsecurity.Policy;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The PodSecurity admission plugin (upstream {@code pod-security-admission/admission}): each namespace's
 * {@code pod-security.kubernetes.io/enforce|audit|warn[-version]} labels over the cluster's defaults choose the
 * levels; a pod that violates the enforce level is refused ({@code pods "x" is forbidden: violates PodSecurity
 * "baseline:latest": …}), one that violates the warn level is admitted with a warning ({@code would violate
 * PodSecurity …}), one that violates the audit level is logged (j8s keeps no audit log). Pod templates of workload
 * objects are warned about and audited, never refused. Namespace labels are validated, and a stricter enforce label
 * warns about the pods already there. Thread-safe when its {@link Admission.Lookup} is.
 */
final class PodSecurityAdmission {

    private static final System.Logger LOG = System.getLogger(PodSecurityAdmission.class.getName());
    /** Kinds whose objects hold a pod template, and where (upstream's {@code DefaultPodSpecExtractor}). */
    private static final Map<String, String> TEMPLATES = Map.of(
            "PodTemplate", "/template",
            "ReplicationController", "/spec/template",
            "apps/ReplicaSet", "/spec/template",
            "apps/Deployment", "/spec/template",
            "apps/StatefulSet", "/spec/template",
            "apps/DaemonSet", "/spec/template",
            "batch/Job", "/spec/template",
            "batch/CronJob", "/spec/jobTemplate/spec/template");
    /** Upstream's cap on the existing pods a namespace label change checks. */
    static final int MAX_PODS_TO_CHECK = 3000;

    private final Policy defaults;
    private final Admission.Lookup lookup;

    PodSecurityAdmission(Policy defaults, Admission.Lookup lookup) {
        this.defaults = defaults;
        this.lookup = lookup;
    }

    /** Whether {@code kind} is one this plugin looks at (pods, namespaces, pod templates). */
    static boolean applies(String kind) {
        return kind.equals("Pod") || kind.equals("Namespace") || TEMPLATES.containsKey(kind);
    }

    /**
     * Evaluates a pod being created, or updated in a way that matters ({@code oldPod} present): refuses it when it
     * violates the enforce level, otherwise warns and audits.
     *
     * @throws ApiError.Forbidden worded as upstream
     */
    void admitPod(ObjectNode pod, Optional<ObjectNode> oldPod) {
        if (oldPod.isPresent() && !significantUpdate(pod, oldPod.get())) {
            return;
        }
        String namespace = Trees.str(Trees.obj(pod, "metadata"), "namespace");
        Policy policy = policy(namespace);
        if (policy.enforce().level() == Policy.Level.PRIVILEGED && policy.warn().level() == Policy.Level.PRIVILEGED
                && policy.audit().level() == Policy.Level.PRIVILEGED) {
            return;
        }
        JsonNode metadata = pod.path("metadata");
        JsonNode spec = pod.path("spec");
        String name = Trees.str(Trees.obj(pod, "metadata"), "name");
        List<Checks.Violation> enforced = Checks.evaluate(policy.enforce(), metadata, spec);
        audit(policy, metadata, spec, "pods", namespace, name);
        if (!enforced.isEmpty()) {
            throw ApiError.Forbidden.of("pods", name, "violates PodSecurity \"" + policy.enforce() + "\": "
                    + Checks.describe(enforced));
        }
        warn(policy, metadata, spec);
    }

    /** Warns about and audits the pod template of a workload object (never refuses it, as upstream). */
    void admitTemplate(String kind, ObjectNode object) {
        JsonNode template = object.at(TEMPLATES.get(kind));
        if (!template.isObject()) {
            return;
        }
        String namespace = Trees.str(Trees.obj(object, "metadata"), "namespace");
        Policy policy = policy(namespace);
        if (policy.warn().level() == Policy.Level.PRIVILEGED && policy.audit().level() == Policy.Level.PRIVILEGED) {
            return;
        }
        audit(policy, template.path("metadata"), template.path("spec"), kind, namespace,
                Trees.str(Trees.obj(object, "metadata"), "name"));
        warn(policy, template.path("metadata"), template.path("spec"));
    }

    /**
     * A namespace's labels must parse (422 naming each wrong label); when an update makes its enforce level
     * stricter, the pods already in it that the new level refuses are named in warnings.
     *
     * @throws ApiError.Invalid worded as upstream
     */
    void admitNamespace(ObjectNode namespace, Optional<ObjectNode> old) {
        String name = Trees.str(Trees.obj(namespace, "metadata"), "name");
        Policy.Resolved resolved = Policy.fromLabels(labels(namespace), defaults);
        if (old.isEmpty()) {
            if (!resolved.errors().isEmpty()) {
                throw invalidLabels(name, resolved.errors());
            }
            return;
        }
        Policy.Resolved before = Policy.fromLabels(labels(old.get()), defaults);
        if (!resolved.errors().isEmpty() && (before.errors().isEmpty() || !resolved.errors().equals(before.errors()))) {
            throw invalidLabels(name, resolved.errors());
        }
        Policy.LevelVersion enforce = resolved.policy().enforce();
        Policy.LevelVersion previous = before.policy().enforce();
        if (enforce.equals(previous) || enforce.level() == Policy.Level.PRIVILEGED
                || (enforce.version().equals(previous.version()) && enforce.level().compareTo(previous.level()) <= 0)) {
            return;
        }
        existingPodWarnings(name, enforce).forEach(Warnings::add);
    }

    /** Upstream's {@code EvaluatePodsInNamespace}: one warning per distinct violation, naming a pod with it. */
    List<String> existingPodWarnings(String namespace, Policy.LevelVersion enforce) {
        List<ObjectNode> pods = lookup.list("pods", namespace);
        int total = pods.size();
        List<ObjectNode> checked = pods.subList(0, Math.min(total, MAX_PODS_TO_CHECK));
        Map<String, List<String>> podsByViolation = new LinkedHashMap<>();
        for (ObjectNode pod : checked) {
            List<Checks.Violation> violations = Checks.evaluate(enforce, pod.path("metadata"), pod.path("spec"));
            if (!violations.isEmpty()) {
                String reasons = String.join(", ", violations.stream().map(Checks.Violation::reason).toList());
                podsByViolation.computeIfAbsent(reasons, r -> new ArrayList<>())
                        .add(Trees.str(Trees.obj(pod, "metadata"), "name"));
            }
        }
        List<String> warnings = new ArrayList<>();
        if (checked.size() < total) {
            warnings.add("new PodSecurity enforce level only checked against the first " + checked.size() + " of "
                    + total + " existing pods");
        }
        if (!podsByViolation.isEmpty()) {
            warnings.add("existing pods in namespace \"" + namespace + "\" violate the new PodSecurity enforce level \""
                    + enforce + "\"");
        }
        TreeMap<String, String> decorated = new TreeMap<>();
        podsByViolation.forEach((reasons, names) -> {
            String first = names.stream().sorted().findFirst().orElseThrow();
            String prefix = switch (names.size()) {
                case 1 -> first;
                case 2 -> first + " (and 1 other pod)";
                default -> first + " (and " + (names.size() - 1) + " other pods)";
            };
            String warning = prefix + ": " + reasons;
            decorated.put(warning, warning);
        });
        warnings.addAll(decorated.values());
        return warnings;
    }

    private void warn(Policy policy, JsonNode metadata, JsonNode spec) {
        List<Checks.Violation> warned = Checks.evaluate(policy.warn(), metadata, spec);
        if (!warned.isEmpty()) {
            Warnings.add("would violate PodSecurity \"" + policy.warn() + "\": " + Checks.describe(warned));
        }
    }

    private static void auditLog(String message, String resource, String namespace, String name) {
        LOG.log(Level.INFO, "PodSecurity audit: " + message + " resource=" + resource + " object=" + namespace + "/"
                + name);
    }

    private void audit(Policy policy, JsonNode metadata, JsonNode spec, String resource, String namespace, String name) {
        List<Checks.Violation> audited = Checks.evaluate(policy.audit(), metadata, spec);
        if (!audited.isEmpty()) {
            auditLog("would violate PodSecurity \"" + policy.audit() + "\": " + Checks.describe(audited), resource,
                    namespace, name);
        }
    }

    private Policy policy(String namespace) {
        Map<String, String> labels = lookup.get("namespaces", "", namespace).map(PodSecurityAdmission::labels)
                .orElse(Map.of());
        return Policy.fromLabels(labels, defaults).policy();
    }

    private static Map<String, String> labels(ObjectNode object) {
        return Trees.stringMap(Trees.obj(object, "metadata"), "labels");
    }

    private static ApiError invalidLabels(String name, List<Policy.LabelError> errors) {
        List<String> rendered = errors.stream().map(e -> "metadata.labels[" + e.label() + "]: Invalid value: "
                + FieldErrors.goQuote(e.value()) + ": " + e.detail()).toList();
        String message = rendered.size() == 1 ? rendered.getFirst() : "[" + String.join(", ", rendered) + "]";
        return ApiError.Invalid.fromAdmission("namespaces", name, message);
    }

    /** Upstream's {@code isSignificantPodUpdate}: containers added or removed, an image or seccomp annotation changed. */
    static boolean significantUpdate(ObjectNode pod, ObjectNode old) {
        JsonNode annotations = pod.path("metadata").path("annotations");
        JsonNode oldAnnotations = old.path("metadata").path("annotations");
        String podSeccomp = "seccomp.security.alpha.kubernetes.io/pod";
        if (!annotations.path(podSeccomp).asText().equals(oldAnnotations.path(podSeccomp).asText())) {
            return true;
        }
        for (String list : List.of("containers", "initContainers", "ephemeralContainers")) {
            JsonNode now = pod.path("spec").path(list);
            JsonNode before = old.path("spec").path(list);
            if (now.size() != before.size()) {
                return true;
            }
            for (int i = 0; i < now.size(); i++) {
                String key = "container.seccomp.security.alpha.kubernetes.io/" + now.get(i).path("name").asText();
                if (!now.get(i).path("image").asText().equals(before.get(i).path("image").asText())
                        || !annotations.path(key).asText().equals(oldAnnotations.path(key).asText())) {
                    return true;
                }
            }
        }
        return false;
    }
}
