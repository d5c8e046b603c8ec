package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Validation of Node updates (upstream {@code ValidateNodeUpdate}'s spec checks): a node's pod ranges and its provider
 * ID may be set once, when they were empty, and never changed after that — the routes, the CNI configuration and the
 * addresses of running pods were made from them. Stateless.
 */
final class NodeRules {

    private static final String NOT_CHANGEABLE = "node updates may not change %s except from \"\" to valid";

    private NodeRules() {}

    /**
     * The two fields of the pod ranges as the v1 conversion keeps them: {@code podCIDRs} is the truth, a
     * {@code podCIDR} given alone becomes its only element, and {@code podCIDR} always reads as its first.
     */
    static void defaults(ObjectNode obj) {
        if (!(obj.get("spec") instanceof ObjectNode spec)) {
            return;
        }
        JsonNode cidrs = spec.path("podCIDRs");
        String single = spec.path("podCIDR").asText("");
        if (cidrs.isArray() && !cidrs.isEmpty()) {
            spec.put("podCIDR", cidrs.get(0).asText());
        } else if (!single.isEmpty()) {
            spec.putArray("podCIDRs").add(single);
        }
    }

    static void validateUpdate(ObjectNode obj, ObjectNode old, FieldErrors errs) {
        JsonNode oldCidrs = old.path("spec").path("podCIDRs");
        JsonNode newCidrs = obj.path("spec").path("podCIDRs");
        if (oldCidrs.isArray() && !oldCidrs.isEmpty()) {
            if (!newCidrs.isArray() || newCidrs.size() != oldCidrs.size()) {
                errs.forbidden("spec.podCIDRs", NOT_CHANGEABLE.formatted("podCIDR"));
            } else {
                for (int i = 0; i < oldCidrs.size(); i++) {
                    if (!oldCidrs.get(i).asText().equals(newCidrs.get(i).asText())) {
                        errs.forbidden("spec.podCIDRs", NOT_CHANGEABLE.formatted("podCIDR"));
                    }
                }
            }
        }
        String oldProvider = old.path("spec").path("providerID").asText("");
        if (!oldProvider.isEmpty() && !oldProvider.equals(obj.path("spec").path("providerID").asText(""))) {
            errs.forbidden("spec.providerID", NOT_CHANGEABLE.formatted("providerID"));
        }
    }
}
