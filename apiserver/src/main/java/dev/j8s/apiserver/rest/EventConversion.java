package dev.j8s.apiserver.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Converts between core/v1 Event (the stored form) and events.k8s.io/v1 Event, field by field
 * as upstream's conversion does (involvedObject = regarding, message = note, source =
 * deprecatedSource, count and timestamps = the deprecated* fields). Stateless.
 */
final class EventConversion {

    private EventConversion() {}

    static ObjectNode toEventsV1(ObjectNode core) {
        ObjectNode out = core.objectNode();
        out.put("apiVersion", "events.k8s.io/v1");
        out.put("kind", "Event");
        copy(core, "metadata", out, "metadata");
        copy(core, "eventTime", out, "eventTime");
        copy(core, "series", out, "series");
        copy(core, "reportingComponent", out, "reportingController");
        copy(core, "reportingInstance", out, "reportingInstance");
        copy(core, "action", out, "action");
        copy(core, "reason", out, "reason");
        copy(core, "involvedObject", out, "regarding");
        copy(core, "related", out, "related");
        copy(core, "message", out, "note");
        copy(core, "type", out, "type");
        copy(core, "source", out, "deprecatedSource");
        copy(core, "firstTimestamp", out, "deprecatedFirstTimestamp");
        copy(core, "lastTimestamp", out, "deprecatedLastTimestamp");
        copy(core, "count", out, "deprecatedCount");
        return out;
    }

    static ObjectNode toCoreV1(ObjectNode v1) {
        ObjectNode out = v1.objectNode();
        out.put("apiVersion", "v1");
        out.put("kind", "Event");
        copy(v1, "metadata", out, "metadata");
        copy(v1, "regarding", out, "involvedObject");
        copy(v1, "reason", out, "reason");
        copy(v1, "note", out, "message");
        copy(v1, "deprecatedSource", out, "source");
        copy(v1, "deprecatedFirstTimestamp", out, "firstTimestamp");
        copy(v1, "deprecatedLastTimestamp", out, "lastTimestamp");
        copy(v1, "deprecatedCount", out, "count");
        copy(v1, "type", out, "type");
        copy(v1, "eventTime", out, "eventTime");
        copy(v1, "series", out, "series");
        copy(v1, "action", out, "action");
        copy(v1, "related", out, "related");
        copy(v1, "reportingController", out, "reportingComponent");
        copy(v1, "reportingInstance", out, "reportingInstance");
        if (!out.has("involvedObject")) {
            out.putObject("involvedObject");
        }
        return out;
    }

    private static void copy(ObjectNode from, String fromField, ObjectNode to, String toField) {
        JsonNode v = from.get(fromField);
        if (v != null && !v.isMissingNode()) {
            to.set(toField, v.deepCopy());
        }
    }
}
