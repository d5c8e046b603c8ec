package dev.j8s.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Null-tolerant reads of wire-shaped object trees, the way Go reads zero values. Stateless and thread-safe. */
final class Nodes {

    private Nodes() {}

    /** The text of a scalar field, or "" when absent, null or not a scalar (Go's zero string). */
    static String text(JsonNode node, String field) {
        JsonNode n = node.path(field);
        return n.isValueNode() && !n.isNull() ? n.asText() : "";
    }

    /** The field as an object node when it is one; absent for missing, null or non-objects (Go's nil pointer). */
    static Optional<JsonNode> object(JsonNode node, String field) {
        JsonNode n = node.path(field);
        return n.isObject() ? Optional.of(n) : Optional.empty();
    }

    static long number(JsonNode node, String field) {
        JsonNode n = node.path(field);
        return n.isNumber() ? n.asLong() : n.isTextual() ? parseLong(n.asText()) : 0;
    }

    static boolean bool(JsonNode node, String field) {
        JsonNode n = node.path(field);
        return n.isBoolean() ? n.asBoolean() : n.isTextual() && n.asText().equals("true");
    }

    /** The number of entries of an object or array field, 0 when absent. */
    static int size(JsonNode node, String field) {
        JsonNode n = node.path(field);
        return n.isContainerNode() ? n.size() : 0;
    }

    /** An RFC 3339 time (with or without fractional seconds); absent when missing or unreadable (Go's zero time). */
    static Optional<Instant> time(JsonNode node, String field) {
        String t = text(node, field);
        if (t.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(t).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
