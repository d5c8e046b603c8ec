package dev.j8s.apiserver.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.authorization.rbac.RbacIndex;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.rest.ObjectService;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The ClusterRole aggregation controller (upstream's {@code pkg/controller/clusterroleaggregation}): the rules of
 * every ClusterRole with an {@code aggregationRule} are the union, in name order without repeats, of the rules of
 * the other ClusterRoles its selectors match; edits to them are overwritten. Runs after every ClusterRole change
 * until nothing changes. Not thread-safe; driven by one watch thread.
 */
final class ClusterRoleAggregation {

    private static final System.Logger LOG = System.getLogger(ClusterRoleAggregation.class.getName());

    private final ObjectService objects;

    ClusterRoleAggregation(ObjectService objects) {
        this.objects = objects;
    }

    /** Brings every aggregated ClusterRole up to date, pass after pass until none changes (roles aggregate roles). */
    void sync() {
        for (int pass = 0; pass < 10 && syncOnce(); pass++) {
            // an aggregated role may select another aggregated role (admin selects edit, edit selects view)
        }
    }

    /** One pass over the aggregated roles; whether one changed. */
    private boolean syncOnce() {
        boolean changed = false;
        ResourceType type = objects.resources().find(RbacIndex.GROUP, "v1", "clusterroles").orElseThrow();
        List<ObjectNode> all = new ArrayList<>(objects.store().list(type.storageKey(), "").items());
        all.sort(Comparator.comparing(Json::name));
        for (ObjectNode role : all) {
            JsonNode selectors = role.path("aggregationRule").path("clusterRoleSelectors");
            if (!selectors.isArray()) {
                continue;
            }
            ArrayNode rules = Json.object().arrayNode();
            for (ObjectNode other : all) {
                if (Json.name(other).equals(Json.name(role)) || !matchesAny(selectors, other.path("metadata").path("labels"))) {
                    continue;
                }
                for (JsonNode rule : other.path("rules")) {
                    boolean present = false;
                    for (JsonNode r : rules) {
                        present |= r.equals(rule);
                    }
                    if (!present) {
                        rules.add(rule.deepCopy());
                    }
                }
            }
            JsonNode current = role.path("rules");
            if (rules.equals(current) || (rules.isEmpty() && (current.isMissingNode() || current.isNull()))) {
                continue;
            }
            ObjectNode updated = role.deepCopy();
            updated.set("rules", rules);
            try {
                objects.update(type, "", Json.name(role), updated, "", false);
                changed = true;
            } catch (ApiError e) {
                LOG.log(Level.DEBUG, "aggregated ClusterRole not updated, a later change retries name=" + Json.name(role)
                        + " error=" + e.getMessage());
            }
        }
        return changed;
    }

    private static boolean matchesAny(JsonNode selectors, JsonNode labels) {
        for (JsonNode s : selectors) {
            if (matches(s, labels)) {
                return true;
            }
        }
        return false;
    }

    /** A metav1 LabelSelector (matchLabels and matchExpressions) against labels; an empty selector matches all. */
    static boolean matches(JsonNode selector, JsonNode labels) {
        var it = selector.path("matchLabels").properties().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (!labels.path(e.getKey()).asText("\u0000").equals(e.getValue().asText())) {
                return false;
            }
        }
        for (JsonNode req : selector.path("matchExpressions")) {
            String key = req.path("key").asText("");
            boolean has = labels.has(key);
            List<String> values = new ArrayList<>();
            req.path("values").forEach(v -> values.add(v.asText()));
            boolean ok = switch (req.path("operator").asText("")) {
                case "In" -> has && values.contains(labels.path(key).asText());
                case "NotIn" -> !has || !values.contains(labels.path(key).asText());
                case "Exists" -> has;
                case "DoesNotExist" -> !has;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
