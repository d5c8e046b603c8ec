package dev.j8s.apiserver.printers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;

/**
 * One {@code TableColumnDefinition}; priority 1 columns are the ones kubectl shows only with {@code -o wide}.
 * Immutable and thread-safe.
 */
record Column(String name, String type, String format, String description, int priority) {

    static Column string(String name, String description) {
        return new Column(name, "string", "", description, 0);
    }

    static Column nameColumn() {
        return new Column("Name", "string", "name", Descriptions.NAME, 0);
    }

    static Column age() {
        return string("Age", Descriptions.CREATION_TIMESTAMP);
    }

    Column wide() {
        return new Column(name, type, format, description, 1);
    }

    Column withFormat(String newFormat) {
        return new Column(name, type, newFormat, description, priority);
    }

    Column withType(String newType) {
        return new Column(name, newType, format, description, priority);
    }

    ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("name", name);
        o.put("type", type);
        o.put("format", format);
        o.put("description", description);
        o.put("priority", priority);
        return o;
    }
}
