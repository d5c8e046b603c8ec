package dev.j8s.apiserver.printers;

import static dev.j8s.apiserver.printers.Nodes.number;
import static dev.j8s.apiserver.printers.Nodes.object;
import static dev.j8s.apiserver.printers.Nodes.text;
import static dev.j8s.apiserver.printers.Nodes.time;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The pod row: Ready, the aggregate Status reason, Restarts with the last restart's age, and the wide cells, following
 * upstream printPod in pkg/printers/internalversion/printers.go. Stateless and thread-safe.
 */
final class PodPrinter {

    static final List<Column> COLUMNS = List.of(
            Column.nameColumn(),
            Column.string("Ready", Descriptions.POD_READY),
            Column.string("Status", Descriptions.POD_STATUS),
            Column.string("Restarts", Descriptions.POD_RESTARTS),
            Column.age(),
            Column.string("IP", Descriptions.POD_IP).wide(),
            Column.string("Node", Descriptions.POD_NODE_NAME).wide(),
            Column.string("Nominated Node", Descriptions.POD_NOMINATED_NODE_NAME).wide(),
            Column.string("Readiness Gates", Descriptions.POD_READINESS_GATES).wide());

    /** Upstream's reason on pods whose node stopped reporting (pkg/util/node.NodeUnreachablePodReason). */
    private static final String NODE_LOST = "NodeLost";

    private PodPrinter() {}

    static Row row(JsonNode pod, Instant now) {
        JsonNode spec = pod.path("spec");
        JsonNode status = pod.path("status");
        JsonNode metadata = pod.path("metadata");

        int restarts = 0;
        int restartableInitContainerRestarts = 0;
        int totalContainers = spec.path("containers").size();
        int readyContainers = 0;
        Optional<Instant> lastRestartDate = Optional.empty();
        Optional<Instant> lastRestartableInitContainerRestartDate = Optional.empty();

        String podPhase = text(status, "phase");
        String reason = podPhase;
        if (!text(status, "reason").isEmpty()) {
            reason = text(status, "reason");
        }
        for (JsonNode condition : status.path("conditions")) {
            if (text(condition, "type").equals("PodScheduled") && text(condition, "reason").equals("SchedulingGated")) {
                reason = "SchedulingGated";
            }
        }

        List<ObjectNode> conditions = switch (podPhase) {
            case "Succeeded" -> List.of(completed("Succeeded", "The pod has completed successfully."));
            case "Failed" -> List.of(completed("Failed", "The pod failed."));
            default -> List.of();
        };

        Map<String, JsonNode> initContainers = new HashMap<>();
        JsonNode specInit = spec.path("initContainers");
        for (JsonNode c : specInit) {
            initContainers.put(text(c, "name"), c);
            if (isRestartable(c)) {
                totalContainers++;
            }
        }

        boolean initializing = false;
        JsonNode initStatuses = status.path("initContainerStatuses");
        for (int i = 0; i < initStatuses.size(); i++) {
            JsonNode container = initStatuses.get(i);
            restarts += (int) number(container, "restartCount");
            Optional<Instant> finished = lastTerminationFinishedAt(container);
            lastRestartDate = later(lastRestartDate, finished);
            boolean restartable = isRestartable(initContainers.get(text(container, "name")));
            if (restartable) {
                restartableInitContainerRestarts += (int) number(container, "restartCount");
                lastRestartableInitContainerRestartDate = later(lastRestartableInitContainerRestartDate, finished);
            }
            JsonNode state = container.path("state");
            Optional<JsonNode> terminated = object(state, "terminated");
            Optional<JsonNode> waiting = object(state, "waiting");
            if (terminated.isPresent() && number(terminated.get(), "exitCode") == 0) {
                continue;
            } else if (restartable && container.path("started").asBoolean(false)) {
                if (container.path("ready").asBoolean(false)) {
                    readyContainers++;
                }
                continue;
            } else if (terminated.isPresent()) {
                JsonNode t = terminated.get();
                if (text(t, "reason").isEmpty()) {
                    reason = number(t, "signal") != 0
                            ? "Init:Signal:" + number(t, "signal")
                            : "Init:ExitCode:" + number(t, "exitCode");
                } else {
                    reason = "Init:" + text(t, "reason");
                }
                initializing = true;
            } else if (waiting.isPresent() && !text(waiting.get(), "reason").isEmpty()
                    && !text(waiting.get(), "reason").equals("PodInitializing")) {
                reason = "Init:" + text(waiting.get(), "reason");
                initializing = true;
            } else {
                reason = "Init:" + i + "/" + specInit.size();
                initializing = true;
            }
            break;
        }

        if (!initializing || isPodInitializedConditionTrue(status)) {
            restarts = restartableInitContainerRestarts;
            lastRestartDate = lastRestartableInitContainerRestartDate;
            boolean hasRunning = false;
            JsonNode statuses = status.path("containerStatuses");
            for (int i = statuses.size() - 1; i >= 0; i--) {
                JsonNode container = statuses.get(i);
                restarts += (int) number(container, "restartCount");
                lastRestartDate = later(lastRestartDate, lastTerminationFinishedAt(container));
                JsonNode state = container.path("state");
                Optional<JsonNode> waiting = object(state, "waiting");
                Optional<JsonNode> terminated = object(state, "terminated");
                if (waiting.isPresent() && !text(waiting.get(), "reason").isEmpty()) {
                    reason = text(waiting.get(), "reason");
                } else if (terminated.isPresent() && !text(terminated.get(), "reason").isEmpty()) {
                    reason = text(terminated.get(), "reason");
                } else if (terminated.isPresent()) {
                    JsonNode t = terminated.get();
                    reason = number(t, "signal") != 0 ? "Signal:" + number(t, "signal") : "ExitCode:" + number(t, "exitCode");
                } else if (container.path("ready").asBoolean(false) && object(state, "running").isPresent()) {
                    hasRunning = true;
                    readyContainers++;
                }
            }
            // A pod whose last container completed but another still runs is shown by its readiness.
            if (reason.equals("Completed") && hasRunning) {
                reason = hasPodReadyCondition(status) ? "Running" : "NotReady";
            }
        }

        boolean deleting = !text(metadata, "deletionTimestamp").isEmpty();
        if (deleting && text(status, "reason").equals(NODE_LOST)) {
            reason = "Unknown";
        } else if (deleting && !podPhase.equals("Succeeded") && !podPhase.equals("Failed")) {
            reason = "Terminating";
        }

        String restartsCell = Integer.toString(restarts);
        if (restarts != 0 && lastRestartDate.isPresent()) {
            restartsCell = restarts + " (" + HumanDuration.since(lastRestartDate, now) + " ago)";
        }

        String podIP = "";
        JsonNode podIPs = status.path("podIPs");
        if (podIPs.isArray() && !podIPs.isEmpty()) {
            podIP = text(podIPs.get(0), "ip");
        }
        String nodeName = text(spec, "nodeName");
        String nominated = text(status, "nominatedNodeName");

        String readinessGates = "<none>";
        JsonNode gates = spec.path("readinessGates");
        if (gates.isArray() && !gates.isEmpty()) {
            int trueConditions = 0;
            for (JsonNode gate : gates) {
                for (JsonNode condition : status.path("conditions")) {
                    if (text(condition, "type").equals(text(gate, "conditionType"))) {
                        if (text(condition, "status").equals("True")) {
                            trueConditions++;
                        }
                        break;
                    }
                }
            }
            readinessGates = trueConditions + "/" + gates.size();
        }

        return new Row(List.of(
                text(metadata, "name"),
                readyContainers + "/" + totalContainers,
                reason,
                restartsCell,
                HumanDuration.since(time(metadata, "creationTimestamp"), now),
                orNone(podIP),
                orNone(nodeName),
                orNone(nominated),
                readinessGates), conditions);
    }

