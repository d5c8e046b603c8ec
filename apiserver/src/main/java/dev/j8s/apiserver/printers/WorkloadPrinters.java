package dev.j8s.apiserver.printers;

import static dev.j8s.apiserver.printers.Nodes.number;
import static dev.j8s.apiserver.printers.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.selection.LabelSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The columns and rows of apps/v1 Deployments, ReplicaSets, DaemonSets, StatefulSets and ControllerRevisions and policy/v1
 * PodDisruptionBudgets, as upstream's printers.go registers them (the descriptions are the extensions/v1beta1
 * and apps/v1 field docs upstream quotes). Stateless and thread-safe.
 */
final class WorkloadPrinters {

    private WorkloadPrinters() {}

    private static final Column CONTAINERS = Column.string("Containers", "Names of each container in the template.").wide();
    private static final Column IMAGES = Column.string("Images", "Images referenced by each container in the template.").wide();

    static final List<Column> DEPLOYMENTS = List.of(
            Column.nameColumn(),
            Column.string("Ready", "Number of the pod with ready state"),
            Column.string("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the "
                    + "desired template spec."),
            Column.string("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by "
                    + "this deployment."),
            Column.age(),
            CONTAINERS,
            IMAGES,
            Column.string("Selector", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will "
                    + "be the ones affected by this deployment.").wide());

    static final List<Column> REPLICA_SETS = List.of(
            Column.nameColumn(),
            Column.string("Desired", "Replicas is the number of desired replicas. This is a pointer to distinguish between "
                    + "explicit zero and unspecified. Defaults to 1. More info: "
                    + "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller")
                    .withType("integer"),
            Column.string("Current", "Replicas is the most recently observed number of replicas. More info: "
                    + "https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller")
                    .withType("integer"),
            Column.string("Ready", "The number of ready replicas for this replica set.").withType("integer"),
            Column.age(),
            CONTAINERS,
            IMAGES,
            Column.string("Selector", "Selector is a label query over pods that should match the replica count. If the "
                    + "selector is empty, it is defaulted to the labels present on the pod template. Label keys and "
                    + "values that must match in order to be controlled by this replica set. More info: "
                    + "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors").wide());

