package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.validation.Syntax;
import java.util.List;

/**
 * Defaults and validation of Roles, ClusterRoles and their bindings, worded as upstream's
 * {@code pkg/apis/rbac/v1/defaults.go} and {@code pkg/apis/rbac/validation}. Stateless.
 */
final class RbacRules {

    static final String GROUP = "rbac.authorization.k8s.io";

    private RbacRules() {}

    /** A binding's roleRef.apiGroup and its subjects' apiGroups get their defaults. */
    static void bindingDefaults(ObjectNode binding) {
        ObjectNode ref = Trees.obj(binding, "roleRef");
        if (ref != null && Trees.str(ref, "apiGroup").isEmpty()) {
            ref.put("apiGroup", GROUP);
        }
        for (ObjectNode s : Trees.objects(binding, "subjects")) {
            if (Trees.str(s, "apiGroup").isEmpty()) {
                switch (Trees.str(s, "kind")) {
                    case "User", "Group" -> s.put("apiGroup", GROUP);
                    case "ServiceAccount" -> s.put("apiGroup", "");
                    default -> { }
                }
            }
        }
    }

    /** Rules of a Role ({@code namespaced}) or ClusterRole. */
    static void validateRole(ObjectNode role, boolean namespaced, FieldErrors errs) {
        List<ObjectNode> rules = Trees.objects(role, "rules");
        for (int i = 0; i < rules.size(); i++) {
            rule(rules.get(i), namespaced, "rules[" + i + "]", errs);
        }
    }

    private static void rule(ObjectNode rule, boolean namespaced, String path, FieldErrors errs) {
        if (Trees.arraySize(rule, "verbs") == 0) {
            errs.required(path + ".verbs", "verbs must contain at least one value");
        }
        List<String> urls = MetaRules.strings(rule.get("nonResourceURLs"));
        if (!urls.isEmpty()) {
            if (namespaced) {
                errs.invalid(path + ".nonResourceURLs", urls, "namespaced rules cannot apply to non-resource URLs");
            }
            if (Trees.arraySize(rule, "apiGroups") > 0 || Trees.arraySize(rule, "resources") > 0
                    || Trees.arraySize(rule, "resourceNames") > 0) {
                errs.invalid(path + ".nonResourceURLs", urls,
                        "rules cannot apply to both regular resources and non-resource URLs");
            }
            return;
        }
        if (Trees.arraySize(rule, "apiGroups") == 0) {
            errs.required(path + ".apiGroups", "resource rules must supply at least one api group");
        }
        if (Trees.arraySize(rule, "resources") == 0) {
            errs.required(path + ".resources", "resource rules must supply at least one resource");
        }
    }

    /** A RoleBinding ({@code namespaced}) or ClusterRoleBinding. */
    static void validateBinding(ObjectNode binding, boolean namespaced, FieldErrors errs) {
        ObjectNode ref = Trees.obj(binding, "roleRef");
        String apiGroup = ref == null ? "" : Trees.str(ref, "apiGroup");
        String kind = ref == null ? "" : Trees.str(ref, "kind");
        String name = ref == null ? "" : Trees.str(ref, "name");
        if (!apiGroup.equals(GROUP)) {
            errs.notSupported("roleRef.apiGroup", apiGroup, List.of(GROUP));
        }
        if (namespaced && !kind.equals("Role") && !kind.equals("ClusterRole")) {
            errs.notSupported("roleRef.kind", kind, List.of("Role", "ClusterRole"));
        } else if (!namespaced && !kind.equals("ClusterRole")) {
            errs.notSupported("roleRef.kind", kind, List.of("ClusterRole"));
        }
        if (name.isEmpty()) {
            errs.required("roleRef.name", "");
        } else {
            errs.invalidAll("roleRef.name", name, Syntax.pathSegment(name, false));
        }
        List<ObjectNode> subjects = Trees.objects(binding, "subjects");
        for (int i = 0; i < subjects.size(); i++) {
            subject(subjects.get(i), namespaced, "subjects[" + i + "]", errs);
        }
    }

    private static void subject(ObjectNode s, boolean namespaced, String path, FieldErrors errs) {
        String name = Trees.str(s, "name");
        String apiGroup = Trees.str(s, "apiGroup");
        if (name.isEmpty()) {
            errs.required(path + ".name", "");
        }
        switch (Trees.str(s, "kind")) {
            case "ServiceAccount" -> {
                if (!name.isEmpty()) {
                    errs.invalidAll(path + ".name", name, Syntax.dns1123Subdomain(name));
                }
                if (!apiGroup.isEmpty()) {
                    errs.notSupported(path + ".apiGroup", apiGroup, List.of(""));
                }
                if (!namespaced && Trees.str(s, "namespace").isEmpty()) {
                    errs.required(path + ".namespace", "");
                }
            }
            case "User", "Group" -> {
                if (!apiGroup.equals(GROUP)) {
                    errs.notSupported(path + ".apiGroup", apiGroup, List.of(GROUP));
                }
            }
            default -> errs.notSupported(path + ".kind", Trees.str(s, "kind"), List.of("ServiceAccount", "User", "Group"));
        }
    }

    /** upstream {@code ValidateRoleBindingUpdate}: the roleRef is immutable. */
    static void validateBindingUpdate(ObjectNode binding, ObjectNode old, FieldErrors errs) {
        JsonNode ref = binding.path("roleRef");
        JsonNode oldRef = old.path("roleRef");
        if (!ref.path("apiGroup").asText("").equals(oldRef.path("apiGroup").asText(""))
                || !ref.path("kind").asText("").equals(oldRef.path("kind").asText(""))
                || !ref.path("name").asText("").equals(oldRef.path("name").asText(""))) {
            errs.invalid("roleRef", new FieldErrors.Raw("rbac.RoleRef{APIGroup:" + FieldErrors.goQuote(ref.path("apiGroup").asText(""))
                    + ", Kind:" + FieldErrors.goQuote(ref.path("kind").asText("")) + ", Name:"
                    + FieldErrors.goQuote(ref.path("name").asText("")) + "}"), "cannot change roleRef");
        }
    }
}
