package dev.j8s.apiserver.authorization.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.json.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * One RBAC rule ({@code rbac.authorization.k8s.io/v1 PolicyRule}) and upstream's matching of a request against it
 * ({@code RuleAllows}: verb, group, resource or {@code res/sub} or {@code *}{@code /sub}, resource name; for
 * non-resource requests verb and URL, a trailing {@code *} matching a prefix). Immutable and thread-safe.
 */
public record PolicyRule(List<String> verbs, List<String> apiGroups, List<String> resources,
                         List<String> resourceNames, List<String> nonResourceURLs) {

    public static final String ALL = "*";

    public PolicyRule {
        verbs = List.copyOf(verbs);
        apiGroups = List.copyOf(apiGroups);
        resources = List.copyOf(resources);
        resourceNames = List.copyOf(resourceNames);
        nonResourceURLs = List.copyOf(nonResourceURLs);
    }

    /** A resource rule. */
    public static PolicyRule resources(List<String> verbs, List<String> groups, List<String> resources) {
        return new PolicyRule(verbs, groups, resources, List.of(), List.of());
    }

    /** A non-resource rule. */
    public static PolicyRule urls(List<String> verbs, List<String> urls) {
        return new PolicyRule(verbs, List.of(), List.of(), List.of(), urls);
    }

    public PolicyRule withNames(List<String> names) {
        return new PolicyRule(verbs, apiGroups, resources, names, nonResourceURLs);
    }

    /** The rules of a Role or ClusterRole object ({@code rules}, absent or null meaning none). */
    public static List<PolicyRule> fromObject(JsonNode role) {
        List<PolicyRule> rules = new ArrayList<>();
        for (JsonNode r : role.path("rules")) {
            rules.add(from(r));
        }
        return rules;
    }

    public static PolicyRule from(JsonNode r) {
        return new PolicyRule(strings(r.get("verbs")), strings(r.get("apiGroups")), strings(r.get("resources")),
                strings(r.get("resourceNames")), strings(r.get("nonResourceURLs")));
    }

    /** The rule as its JSON object, with only the lists that are set. */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        put(o, "verbs", verbs, true);
        put(o, "apiGroups", apiGroups, false);
        put(o, "resources", resources, false);
        put(o, "resourceNames", resourceNames, false);
        put(o, "nonResourceURLs", nonResourceURLs, false);
        return o;
    }

    private static void put(ObjectNode o, String field, List<String> values, boolean always) {
        if (values.isEmpty() && !always) {
            return;
        }
        ArrayNode a = o.putArray(field);
        values.forEach(a::add);
    }

    static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node != null && node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    /** Upstream's {@code RuleAllows}. */
    public boolean allows(Attributes a) {
        if (a.resourceRequest()) {
            return verbMatches(a.verb()) && groupMatches(a.apiGroup())
                    && resourceMatches(a.combinedResource(), a.subresource()) && nameMatches(a.name());
        }
        return verbMatches(a.verb()) && urlMatches(a.path());
    }

    boolean verbMatches(String verb) {
        return verbs.contains(ALL) || verbs.contains(verb);
    }

    boolean groupMatches(String group) {
        return apiGroups.contains(ALL) || apiGroups.contains(group);
    }

    boolean resourceMatches(String combined, String subresource) {
        for (String r : resources) {
            if (r.equals(ALL) || r.equals(combined)) {
                return true;
            }
            if (!subresource.isEmpty() && r.length() == subresource.length() + 2 && r.startsWith("*/")
                    && r.endsWith(subresource)) {
                return true;
            }
        }
        return false;
    }

    boolean nameMatches(String name) {
        return resourceNames.isEmpty() || resourceNames.contains(name);
    }

    boolean urlMatches(String url) {
        for (String u : nonResourceURLs) {
            if (u.equals(ALL) || u.equals(url)) {
                return true;
            }
            if (u.endsWith("*") && url.startsWith(u.substring(0, u.length() - 1))) {
                return true;
            }
        }
        return false;
    }

    /** Upstream's {@code CompactString}: {@code {APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}}. */
    public String compactString() {
        List<String> parts = new ArrayList<>();
        if (!apiGroups.isEmpty()) {
            parts.add("APIGroups:" + goStrings(apiGroups));
        }
        if (!resources.isEmpty()) {
            parts.add("Resources:" + goStrings(resources));
        }
        if (!nonResourceURLs.isEmpty()) {
            parts.add("NonResourceURLs:" + goStrings(nonResourceURLs));
        }
        if (!resourceNames.isEmpty()) {
            parts.add("ResourceNames:" + goStrings(resourceNames));
        }
        if (!verbs.isEmpty()) {
            parts.add("Verbs:" + goStrings(verbs));
        }
        return "{" + String.join(", ", parts) + "}";
    }

    /** Go's {@code %q} of a {@code []string}: {@code ["a" "b"]}. */
    static String goStrings(List<String> values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(dev.j8s.apiserver.authorization.Forbidden.quote(values.get(i)));
        }
        return sb.append(']').toString();
    }
}
