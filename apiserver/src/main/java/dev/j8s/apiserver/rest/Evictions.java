package dev.j8s.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Scheme;
import dev.j8s.apiserver.selection.LabelSelector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The {@code pods/eviction} subresource, as upstream's {@code pkg/registry/core/pod/storage/eviction.go}: a pod
 * whose deletion would leave fewer healthy pods than its PodDisruptionBudget asks for is refused with 429 and the
 * budget's numbers; otherwise the budget's {@code disruptionsAllowed} is taken down by one (the pod noted in
 * {@code disruptedPods}, so the disruption controller does not count it meanwhile) and the pod is deleted with the
 * eviction's DeleteOptions. Pods that are pending, finished or already being deleted need no budget. Thread-safe.
 */
public final class Evictions {

    /** Upstream's refusal, word for word (policy/v1 eviction). */
    public static final String VIOLATES_BUDGET = "Cannot evict pod as it would violate the pod's disruption budget.";
    static final String PDB_RESOURCE = "poddisruptionbudgets.policy";

    private final ObjectService objects;

    public Evictions(ObjectService objects) {
        this.objects = objects;
    }

    /** Evicts the pod; the {@code Status} of success (HTTP 201). */
    public ObjectNode evict(ResourceType pods, String namespace, String name, ObjectNode body, boolean dryRun) {
        ObjectNode eviction = body.deepCopy();
        // policy/v1beta1 Evictions (kubectl drain before 1.22 sends them) are still taken by upstream's endpoint
        if (!(Json.text(eviction, "kind").equals("Eviction") && Json.text(eviction, "apiVersion").equals("policy/v1beta1"))) {
            Scheme.defaultTypeMeta(pods.subresource("eviction").orElseThrow().gvk(), eviction,
                    eviction.toString().getBytes(StandardCharsets.UTF_8));
        }
        String bodyName = Json.text(eviction, "metadata.name");
        if (!bodyName.isEmpty() && !bodyName.equals(name)) {
            throw new ApiError.BadRequest("name in URL does not match name in Eviction object");
        }
        DeleteOptions options = deleteOptions(eviction.path("deleteOptions"), dryRun);
        ObjectNode pod = objects.get(pods, namespace, name);
        if (!canIgnoreBudget(pod)) {
            List<ObjectNode> budgets = budgetsOf(pod, namespace);
            if (budgets.size() > 1) {
                throw new ApiError.InternalError(
                        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
            }
            if (budgets.size() == 1 && (isHealthy(pod) || !unhealthyMayGo(budgets.getFirst()))) {
                takeDisruption(budgets.getFirst(), name, dryRun);
            }
        }
        objects.delete(pods, namespace, name, options);
        ObjectNode status = Json.object();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Success");
        status.put("code", 201);
        return status;
    }

    /** Pending, finished or deleting pods are not counted by any budget (upstream's canIgnorePDB). */
    private static boolean canIgnoreBudget(ObjectNode pod) {
        String phase = Json.text(pod, "status.phase");
        return phase.equals("Succeeded") || phase.equals("Failed") || phase.equals("Pending")
                || pod.path("metadata").hasNonNull("deletionTimestamp");
    }

    private List<ObjectNode> budgetsOf(ObjectNode pod, String namespace) {
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode pdb : objects.store().list(PDB_RESOURCE, namespace).items()) {
            JsonNode selector = pdb.path("spec").path("selector");
            if (!selector.isObject()) {
                continue; // a budget without a selector selects nothing
            }
            if (LabelSelector.fromObject(selector).matches(pod.path("metadata").path("labels"))) {
                out.add(pdb);
            }
        }
        return out;
    }

    private static boolean isHealthy(ObjectNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (c.path("type").asText().equals("Ready")) {
                return c.path("status").asText().equals("True");
            }
        }
        return false;
    }

    /** An unready pod may go when the budget is met anyway or its policy is AlwaysAllow. */
    private static boolean unhealthyMayGo(ObjectNode pdb) {
        if (Json.text(pdb, "spec.unhealthyPodEvictionPolicy").equals("AlwaysAllow")) {
            return true;
        }
        long current = pdb.path("status").path("currentHealthy").asLong(0);
        long desired = pdb.path("status").path("desiredHealthy").asLong(0);
        return current >= desired && desired > 0;
    }

    /** checkAndDecrement: refuses (429) when the budget allows no disruption, else takes one. */
    private void takeDisruption(ObjectNode budget, String podName, boolean dryRun) {
        String pdbName = Json.name(budget);
        String namespace = Json.namespace(budget);
        var check = (java.util.function.Consumer<ObjectNode>) pdb -> {
            long observed = pdb.path("status").path("observedGeneration").asLong(0);
            long generation = pdb.path("metadata").path("generation").asLong(0);
            if (observed < generation) {
                throw refused("The disruption budget " + pdbName + " is still being processed by the server.");
            }
            long allowed = pdb.path("status").path("disruptionsAllowed").asLong(0);
            if (allowed < 0) {
                throw ApiError.Forbidden.of(PDB_RESOURCE, pdbName, "pdb disruptions allowed is negative");
            }
            if (allowed == 0) {
                throw refused("The disruption budget " + pdbName + " needs "
                        + pdb.path("status").path("desiredHealthy").asLong(0) + " healthy pods and has "
                        + pdb.path("status").path("currentHealthy").asLong(0) + " currently");
            }
        };
        if (dryRun) {
            check.accept(budget);
            return;
        }
        String now = objects.now();
        objects.store().guaranteedUpdate(PDB_RESOURCE, namespace, pdbName, pdb -> {
            check.accept(pdb);
            ObjectNode status = Json.child(pdb, "status");
            long allowed = status.path("disruptionsAllowed").asLong(0) - 1;
            status.put("disruptionsAllowed", allowed);
            Json.child(status, "disruptedPods").put(podName, now);
            if (allowed == 0) {
                for (JsonNode c : status.path("conditions")) {
                    if (c.path("type").asText().equals("DisruptionAllowed") && c.path("status").asText().equals("True")) {
                        ((ObjectNode) c).put("status", "False").put("reason", "InsufficientPods").put("message", "")
                                .put("lastTransitionTime", now);
                    }
                }
            }
            return pdb;
        });
    }

    private static ApiError refused(String cause) {
        return new ApiError.TooManyRequests(VIOLATES_BUDGET, List.of(new ApiError.Cause("DisruptionBudget", cause, "")));
    }

    private static DeleteOptions deleteOptions(JsonNode options, boolean dryRun) {
        OptionalLong grace = options.path("gracePeriodSeconds").isNumber()
                ? OptionalLong.of(options.path("gracePeriodSeconds").asLong()) : OptionalLong.empty();
        boolean dry = dryRun;
        for (JsonNode d : options.path("dryRun")) {
            dry |= d.asText().equals("All");
        }
        return new DeleteOptions(grace, options.path("preconditions").path("uid").asText(""),
                options.path("preconditions").path("resourceVersion").asText(""),
                options.path("propagationPolicy").asText(""), dry);
    }
}
