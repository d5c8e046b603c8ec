package dev.j8s.apiserver.authorization.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.storage.Store;
import dev.j8s.apiserver.storage.WatchEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The RBAC objects in memory, as upstream's authorizer reads them through informer listers: Roles, ClusterRoles,
 * RoleBindings and ClusterRoleBindings, kept current by store watches whose events arrive before the write that
 * caused them returns (so a binding created by one request governs the next). Thread-safe.
 */
public final class RbacIndex implements AutoCloseable {

    public static final String GROUP = "rbac.authorization.k8s.io";
    public static final String ROLES = "roles." + GROUP;
    public static final String CLUSTER_ROLES = "clusterroles." + GROUP;
    public static final String ROLE_BINDINGS = "rolebindings." + GROUP;
    public static final String CLUSTER_ROLE_BINDINGS = "clusterrolebindings." + GROUP;

    /** A binding's {@code roleRef}. */
    public record RoleRef(String apiGroup, String kind, String name) {}

    /** One subject of a binding. */
    public record Subject(String kind, String apiGroup, String name, String namespace) {}

    /** A RoleBinding ({@code namespace} set) or ClusterRoleBinding. */
    public record Binding(String namespace, String name, RoleRef roleRef, List<Subject> subjects) {
        public Binding {
            subjects = List.copyOf(subjects);
        }

        static Binding from(JsonNode o) {
            JsonNode ref = o.path("roleRef");
            List<Subject> subjects = new ArrayList<>();
            for (JsonNode s : o.path("subjects")) {
                subjects.add(new Subject(s.path("kind").asText(""), s.path("apiGroup").asText(""),
                        s.path("name").asText(""), s.path("namespace").asText("")));
            }
            return new Binding(Json.namespace(o), Json.name(o), new RoleRef(ref.path("apiGroup").asText(""),
                    ref.path("kind").asText(""), ref.path("name").asText("")), subjects);
        }
    }

    private final Map<String, List<PolicyRule>> clusterRoles = new ConcurrentHashMap<>();
    private final Map<String, List<PolicyRule>> roles = new ConcurrentHashMap<>();
    private final Map<String, Binding> clusterRoleBindings = new ConcurrentSkipListMap<>();
    private final Map<String, Map<String, Binding>> roleBindings = new ConcurrentHashMap<>();
    private final List<Store.Watch> watches = new ArrayList<>();

    /** An index fed by {@code store}'s watches from now on (the current objects are loaded first). */
    public static RbacIndex watching(Store store) {
        RbacIndex index = new RbacIndex();
        index.watches.add(store.watch(CLUSTER_ROLES, "", 0, index::onClusterRole));
        index.watches.add(store.watch(ROLES, "", 0, index::onRole));
        index.watches.add(store.watch(CLUSTER_ROLE_BINDINGS, "", 0, index::onClusterRoleBinding));
        index.watches.add(store.watch(ROLE_BINDINGS, "", 0, index::onRoleBinding));
        return index;
    }

    /** An index over fixed objects (tests): each a Role, ClusterRole, RoleBinding or ClusterRoleBinding tree. */
    public static RbacIndex of(Collection<? extends JsonNode> objects) {
        RbacIndex index = new RbacIndex();
        for (JsonNode o : objects) {
            WatchEvent e = new WatchEvent(WatchEvent.Type.ADDED, "", Json.namespace(o), Json.name(o), 1,
                    (com.fasterxml.jackson.databind.node.ObjectNode) o);
            switch (o.path("kind").asText()) {
                case "ClusterRole" -> index.onClusterRole(e);
                case "Role" -> index.onRole(e);
                case "ClusterRoleBinding" -> index.onClusterRoleBinding(e);
                case "RoleBinding" -> index.onRoleBinding(e);
                default -> throw new IllegalArgumentException("not an RBAC object: " + o.path("kind").asText());
            }
        }
        return index;
    }

    private void onClusterRole(WatchEvent e) {
        if (e.type() == WatchEvent.Type.DELETED) {
            clusterRoles.remove(e.name());
        } else {
            clusterRoles.put(e.name(), PolicyRule.fromObject(e.object()));
        }
    }

    private void onRole(WatchEvent e) {
        String key = e.namespace() + "/" + e.name();
        if (e.type() == WatchEvent.Type.DELETED) {
            roles.remove(key);
        } else {
            roles.put(key, PolicyRule.fromObject(e.object()));
        }
    }

    private void onClusterRoleBinding(WatchEvent e) {
        if (e.type() == WatchEvent.Type.DELETED) {
            clusterRoleBindings.remove(e.name());
        } else {
            clusterRoleBindings.put(e.name(), Binding.from(e.object()));
        }
    }

    private void onRoleBinding(WatchEvent e) {
        Map<String, Binding> inNamespace = roleBindings.computeIfAbsent(e.namespace(),
                ns -> new ConcurrentSkipListMap<>());
        if (e.type() == WatchEvent.Type.DELETED) {
            inNamespace.remove(e.name());
        } else {
            inNamespace.put(e.name(), Binding.from(e.object()));
        }
    }

    Optional<List<PolicyRule>> clusterRole(String name) {
        return Optional.ofNullable(clusterRoles.get(name));
    }

    Optional<List<PolicyRule>> role(String namespace, String name) {
        return Optional.ofNullable(roles.get(namespace + "/" + name));
    }

    Collection<Binding> clusterRoleBindings() {
        return clusterRoleBindings.values();
    }

    Collection<Binding> roleBindings(String namespace) {
        Map<String, Binding> inNamespace = roleBindings.get(namespace);
        return inNamespace == null ? List.of() : inNamespace.values();
    }

    @Override
    public void close() {
        watches.forEach(Store.Watch::close);
    }
}
