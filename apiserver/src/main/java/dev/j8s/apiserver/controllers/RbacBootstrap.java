package dev.j8s.apiserver.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authorization.rbac.BootstrapPolicy;
import dev.j8s.apiserver.authorization.rbac.Escalation;
import dev.j8s.apiserver.authorization.rbac.PolicyRule;
import dev.j8s.apiserver.authorization.rbac.RbacIndex;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.rest.ObjectService;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reconciles the bootstrap ClusterRoles and ClusterRoleBindings at every start, as upstream's
 * {@code rbac/bootstrap-roles} post-start hook: missing ones are created; existing ones annotated
 * {@code rbac.authorization.kubernetes.io/autoupdate: "true"} (or not annotated) get the rules, aggregation
 * selectors, subjects, labels and annotations they miss — nothing is removed; a binding whose roleRef differs is
 * replaced; {@code autoupdate: "false"} leaves an object alone. Not thread-safe; runs once before serving (its objects in parallel).
 */
final class RbacBootstrap {

    private static final System.Logger LOG = System.getLogger(RbacBootstrap.class.getName());

    private final ObjectService objects;

    RbacBootstrap(ObjectService objects) {
        this.objects = objects;
    }

    void reconcile() {
        ResourceType roles = type("clusterroles");
        ResourceType bindings = type("clusterrolebindings");
        // each object on its own virtual thread: a fresh store's hundred creates share a few commits (group commit)
        // rather than one fsync each, which was most of a first start's time to ready
        int changed = reconcileAll(roles, BootstrapPolicy.clusterRoles(), RbacBootstrap::reconcileRole)
                + reconcileAll(bindings, BootstrapPolicy.clusterRoleBindings(), RbacBootstrap::reconcileBinding);
        if (changed > 0) {
            LOG.log(Level.INFO, "reconciled bootstrap RBAC policy changed=" + changed);
        }
    }

    /** Reconciles the namespaced Roles and RoleBindings of the policy; their namespaces must exist. */
    void reconcileNamespaced() {
        int changed = reconcileAll(type("roles"), BootstrapPolicy.namespaceRoles(), RbacBootstrap::reconcileRole)
                + reconcileAll(type("rolebindings"), BootstrapPolicy.namespaceRoleBindings(),
                        RbacBootstrap::reconcileBinding);
        if (changed > 0) {
            LOG.log(Level.INFO, "reconciled bootstrap RBAC namespace policy changed=" + changed);
        }
    }

    /** The merge of an existing object with what it is expected to hold; empty when nothing is missing. */
    @FunctionalInterface
    private interface Merge {
        Optional<ObjectNode> apply(ObjectNode existing, ObjectNode expected);
    }

