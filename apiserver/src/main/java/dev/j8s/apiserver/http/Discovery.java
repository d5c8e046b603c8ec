package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Resources;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The discovery documents, aggregated (apidiscovery.k8s.io v2 and v2beta1) and legacy, built
 * from the resource table; mirrors apiserver/pkg/endpoints/discovery. Immutable and thread-safe.
 */
final class Discovery {

    private final Resources resources;
    /** Group name ("" for core) to its resources, in table order. */
    private final Map<String, List<ResourceType>> byGroup = new LinkedHashMap<>();

    Discovery(Resources resources) {
        this.resources = resources;
        for (ResourceType t : resources.all()) {
            byGroup.computeIfAbsent(t.group(), g -> new java.util.ArrayList<>()).add(t);
        }
    }

    /** Content-Type of an aggregated response. */
    static String aggregatedContentType(String version) {
        return "application/json;g=apidiscovery.k8s.io;v=" + version + ";as=APIGroupDiscoveryList";
    }

    /** GET /api or /apis in aggregated form: {@code core} selects the core group or every other. */
    ObjectNode aggregated(boolean core, String version) {
        ObjectNode list = Json.object();
        list.put("kind", "APIGroupDiscoveryList");
        list.put("apiVersion", "apidiscovery.k8s.io/" + version);
        list.putObject("metadata");
        ArrayNode items = list.putArray("items");
        byGroup.forEach((group, types) -> {
            if (group.isEmpty() != core) {
                return;
            }
            ObjectNode item = items.addObject();
            ObjectNode meta = item.putObject("metadata");
            if (!group.isEmpty()) {
                meta.put("name", group);
            }
            meta.putNull("creationTimestamp");
            ArrayNode versions = item.putArray("versions");
            types.stream().map(ResourceType::version).distinct().forEach(v -> {
                ObjectNode ver = versions.addObject();
                ver.put("version", v);
                ArrayNode rs = ver.putArray("resources");
                for (ResourceType t : types) {
                    if (!t.version().equals(v)) {
                        continue;
                    }
                    ObjectNode r = rs.addObject();
                    r.put("resource", t.plural());
                    r.set("responseKind", kind(t.group(), t.version(), t.kind()));
                    r.put("scope", t.namespaced() ? "Namespaced" : "Cluster");
                    r.put("singularResource", t.singular());
                    strings(r.putArray("verbs"), t.verbs());
                    if (!t.shortNames().isEmpty()) {
                        strings(r.putArray("shortNames"), t.shortNames());
                    }
                    if (!t.categories().isEmpty()) {
                        strings(r.putArray("categories"), t.categories());
                    }
                    if (!t.subresources().isEmpty()) {
                        ArrayNode subs = r.putArray("subresources");
                        for (ResourceType.Subresource s : t.subresources()) {
                            ObjectNode so = subs.addObject();
                            so.put("subresource", s.name());
                            so.set("responseKind", kind(s.group(), s.version(), s.kind()));
                            strings(so.putArray("verbs"), s.verbs());
                        }
                    }
                }
                ver.put("freshness", "Current");
            });
        });
        return list;
    }

    /** GET /api in legacy form. */
    ObjectNode legacyCoreVersions(String serverAddress) {
        ObjectNode o = Json.object();
        o.put("kind", "APIVersions");
        o.putArray("versions").add("v1");
        ObjectNode cidr = o.putArray("serverAddressByClientCIDRs").addObject();
        cidr.put("clientCIDR", "0.0.0.0/0");
        cidr.put("serverAddress", serverAddress);
        return o;
    }

    /** GET /apis in legacy form. */
    ObjectNode legacyGroupList() {
        ObjectNode o = Json.object();
        o.put("kind", "APIGroupList");
        o.put("apiVersion", "v1");
        ArrayNode groups = o.putArray("groups");
        byGroup.keySet().stream().filter(g -> !g.isEmpty()).forEach(g -> groups.add(group(g)));
        return o;
    }

    /** GET /apis/{group} in legacy form. */
    Optional<ObjectNode> legacyGroup(String group) {
        if (group.isEmpty() || !byGroup.containsKey(group)) {
            return Optional.empty();
        }
        ObjectNode g = group(group);
        g.put("kind", "APIGroup");
        g.put("apiVersion", "v1");
        return Optional.of(g);
    }

    private ObjectNode group(String group) {
        ObjectNode g = Json.object();
        g.put("name", group);
        ArrayNode versions = g.putArray("versions");
        List<String> vs = byGroup.get(group).stream().map(ResourceType::version).distinct().toList();
        for (String v : vs) {
            ObjectNode gv = versions.addObject();
            gv.put("groupVersion", group + "/" + v);
            gv.put("version", v);
        }
        ObjectNode pref = g.putObject("preferredVersion");
        pref.put("groupVersion", group + "/" + vs.getFirst());
        pref.put("version", vs.getFirst());
        return g;
    }

    /** GET /api/v1 or /apis/{group}/{version}: the APIResourceList. */
    Optional<ObjectNode> resourceList(String group, String version) {
        List<ResourceType> types = resources.all().stream()
                .filter(t -> t.group().equals(group) && t.version().equals(version)).toList();
        if (types.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode o = Json.object();
        o.put("kind", "APIResourceList");
        o.put("apiVersion", "v1");
        o.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode rs = o.putArray("resources");
        for (ResourceType t : types) {
            ObjectNode r = rs.addObject();
            r.put("name", t.plural());
            r.put("singularName", t.singular());
            r.put("namespaced", t.namespaced());
            r.put("kind", t.kind());
            strings(r.putArray("verbs"), t.verbs());
            if (!t.shortNames().isEmpty()) {
                strings(r.putArray("shortNames"), t.shortNames());
            }
            if (!t.categories().isEmpty()) {
                strings(r.putArray("categories"), t.categories());
            }
            for (ResourceType.Subresource s : t.subresources()) {
                ObjectNode so = rs.addObject();
                so.put("name", t.plural() + "/" + s.name());
                so.put("singularName", "");
                so.put("namespaced", t.namespaced());
                if (!s.group().equals(t.group()) || !s.version().equals(t.version())) {
                    so.put("group", s.group());
                    so.put("version", s.version());
                }
                so.put("kind", s.kind());
                strings(so.putArray("verbs"), s.verbs());
            }
        }
        return Optional.of(o);
    }

    private static ObjectNode kind(String group, String version, String kind) {
        ObjectNode k = Json.object();
        k.put("group", group);
        k.put("version", version);
        k.put("kind", kind);
        return k;
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}
