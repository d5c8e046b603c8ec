package dev.j8s.apiserver.selection;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The value of a selectable field of a wire-shaped object, computed as upstream's ToSelectableFields of each
 * registry strategy (absent fields are ""). Stateless and thread-safe.
 */
final class SelectableFields {

    private SelectableFields() {}

    static String value(JsonNode object, String field) {
        JsonNode metadata = object.path("metadata");
        return switch (field) {
            case "metadata.name", "name" -> text(metadata, "name");
            case "metadata.namespace" -> text(metadata, "namespace");
            case "spec.hostNetwork" -> Boolean.toString(object.path("spec").path("hostNetwork").asBoolean(false));
            case "spec.unschedulable" -> Boolean.toString(object.path("spec").path("unschedulable").asBoolean(false));
            case "status.podIP" -> {
                JsonNode ips = object.path("status").path("podIPs");
                String ip = ips.isArray() && !ips.isEmpty() ? text(ips.get(0), "ip") : "";
                yield ip.isEmpty() ? text(object.path("status"), "podIP") : ip;
            }
            case "source" -> {
                String component = text(eventPart(object, "source", "deprecatedSource"), "component");
                yield component.isEmpty() ? reportingController(object) : component;
            }
            case "reportingComponent" -> reportingController(object);
            default -> {
                if (field.startsWith("involvedObject.")) {
                    yield text(eventPart(object, "involvedObject", "regarding"),
                            field.substring("involvedObject.".length()));
                }
                yield dotted(object, field);
            }
        };
    }

    /** An events.k8s.io/v1 object names the core fields differently. */
    private static JsonNode eventPart(JsonNode event, String core, String eventsV1) {
        return isEventsV1(event) ? event.path(eventsV1) : event.path(core);
    }

    private static String reportingController(JsonNode event) {
        return text(event, isEventsV1(event) ? "reportingController" : "reportingComponent");
    }

    private static boolean isEventsV1(JsonNode object) {
        return text(object, "apiVersion").equals("events.k8s.io/v1");
    }

    private static String dotted(JsonNode object, String path) {
        JsonNode n = object;
        for (String part : path.split("\\.")) {
            n = n.path(part);
        }
        return n.isValueNode() && !n.isNull() ? n.asText() : "";
    }

    private static String text(JsonNode node, String field) {
        JsonNode n = node.path(field);
        return n.isValueNode() && !n.isNull() ? n.asText() : "";
    }
}