    private static String orNone(String s) {
        return s.isEmpty() ? "<none>" : s;
    }

    private static ObjectNode completed(String reason, String message) {
        ObjectNode c = Json.object();
        c.put("type", "Completed");
        c.put("status", "True");
        c.put("reason", reason);
        c.put("message", message);
        return c;
    }

    /** A sidecar: an init container with {@code restartPolicy: Always}. */
    private static boolean isRestartable(JsonNode initContainer) {
        return initContainer != null && text(initContainer, "restartPolicy").equals("Always");
    }

    private static Optional<Instant> lastTerminationFinishedAt(JsonNode containerStatus) {
        return object(containerStatus.path("lastState"), "terminated").flatMap(t -> time(t, "finishedAt"));
    }

    private static Optional<Instant> later(Optional<Instant> current, Optional<Instant> candidate) {
        if (candidate.isEmpty()) {
            return current;
        }
        if (current.isEmpty() || current.get().isBefore(candidate.get())) {
            return candidate;
        }
        return current;
    }

    private static boolean isPodInitializedConditionTrue(JsonNode status) {
        for (JsonNode condition : status.path("conditions")) {
            if (text(condition, "type").equals("Initialized")) {
                return text(condition, "status").equals("True");
            }
        }
        return false;
    }

    private static boolean hasPodReadyCondition(JsonNode status) {
        for (JsonNode condition : status.path("conditions")) {
            if (text(condition, "type").equals("Ready") && text(condition, "status").equals("True")) {
                return true;
            }
        }
        return false;
    }
}
