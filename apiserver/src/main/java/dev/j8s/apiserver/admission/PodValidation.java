package dev.j8s.apiserver.admission;

import dev.j8s.apiserver.validation.Syntax;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Pod validation on create and update, as upstream's {@code ValidatePodCreate} and
 * {@code ValidatePodUpdate} word it (the parts a single-node cluster's users meet). Stateless and thread-safe.
 */
final class PodValidation {

    static final String UPDATABLE_FIELDS = "`spec.containers[*].image`,`spec.initContainers[*].image`,"
            + "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
            + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";
    private static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");
    private static final long MAX_INT32 = Integer.MAX_VALUE;

    private PodValidation() {}

    static void validateSpec(ObjectNode pod, FieldErrors errs) {
        ObjectNode spec = Trees.obj(pod, "spec") == null ? pod.objectNode() : Trees.obj(pod, "spec");
        Set<String> volumes = volumes(spec, errs);
        List<ObjectNode> containers = Trees.objects(spec, "containers");
        if (containers.isEmpty()) {
            errs.required("spec.containers", "");
        }
        Long grace = Trees.longOrNull(spec, "terminationGracePeriodSeconds");
        String os = Trees.str(Trees.obj(spec, "os"), "name");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < containers.size(); i++) {
            String path = "spec.containers[" + i + "]";
            container(containers.get(i), path, volumes, errs);
            LifecycleValidation.container(containers.get(i), path, grace, os, errs);
            String name = Trees.str(containers.get(i), "name");
            if (!names.add(name)) {
                errs.duplicate(path + ".name", name);
            }
        }
        List<ObjectNode> inits = Trees.objects(spec, "initContainers");
        Set<String> initNames = new HashSet<>();
        for (int i = 0; i < inits.size(); i++) {
            String path = "spec.initContainers[" + i + "]";
            String name = Trees.str(inits.get(i), "name");
            if (names.contains(name) || !initNames.add(name)) {
                errs.duplicate(path + ".name", name);
            }
            container(inits.get(i), path, volumes, errs);
            LifecycleValidation.initContainer(inits.get(i), path, grace, os, errs);
        }
        restartPolicy(Trees.str(spec, "restartPolicy"), errs);
        dnsPolicy(Trees.str(spec, "dnsPolicy"), errs);
        MetaRules.validateLabels(Trees.stringMap(spec, "nodeSelector"), "spec.nodeSelector", errs);
        List<ObjectNode> pullSecrets = Trees.objects(spec, "imagePullSecrets");
        for (int i = 0; i < pullSecrets.size(); i++) {
            for (var f : pullSecrets.get(i).properties()) {
                if (!f.getKey().equals("name")) {
                    errs.invalid("spec.imagePullSecrets[" + i + "]", new FieldErrors.Raw(pullSecrets.get(i).toString()), "only name may be set");
                    break;
                }
            }
        }
        String sa = Trees.str(spec, "serviceAccountName");
        if (!sa.isEmpty()) {
            errs.invalidAll("spec.serviceAccountName", sa, Syntax.dns1123Subdomain(sa));
        }
        String nodeName = Trees.str(spec, "nodeName");
        if (!nodeName.isEmpty()) {
            errs.invalidAll("spec.nodeName", nodeName, Syntax.dns1123Subdomain(nodeName));
        }
        Long deadline = Trees.longOrNull(spec, "activeDeadlineSeconds");
        if (deadline != null && (deadline < 1 || deadline > MAX_INT32)) {
            errs.invalid("spec.activeDeadlineSeconds", deadline, Syntax.inclusiveRangeError(1, MAX_INT32));
        }
        for (String f : List.of("hostname", "subdomain")) {
            String v = Trees.str(spec, f);
            if (!v.isEmpty()) {
                errs.invalidAll("spec." + f, v, Syntax.dns1123Label(v));
            }
        }
        tolerations(Trees.objects(spec, "tolerations"), errs);
        SecurityContextRules.validate(spec, errs);
    }

    /** The checks upstream applies to pods only (not templates), after the spec checks. */
    static void validateCreateOnly(ObjectNode pod, FieldErrors errs) {
        ObjectNode spec = Trees.obj(pod, "spec");
        for (String list : List.of("containers", "initContainers")) {
            List<ObjectNode> cs = Trees.objects(spec, list);
            for (int i = 0; i < cs.size(); i++) {
                imageWhitespace(Trees.str(cs.get(i), "image"), "spec." + list + "[" + i + "].image", errs);
            }
        }
    }

    private static void imageWhitespace(String image, String path, FieldErrors errs) {
        if (!image.strip().equals(image)) {
            errs.invalid(path, image, "must not have leading or trailing whitespace");
        }
    }

    private static Set<String> volumes(ObjectNode spec, FieldErrors errs) {
        Set<String> names = new HashSet<>();
        List<ObjectNode> vols = Trees.objects(spec, "volumes");
        for (int i = 0; i < vols.size(); i++) {
            String path = "spec.volumes[" + i + "]";
            ObjectNode v = vols.get(i);
            String name = Trees.str(v, "name");
            boolean ok = true;
            if (name.isEmpty()) {
                errs.required(path + ".name", "");
                ok = false;
            } else {
                List<String> msgs = Syntax.dns1123Label(name);
                errs.invalidAll(path + ".name", name, msgs);
                ok = msgs.isEmpty();
            }
            int sources = 0;
            for (var e : v.properties()) {
                if (PodDefaults.VOLUME_SOURCES.contains(e.getKey()) && !e.getValue().isNull()) {
                    sources++;
                }
            }
            if (sources == 0) {
                errs.required(path, "must specify a volume type");
                ok = false;
            } else if (sources > 1) {
                String second = v.properties().stream().map(java.util.Map.Entry::getKey)
                        .filter(PodDefaults.VOLUME_SOURCES::contains).skip(1).findFirst().orElse("");
                errs.forbidden(path + "." + second, "may not specify more than 1 volume type");
                ok = false;
            }
            if (ok) {
                if (!names.add(name)) {
                    errs.duplicate(path + ".name", name);
                }
            }
            serviceAccountTokenProjections(v, path, errs);
        }
        return names;
    }

    /** upstream {@code validateProjectionSources} for serviceAccountToken sources. */
    private static void serviceAccountTokenProjections(ObjectNode volume, String path, FieldErrors errs) {
        List<ObjectNode> sources = Trees.objects(Trees.obj(volume, "projected"), "sources");
        for (int j = 0; j < sources.size(); j++) {
            ObjectNode token = Trees.obj(sources.get(j), "serviceAccountToken");
            if (token == null) {
                continue;
            }
            String tokenPath = path + ".projected.sources[" + j + "].serviceAccountToken";
            Long seconds = Trees.longOrNull(token, "expirationSeconds");
            if (seconds != null && seconds < 600) {
                errs.invalid(tokenPath + ".expirationSeconds", new FieldErrors.Raw(seconds.toString()),
                        "may not specify a duration less than 10 minutes");
            }
            if (seconds != null && seconds > (1L << 32)) {
                errs.invalid(tokenPath + ".expirationSeconds", new FieldErrors.Raw(seconds.toString()),
                        "may not specify a duration larger than 2^32 seconds");
            }
            if (Trees.str(token, "path").isEmpty()) {
                errs.required(path + ".projected.path", "");
            }
        }
    }

    private static void container(ObjectNode c, String path, Set<String> volumes, FieldErrors errs) {
        String name = Trees.str(c, "name");
        if (name.isEmpty()) {
            errs.required(path + ".name", "");
        } else {
            errs.invalidAll(path + ".name", name, Syntax.dns1123Label(name));
        }
        if (Trees.str(c, "image").isEmpty()) {
            errs.required(path + ".image", "");
        }
        String tmp = Trees.str(c, "terminationMessagePolicy");
        switch (tmp) {
            case "File", "FallbackToLogsOnError" -> { }
            case "" -> errs.required(path + ".terminationMessagePolicy", "");
            default -> errs.notSupported(path + ".terminationMessagePolicy", tmp, List.of("File", "FallbackToLogsOnError"));
        }
        ports(Trees.objects(c, "ports"), path + ".ports", errs);
        env(Trees.objects(c, "env"), path + ".env", errs);
        volumeMounts(Trees.objects(c, "volumeMounts"), path + ".volumeMounts", volumes, errs);
        String policy = Trees.str(c, "imagePullPolicy");
        if (policy.isEmpty()) {
            errs.required(path + ".imagePullPolicy", "");
        } else if (!PULL_POLICIES.contains(policy)) {
            errs.notSupported(path + ".imagePullPolicy", policy, PULL_POLICIES);
        }
        resources(Trees.obj(c, "resources"), path + ".resources", errs);
    }

    private static void ports(List<ObjectNode> ports, String path, FieldErrors errs) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            ObjectNode p = ports.get(i);
            String idx = path + "[" + i + "]";
            String name = Trees.str(p, "name");
            if (!name.isEmpty()) {
                List<String> msgs = Syntax.portName(name);
                if (!msgs.isEmpty()) {
                    errs.invalidAll(idx + ".name", name, msgs);
                } else if (!names.add(name)) {
                    errs.duplicate(idx + ".name", name);
                }
            }
            long containerPort = p.path("containerPort").asLong(0);
            if (containerPort == 0) {
                errs.required(idx + ".containerPort", "");
            } else {
                errs.invalidAll(idx + ".containerPort", containerPort, Syntax.portNumber(containerPort));
            }
            long hostPort = p.path("hostPort").asLong(0);
            if (hostPort != 0) {
                errs.invalidAll(idx + ".hostPort", hostPort, Syntax.portNumber(hostPort));
            }
            ServiceRules.protocol(idx + ".protocol", Trees.str(p, "protocol"), errs);
        }
    }

    private static void env(List<ObjectNode> env, String path, FieldErrors errs) {
        for (int i = 0; i < env.size(); i++) {
            String name = Trees.str(env.get(i), "name");
            String idx = path + "[" + i + "].name";
            if (name.isEmpty()) {
                errs.required(idx, "");
            }
            errs.invalidAll(idx, name, Syntax.envVarName(name));
        }
    }

    private static void volumeMounts(List<ObjectNode> mounts, String path, Set<String> volumes, FieldErrors errs) {
        Set<String> mountPoints = new HashSet<>();
        for (int i = 0; i < mounts.size(); i++) {
            ObjectNode m = mounts.get(i);
            String idx = path + "[" + i + "]";
            String name = Trees.str(m, "name");
            if (name.isEmpty()) {
                errs.required(idx + ".name", "");
            }
            if (!volumes.contains(name)) {
                errs.notFound(idx + ".name", name);
            }
            String mountPath = Trees.str(m, "mountPath");
            if (mountPath.isEmpty()) {
                errs.required(idx + ".mountPath", "");
            }
            if (!mountPoints.add(mountPath)) {
                errs.invalid(idx + ".mountPath", mountPath, "must be unique");
            }
            String subPath = Trees.str(m, "subPath");
            if (!subPath.isEmpty()) {
                if (subPath.startsWith("/")) {
                    errs.invalid(idx + ".subPath", subPath, "must be a relative path");
                }
                for (String part : subPath.split("[/\\\\]")) {
                    if (part.equals("..")) {
                        errs.invalid(idx + ".subPath", subPath, "must not contain '..'");
                        break;
                    }
                }
            }
        }
    }

    private static void resources(ObjectNode resources, String path, FieldErrors errs) {
        if (resources == null) {
            return;
        }
        ObjectNode limits = Trees.obj(resources, "limits");
        ObjectNode requests = Trees.obj(resources, "requests");
        for (String list : List.of("limits", "requests")) {
            ObjectNode values = Trees.obj(resources, list);
            if (values == null) {
                continue;
            }
            for (var e : values.properties()) {
                Quantity q = Quantity.of("Pod", e.getValue());
                if (q.value().signum() < 0) {
                    errs.invalid(path + "." + list + "[" + e.getKey() + "]", q.text(), "must be greater than or equal to 0");
                }
            }
        }
        if (requests != null && limits != null) {
            for (var e : requests.properties()) {
                JsonNode limit = limits.get(e.getKey());
                if (limit == null) {
                    continue;
                }
                Quantity req = Quantity.of("Pod", e.getValue());
                Quantity lim = Quantity.of("Pod", limit);
                String rn = e.getKey();
                boolean overcommit = (!rn.contains("/") || rn.contains("kubernetes.io/")) && !rn.startsWith("hugepages-");
                if (!overcommit && req.compareTo(lim) != 0) {
                    errs.invalid(path + ".requests", req.text(), "must be equal to " + e.getKey() + " limit of " + lim.text());
                } else if (req.compareTo(lim) > 0) {
                    errs.invalid(path + ".requests", req.text(), "must be less than or equal to " + e.getKey() + " limit of " + lim.text());
                }
            }
        }
    }

    private static void restartPolicy(String policy, FieldErrors errs) {
        switch (policy) {
            case "Always", "OnFailure", "Never" -> { }
            case "" -> errs.required("spec.restartPolicy", "");
            default -> errs.notSupported("spec.restartPolicy", policy, List.of("Always", "OnFailure", "Never"));
        }
    }

    private static void dnsPolicy(String policy, FieldErrors errs) {
        switch (policy) {
            case "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None" -> { }
            case "" -> errs.required("spec.dnsPolicy", "");
            default -> errs.notSupported("spec.dnsPolicy", policy, List.of("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"));
        }
    }

    private static void tolerations(List<ObjectNode> tolerations, FieldErrors errs) {
        for (int i = 0; i < tolerations.size(); i++) {
            ObjectNode t = tolerations.get(i);
            String idx = "spec.tolerations[" + i + "]";
            String key = Trees.str(t, "key");
            if (!key.isEmpty()) {
                errs.invalidAll(idx + ".key", key, Syntax.qualifiedName(key));
            }
            String operator = Trees.str(t, "operator");
            if (key.isEmpty() && !operator.equals("Exists")) {
                errs.invalid(idx + ".operator", operator, "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
            }
            if (Trees.has(t, "tolerationSeconds") && !Trees.str(t, "effect").equals("NoExecute")) {
                errs.invalid(idx + ".effect", Trees.str(t, "effect"), "effect must be 'NoExecute' when `tolerationSeconds` is set");
            }
            switch (operator) {
                case "", "Equal" -> {
                    List<String> msgs = Syntax.labelValue(Trees.str(t, "value"));
                    if (!msgs.isEmpty()) {
                        errs.invalid(idx + ".operator", Trees.str(t, "value"), String.join(";", msgs));
                    }
                }
                case "Exists" -> {
                    if (!Trees.str(t, "value").isEmpty()) {
                        errs.invalid(idx + ".operator", new FieldErrors.Raw(t.toString()), "value must be empty when `operator` is 'Exists'");
                    }
                }
                default -> errs.notSupported(idx + ".operator", operator, List.of("Equal", "Exists"));
            }
            String effect = Trees.str(t, "effect");
            if (!effect.isEmpty() && !List.of("NoSchedule", "PreferNoSchedule", "NoExecute").contains(effect)) {
                errs.notSupported(idx + ".effect", effect, List.of("NoSchedule", "PreferNoSchedule", "NoExecute"));
            }
        }
    }

    /**
     * {@code ValidatePodUpdate}: only images, activeDeadlineSeconds, added tolerations and a
     * terminationGracePeriodSeconds of 1 after a negative one may change. Both pods are defaulted.
     */
    static void validateUpdate(ObjectNode newPod, ObjectNode oldPod, FieldErrors errs) {
        ObjectNode newSpec = Trees.obj(newPod, "spec") == null ? newPod.objectNode() : Trees.obj(newPod, "spec");
        ObjectNode oldSpec = Trees.obj(oldPod, "spec") == null ? oldPod.objectNode() : Trees.obj(oldPod, "spec");
        for (String list : List.of("containers", "initContainers")) {
            List<ObjectNode> n = Trees.objects(newSpec, list);
            List<ObjectNode> o = Trees.objects(oldSpec, list);
            if (n.size() != o.size()) {
                errs.forbidden("spec." + list, "pod updates may not add or remove containers");
                return;
            }
            for (int i = 0; i < n.size(); i++) {
                String image = Trees.str(n.get(i), "image");
                if (image.isEmpty()) {
                    errs.required("spec." + list + "[" + i + "].image", "");
                }
                imageWhitespace(image, "spec." + list + "[" + i + "].image", errs);
            }
        }
        Long newDeadline = Trees.longOrNull(newSpec, "activeDeadlineSeconds");
        Long oldDeadline = Trees.longOrNull(oldSpec, "activeDeadlineSeconds");
        if (newDeadline != null) {
            if (newDeadline < 0 || newDeadline > MAX_INT32) {
                errs.invalid("spec.activeDeadlineSeconds", newDeadline, Syntax.inclusiveRangeError(0, MAX_INT32));
                return;
            }
            if (oldDeadline != null && oldDeadline < newDeadline) {
                errs.invalid("spec.activeDeadlineSeconds", newDeadline, "must be less than or equal to previous value");
                return;
            }
        } else if (oldDeadline != null) {
            errs.invalid("spec.activeDeadlineSeconds", null, "must not update from a positive integer to nil value");
        }
        onlyAddedTolerations(Trees.objects(newSpec, "tolerations"), Trees.objects(oldSpec, "tolerations"), errs);

        if (TreeEquality.equal(newSpec, oldSpec)) {
            return;
        }
        ObjectNode munged = newSpec.deepCopy();
        for (String list : List.of("containers", "initContainers")) {
            List<ObjectNode> m = Trees.objects(munged, list);
            List<ObjectNode> o = Trees.objects(oldSpec, list);
            for (int i = 0; i < m.size() && i < o.size(); i++) {
                copyField(o.get(i), m.get(i), "image");
            }
        }
        copyField(oldSpec, munged, "activeDeadlineSeconds");
        copyField(oldSpec, munged, "tolerations");
        copyField(oldSpec, munged, "schedulingGates");
        Long oldGrace = Trees.longOrNull(oldSpec, "terminationGracePeriodSeconds");
        Long newGrace = Trees.longOrNull(munged, "terminationGracePeriodSeconds");
        if (oldGrace != null && oldGrace < 0 && newGrace != null && newGrace == 1) {
            copyField(oldSpec, munged, "terminationGracePeriodSeconds");
        }
        if (!TreeEquality.equal(munged, oldSpec)) {
            errs.forbidden("spec", "pod updates may not change fields other than " + UPDATABLE_FIELDS + "\n"
                    + TreeEquality.describeDifferences(oldSpec, munged));
        }
    }

    private static void copyField(ObjectNode from, ObjectNode to, String field) {
        if (from.has(field)) {
            to.set(field, from.get(field).deepCopy());
        } else {
            to.remove(field);
        }
    }

    private static void onlyAddedTolerations(List<ObjectNode> newTolerations, List<ObjectNode> oldTolerations, FieldErrors errs) {
        for (ObjectNode old : oldTolerations) {
            boolean found = false;
            for (ObjectNode n : newTolerations) {
                ObjectNode clone = old.deepCopy();
                copyField(n, clone, "tolerationSeconds");
                if (TreeEquality.equal(clone, n)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                errs.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds");
                return;
            }
        }
        tolerations(newTolerations, errs);
    }
}
