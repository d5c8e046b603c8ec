package dev.j8s.apiserver.printers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import java.time.Instant;
import java.util.List;

/**
 * Converts objects into the {@code meta.k8s.io/v1} Table that {@code kubectl get} asks for, with upstream's
 * columns and cell rules per resource (pkg/printers/internalversion/printers.go) and its row objects
 * (apiserver's handlers/response.go). Stateless and thread-safe.
 */
public final class TablePrinter {

    /** What each row carries in {@code object}: the {@code includeObject} query parameter. */
    public enum IncludeObject {
        NONE, METADATA, OBJECT;

        /** Upstream's values {@code None}, {@code Metadata} (the default when empty) and {@code Object}. */
        public static IncludeObject parse(String queryValue) {
            return switch (queryValue) {
                case "", "Metadata" -> METADATA;
                case "None" -> NONE;
                case "Object" -> OBJECT;
                default -> throw new ApiError.BadRequest("unrecognized includeObject value: " + goQuote(queryValue));
            };
        }
    }

    private TablePrinter() {}

    /** A meta.k8s.io/v1 Table of the objects; column definitions included when columnDefinitions is true (the first watch event only). */
    public static ObjectNode table(ResourceType type, List<ObjectNode> objects, IncludeObject include, Instant now,
            String resourceVersion, boolean columnDefinitions) {
        Printers printers = Printers.forType(type);
        ObjectNode table = Json.object();
        table.put("kind", "Table");
        table.put("apiVersion", "meta.k8s.io/v1");
        ObjectNode metadata = table.putObject("metadata");
        if (!resourceVersion.isEmpty()) {
            metadata.put("resourceVersion", resourceVersion);
        }
        if (columnDefinitions) {
            ArrayNode columns = table.putArray("columnDefinitions");
            printers.columns().forEach(c -> columns.add(c.toJson()));
        } else {
            table.putNull("columnDefinitions");
        }
        ArrayNode rows = table.putArray("rows");
        for (ObjectNode object : objects) {
            Row row = printers.rows().apply(object, now);
            ObjectNode r = rows.addObject();
            ArrayNode cells = r.putArray("cells");
            for (Object cell : row.cells()) {
                if (cell instanceof Long l) {
                    cells.add(l);
                } else {
                    cells.add((String) cell);
                }
            }
            if (!row.conditions().isEmpty()) {
                ArrayNode conditions = r.putArray("conditions");
                row.conditions().forEach(c -> conditions.add(c.deepCopy()));
            }
            switch (include) {
                case NONE -> { }
                case METADATA -> r.set("object", partialObjectMetadata(object));
                case OBJECT -> r.set("object", object.deepCopy());
            }
        }
        return table;
    }

    private static ObjectNode partialObjectMetadata(JsonNode object) {
        ObjectNode partial = Json.object();
        partial.put("kind", "PartialObjectMetadata");
        partial.put("apiVersion", "meta.k8s.io/v1");
        JsonNode metadata = object.path("metadata");
        partial.set("metadata", metadata.isObject() ? metadata.deepCopy() : Json.object());
        return partial;
    }

    /** Go's {@code %q} for the printable ASCII a query value normally holds. */
    private static String goQuote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
