package dev.j8s.apiserver.authorization.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Authorizer;
import dev.j8s.apiserver.authorization.Forbidden;
import dev.j8s.apiserver.errors.ApiError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Escalation prevention, as upstream's policy-based RBAC storage: a user may write a Role or ClusterRole only with
 * rules it already holds (in the role's namespace, or cluster-wide for a ClusterRole) unless it may
 * {@code escalate} roles, and may bind a role only when it holds the role's rules unless it may {@code bind} it;
 * {@code system:masters} may do both. Thread-safe.
 */
public final class Escalation {

    private static final List<PolicyRule> FULL_AUTHORITY = List.of(
            PolicyRule.resources(List.of("*"), List.of("*"), List.of("*")),
            PolicyRule.urls(List.of("*"), List.of("*")));

    private final RuleResolver resolver;
    private final Authorizer authorizer;

    public Escalation(RuleResolver resolver, Authorizer authorizer) {
        this.resolver = resolver;
        this.authorizer = authorizer;
    }

    /**
     * Checks a Role ({@code resource} {@code roles}) or ClusterRole ({@code clusterroles}) about to be written.
     *
     * @param old the stored object for an update
     * @throws ApiError.Forbidden with upstream's {@code is attempting to grant RBAC permissions not currently held}
     */
    public void checkRole(UserInfo user, String resource, String namespace, ObjectNode role, Optional<ObjectNode> old) {
        if (user.inGroup(UserInfo.MASTERS)) {
            return;
        }
        String name = role.path("metadata").path("name").asText("");
        if (old.isPresent() && onlyGarbageCollectionFieldsChange(old.get(), role)) {
            return;
        }
        Attributes escalate = Attributes.resource(user, "escalate", RbacIndex.GROUP, "*", namespace, resource, "",
                old.isPresent() ? name : "");
        if (authorizer.authorize(escalate).allowed()) {
            return;
        }
        String qualified = resource + "." + RbacIndex.GROUP;
        confirmNoEscalation(user, namespace, PolicyRule.fromObject(role))
                .ifPresent(why -> {
                    throw ApiError.Forbidden.of(qualified, name, why);
                });
        if (resource.equals("clusterroles") && role.path("aggregationRule").isObject()
                && confirmNoEscalation(user, namespace, FULL_AUTHORITY).isPresent()) {
            throw ApiError.Forbidden.of(qualified, name, "must have cluster-admin privileges to use the aggregationRule");
        }
    }

    /**
     * Checks a RoleBinding ({@code rolebindings}) or ClusterRoleBinding ({@code clusterrolebindings}) about to be
     * written.
     *
     * @throws ApiError.Forbidden when the user holds neither {@code bind} nor the role's rules
     * @throws ApiError.NotFound when the role is missing and the user may not bind it
     */
    public void checkBinding(UserInfo user, String resource, String namespace, ObjectNode binding,
                             Optional<ObjectNode> old) {
        if (user.inGroup(UserInfo.MASTERS)) {
            return;
        }
        if (old.isPresent() && onlyGarbageCollectionFieldsChange(old.get(), binding)) {
            return;
        }
        RbacIndex.Binding b = RbacIndex.Binding.from(binding);
        String roleResource = switch (b.roleRef().kind()) {
            case "ClusterRole" -> "clusterroles";
            case "Role" -> "roles";
            default -> "";
        };
        if (!roleResource.isEmpty()) {
            Attributes bind = Attributes.resource(user, "bind", b.roleRef().apiGroup(), "", namespace, roleResource, "",
                    b.roleRef().name());
            if (authorizer.authorize(bind).allowed()) {
                return;
            }
        }
        List<PolicyRule> rules;
        try {
            rules = resolver.roleReferenceRules(b.roleRef(), namespace);
        } catch (RuleResolver.RoleNotFound e) {
            String kind = b.roleRef().kind().equals("Role") ? "role" : "clusterrole";
            throw new ApiError.NotFound(kind + "." + RbacIndex.GROUP, b.roleRef().name());
        }
        confirmNoEscalation(user, namespace, rules).ifPresent(why -> {
            throw ApiError.Forbidden.of(resource + "." + RbacIndex.GROUP, b.name(), why);
        });
    }

    /**
     * Upstream's {@code ConfirmNoEscalation}: empty when the user's rules in {@code namespace} cover {@code rules},
     * else why not (the missing rules compacted, sorted, one per line).
     */
    public Optional<String> confirmNoEscalation(UserInfo user, String namespace, List<PolicyRule> rules) {
        RuleResolver.Resolved owner = resolver.rulesFor(user, namespace);
        List<PolicyRule> missing = uncovered(owner.rules(), rules);
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        TreeSet<String> descriptions = new TreeSet<>();
        for (PolicyRule r : compact(missing)) {
            descriptions.add(r.compactString());
        }
        String message = "user " + Forbidden.quote(user.name()) + " (groups=" + PolicyRule.goStrings(user.groups())
                + ") is attempting to grant RBAC permissions not currently held:\n" + String.join("\n", descriptions);
        if (!owner.errors().isEmpty()) {
            message += "; resolution errors: [" + owner.errorText() + "]";
        }
        return Optional.of(message);
    }

    /** Upstream's {@code Covers}: the single-verb, single-resource, single-name parts of {@code servant} no owner rule covers. */
    public static List<PolicyRule> uncovered(List<PolicyRule> owner, List<PolicyRule> servant) {
        List<PolicyRule> missing = new ArrayList<>();
        for (PolicyRule rule : servant) {
            for (PolicyRule sub : breakdown(rule)) {
                if (owner.stream().noneMatch(o -> covers(o, sub))) {
                    missing.add(sub);
                }
            }
        }
        return missing;
    }

    /** Upstream's {@code BreakdownRule}. */
    static List<PolicyRule> breakdown(PolicyRule rule) {
        List<PolicyRule> out = new ArrayList<>();
        for (String group : rule.apiGroups()) {
            for (String resource : rule.resources()) {
                for (String verb : rule.verbs()) {
                    if (rule.resourceNames().isEmpty()) {
                        out.add(PolicyRule.resources(List.of(verb), List.of(group), List.of(resource)));
                    } else {
                        for (String name : rule.resourceNames()) {
                            out.add(PolicyRule.resources(List.of(verb), List.of(group), List.of(resource))
                                    .withNames(List.of(name)));
                        }
                    }
                }
            }
        }
        for (String url : rule.nonResourceURLs()) {
            for (String verb : rule.verbs()) {
                out.add(PolicyRule.urls(List.of(verb), List.of(url)));
            }
        }
        return out;
    }

    /** Upstream's {@code ruleCovers} for a rule broken down to single values. */
    static boolean covers(PolicyRule owner, PolicyRule sub) {
        boolean verbs = owner.verbs().contains(PolicyRule.ALL) || owner.verbs().containsAll(sub.verbs());
        boolean groups = owner.apiGroups().contains(PolicyRule.ALL) || owner.apiGroups().containsAll(sub.apiGroups());
        boolean resources = resourcesCover(owner.resources(), sub.resources());
        boolean urls = sub.nonResourceURLs().stream().allMatch(u -> owner.nonResourceURLs().stream()
                .anyMatch(o -> o.equals(u) || (o.endsWith("*") && u.startsWith(o.substring(0, o.length() - 1)))));
        boolean names = sub.resourceNames().isEmpty() ? owner.resourceNames().isEmpty()
                : owner.resourceNames().isEmpty() || owner.resourceNames().containsAll(sub.resourceNames());
        return verbs && groups && resources && names && urls;
    }

    private static boolean resourcesCover(List<String> owner, List<String> wanted) {
        if (owner.contains(PolicyRule.ALL) || owner.containsAll(wanted)) {
            return true;
        }
        for (String path : wanted) {
            if (owner.contains(path)) {
                continue;
            }
            int slash = path.indexOf('/');
            if (slash < 0 || !owner.contains("*/" + path.substring(slash + 1))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Upstream's {@code CompactRules}: rules of one group, one resource and at most one name that differ only by
     * verb become one rule (their verbs in order); other rules stay as they are.
     */
    static List<PolicyRule> compact(List<PolicyRule> rules) {
        List<PolicyRule> out = new ArrayList<>();
        Map<List<String>, List<String>> simple = new LinkedHashMap<>();
        Map<List<String>, PolicyRule> firstOf = new LinkedHashMap<>();
        for (PolicyRule r : rules) {
            boolean isSimple = r.nonResourceURLs().isEmpty() && r.resourceNames().size() <= 1
                    && r.apiGroups().size() == 1 && r.resources().size() == 1;
            if (!isSimple) {
                out.add(r);
                continue;
            }
            List<String> key = List.of(r.apiGroups().getFirst(), r.resources().getFirst(),
                    r.resourceNames().isEmpty() ? "" : r.resourceNames().getFirst(),
                    r.resourceNames().isEmpty() ? "-" : "+");
            simple.computeIfAbsent(key, k -> new ArrayList<>()).addAll(r.verbs());
            firstOf.putIfAbsent(key, r);
        }
        simple.forEach((key, verbs) -> {
            PolicyRule first = firstOf.get(key);
            out.add(new PolicyRule(verbs, first.apiGroups(), first.resources(), first.resourceNames(), List.of()));
        });
        return out;
    }

    /** Upstream's {@code IsOnlyMutatingGCFields}: the change touches owner references and finalizers at most. */
    static boolean onlyGarbageCollectionFieldsChange(JsonNode old, JsonNode updated) {
        return withoutGcFields(old).equals(withoutGcFields(updated));
    }

    private static JsonNode withoutGcFields(JsonNode o) {
        ObjectNode copy = o.deepCopy();
        if (copy.get("metadata") instanceof ObjectNode meta) {
            meta.remove(List.of("ownerReferences", "finalizers", "resourceVersion", "managedFields", "generation"));
        }
        return copy;
    }
}