    static final List<Column> DAEMON_SETS = List.of(
            Column.nameColumn(),
            Column.string("Desired", "The total number of nodes that should be running the daemon pod (including nodes "
                    + "correctly running the daemon pod). More info: "
                    + "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/").withType("integer"),
            Column.string("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run "
                    + "the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/")
                    .withType("integer"),
            Column.string("Ready", "The number of nodes that should be running the daemon pod and have one or more of the "
                    + "daemon pod running and ready.").withType("integer"),
            Column.string("Up-to-date", "The total number of nodes that are running updated daemon pod").withType("integer"),
            Column.string("Available", "The number of nodes that should be running the daemon pod and have one or more of "
                    + "the daemon pod running and available (ready for at least spec.minReadySeconds)").withType("integer"),
            Column.string("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node. "
                    + "Selector which must match a node's labels for the pod to be scheduled on that node. More info: "
                    + "https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
            Column.age(),
            CONTAINERS,
            IMAGES,
            Column.string("Selector", "A label query over pods that are managed by the daemon set. Must match in order to "
                    + "be controlled. If empty, defaulted to labels on Pod template. More info: "
                    + "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors").wide());

    static final List<Column> STATEFUL_SETS = List.of(
            Column.nameColumn(),
            Column.string("Ready", "Number of the pod with ready state"),
            Column.age(),
            CONTAINERS,
            IMAGES);

    static final List<Column> CONTROLLER_REVISIONS = List.of(
            Column.nameColumn(),
            Column.string("Controller", "Controller of the object"),
            Column.string("Revision", "Revision indicates the revision of the state represented by Data."),
            Column.age());

    static final List<Column> POD_DISRUPTION_BUDGETS = List.of(
            Column.nameColumn(),
            Column.string("Min Available", "The minimum number of pods that must be available."),
            Column.string("Max Unavailable", "The maximum number of pods that may be unavailable."),
            Column.string("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time.")
                    .withType("integer"),
            Column.age());

    static Row deployment(JsonNode d, Instant now) {
        JsonNode spec = d.path("spec");
        JsonNode status = d.path("status");
        String ready = number(status, "readyReplicas") + "/" + number(spec, "replicas");
        List<String> template = template(spec);
        return Row.of(Printers.name(d), ready, number(status, "updatedReplicas"), number(status, "availableReplicas"),
                Printers.age(d, now), template.get(0), template.get(1), selector(spec));
    }

    static Row replicaSet(JsonNode rs, Instant now) {
        JsonNode spec = rs.path("spec");
        JsonNode status = rs.path("status");
        List<String> template = template(spec);
        return Row.of(Printers.name(rs), number(spec, "replicas"), number(status, "replicas"),
                number(status, "readyReplicas"), Printers.age(rs, now), template.get(0), template.get(1), selector(spec));
    }

    static Row daemonSet(JsonNode ds, Instant now) {
        JsonNode spec = ds.path("spec");
        JsonNode status = ds.path("status");
        List<String> template = template(spec);
        return Row.of(Printers.name(ds), number(status, "desiredNumberScheduled"),
                number(status, "currentNumberScheduled"), number(status, "numberReady"),
                number(status, "updatedNumberScheduled"), number(status, "numberAvailable"),
                Printers.formatLabels(spec.path("template").path("spec").path("nodeSelector")),
                Printers.age(ds, now), template.get(0), template.get(1), selector(spec));
    }

    static Row statefulSet(JsonNode sts, Instant now) {
        List<String> template = template(sts.path("spec"));
        String ready = number(sts.path("status"), "readyReplicas") + "/" + number(sts.path("spec"), "replicas");
        return Row.of(Printers.name(sts), ready, Printers.age(sts, now), template.get(0), template.get(1));
    }

    static Row controllerRevision(JsonNode cr, Instant now) {
        String controller = "<none>";
        for (JsonNode ref : cr.path("metadata").path("ownerReferences")) {
            if (ref.path("controller").asBoolean(false)) {
                String apiVersion = text(ref, "apiVersion");
                String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
                String kind = text(ref, "kind").toLowerCase(Locale.ROOT);
                controller = (group.isEmpty() ? kind : kind + "." + group) + "/" + text(ref, "name");
                break;
            }
        }
        return Row.of(Printers.name(cr), controller, number(cr, "revision"), Printers.age(cr, now));
    }

    static Row podDisruptionBudget(JsonNode pdb, Instant now) {
        JsonNode spec = pdb.path("spec");
        return Row.of(Printers.name(pdb), intOrStringOrNa(spec.path("minAvailable")),
                intOrStringOrNa(spec.path("maxUnavailable")), number(pdb.path("status"), "disruptionsAllowed"),
                Printers.age(pdb, now));
    }

    private static String intOrStringOrNa(JsonNode value) {
        return value.isMissingNode() || value.isNull() ? "N/A" : value.asText();
    }

    /** The container names and images of a template, each comma-joined. */
    static List<String> template(JsonNode spec) {
        List<String> names = new ArrayList<>();
        List<String> images = new ArrayList<>();
        for (JsonNode c : spec.path("template").path("spec").path("containers")) {
            names.add(text(c, "name"));
            images.add(text(c, "image"));
        }
        return List.of(String.join(",", names), String.join(",", images));
    }

    /** The selector as a string ({@code app=web}), {@code <none>} for a selector that selects everything. */
    static String selector(JsonNode spec) {
        JsonNode selector = spec.path("selector");
        if (!selector.isObject()) {
            return "<none>";
        }
        try {
            String s = LabelSelector.fromObject(selector).format();
            return s.isEmpty() ? "<none>" : s;
        } catch (RuntimeException e) {
            return "<error>";
        }
    }
}
