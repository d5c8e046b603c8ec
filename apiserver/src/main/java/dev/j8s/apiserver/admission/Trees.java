package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small readers and writers over Jackson object trees that tolerate absent or ill-typed fields. Stateless. */
final class Trees {

    private Trees() {}

    static String str(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n != null && n.isValueNode() && !n.isNull() ? n.asText() : "";
    }

    static boolean has(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        return n != null && !n.isNull();
    }

    /** The object child, or null when absent or not an object. */
    static ObjectNode obj(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n instanceof ObjectNode o ? o : null;
    }

    /** The object child, created (replacing a null or ill-typed value) when absent. */
    static ObjectNode objOrCreate(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        return n instanceof ObjectNode o ? o : parent.putObject(field);
    }

    /** The array elements that are objects; empty when absent. */
    static List<ObjectNode> objects(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        List<ObjectNode> out = new ArrayList<>();
        if (n instanceof ArrayNode a) {
            for (JsonNode e : a) {
                if (e instanceof ObjectNode o) {
                    out.add(o);
                }
            }
        }
        return out;
    }

    static int arraySize(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n instanceof ArrayNode a ? a.size() : 0;
    }

    /** A string map ({@code labels}, {@code data}); values that are not text become their JSON text. */
    static Map<String, String> stringMap(JsonNode parent, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode n = parent == null ? null : parent.get(field);
        if (n instanceof ObjectNode o) {
            o.properties().forEach(e -> out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
        }
        return out;
    }

    /** An integer field, or null when absent or not integral. */
    static Long longOrNull(JsonNode parent, String field) {
        JsonNode n = parent == null ? null : parent.get(field);
        return n != null && n.isIntegralNumber() ? n.asLong() : null;
    }

    static void putIfAbsent(ObjectNode o, String field, String value) {
        if (!has(o, field) || str(o, field).isEmpty()) {
            o.put(field, value);
        }
    }
}