    /** Reconciles the objects at the same time, each on its own virtual thread; how many changed. */
    private int reconcileAll(ResourceType type, List<ObjectNode> expected, Merge merge) {
        AtomicInteger changed = new AtomicInteger();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ObjectNode e : expected) {
                threads.execute(() -> {
                    if (reconcile(type, e, merge)) {
                        changed.incrementAndGet();
                    }
                });
            }
        }
        return changed.get();
    }

    private boolean reconcile(ResourceType type, ObjectNode expected, Merge merge) {
        String name = Json.name(expected);
        String namespace = Json.namespace(expected);
        Optional<ObjectNode> existing = objects.store().get(type.storageKey(), namespace, name);
        try {
            if (existing.isEmpty()) {
                objects.create(type, namespace, expected, false);
                return true;
            }
            if ("false".equals(existing.get().path("metadata").path("annotations")
                    .path(BootstrapPolicy.AUTOUPDATE_ANNOTATION).asText(""))) {
                return false;
            }
            if (type.kind().endsWith("RoleBinding")
                    && !existing.get().path("roleRef").equals(expected.path("roleRef"))) {
                // the roleRef is immutable: the binding is made again, keeping its subjects
                ObjectNode replacement = expected.deepCopy();
                addMissingSubjects(replacement, existing.get());
                objects.store().delete(type.storageKey(), namespace, name, "", "");
                objects.create(type, namespace, replacement, false);
                return true;
            }
            Optional<ObjectNode> merged = merge.apply(existing.get(), expected);
            if (merged.isPresent()) {
                objects.update(type, namespace, name, merged.get(), "", false);
                return true;
            }
            return false;
        } catch (ApiError e) {
            LOG.log(Level.WARNING, "bootstrap RBAC object not reconciled kind=" + type.kind() + " name=" + name
                    + " error=" + e.getMessage());
            return false;
        }
    }

    private static Optional<ObjectNode> reconcileRole(ObjectNode existing, ObjectNode expected) {
        ObjectNode result = existing.deepCopy();
        boolean changed = mergeMetadata(result, expected);
        List<PolicyRule> have = PolicyRule.fromObject(existing);
        List<PolicyRule> missing = new ArrayList<>();
        for (PolicyRule rule : PolicyRule.fromObject(expected)) {
            if (!have.contains(rule) && !covered(have, rule)) {
                missing.add(rule);
            }
        }
        if (!missing.isEmpty()) {
            ArrayNode rules = result.has("rules") && result.get("rules").isArray()
                    ? (ArrayNode) result.get("rules") : result.putArray("rules");
            missing.forEach(r -> rules.add(r.toJson()));
            changed = true;
        }
        JsonNode expectedSelectors = expected.path("aggregationRule").path("clusterRoleSelectors");
        if (expectedSelectors.isArray()) {
            ObjectNode aggregation = result.has("aggregationRule") && result.get("aggregationRule").isObject()
                    ? (ObjectNode) result.get("aggregationRule") : result.putObject("aggregationRule");
            ArrayNode selectors = aggregation.has("clusterRoleSelectors") && aggregation.get("clusterRoleSelectors").isArray()
                    ? (ArrayNode) aggregation.get("clusterRoleSelectors") : aggregation.putArray("clusterRoleSelectors");
            for (JsonNode s : expectedSelectors) {
                boolean present = false;
                for (JsonNode e : selectors) {
                    present |= e.equals(s);
                }
                if (!present) {
                    selectors.add(s.deepCopy());
                    changed = true;
                }
            }
        }
        return changed ? Optional.of(result) : Optional.empty();
    }

    /** Whether the existing rules cover a rule of the policy (upstream compares by coverage, not equality). */
    private static boolean covered(List<PolicyRule> have, PolicyRule rule) {
        return Escalation.uncovered(have, List.of(rule)).isEmpty();
    }

    private static Optional<ObjectNode> reconcileBinding(ObjectNode existing, ObjectNode expected) {
        ObjectNode result = existing.deepCopy();
        boolean changed = mergeMetadata(result, expected);
        changed |= addMissingSubjects(result, expected);
        return changed ? Optional.of(result) : Optional.empty();
    }

    /** Adds to {@code target} the subjects of {@code source} it lacks; whether it did. */
    private static boolean addMissingSubjects(ObjectNode target, JsonNode source) {
        boolean changed = false;
        for (JsonNode s : source.path("subjects")) {
            boolean present = false;
            for (JsonNode e : target.path("subjects")) {
                present |= e.path("kind").equals(s.path("kind")) && e.path("name").equals(s.path("name"))
                        && e.path("namespace").asText("").equals(s.path("namespace").asText(""));
            }
            if (!present) {
                ArrayNode subjects = target.has("subjects") && target.get("subjects").isArray()
                        ? (ArrayNode) target.get("subjects") : target.putArray("subjects");
                subjects.add(s.deepCopy());
                changed = true;
            }
        }
        return changed;
    }

    /** Adds the expected labels and annotations the object lacks (its own values win). */
    private static boolean mergeMetadata(ObjectNode result, ObjectNode expected) {
        boolean changed = false;
        ObjectNode meta = Json.child(result, "metadata");
        for (String field : List.of("labels", "annotations")) {
            ObjectNode have = Json.child(meta, field);
            var it = expected.path("metadata").path(field).properties().iterator();
            while (it.hasNext()) {
                var e = it.next();
                if (!have.has(e.getKey())) {
                    have.set(e.getKey(), e.getValue().deepCopy());
                    changed = true;
                }
            }
        }
        return changed;
    }

    private ResourceType type(String plural) {
        return objects.resources().find(RbacIndex.GROUP, "v1", plural).orElseThrow();
    }
}
