package dev.j8s.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * JSON merge patch (RFC 7386): objects merge recursively, {@code null} deletes a member, every
 * other value (arrays included) replaces. Stateless and thread-safe.
 */
final class MergePatch {

    private MergePatch() {}

    /** Merges {@code patch} into {@code target} (mutated) and returns it. */
    static ObjectNode apply(ObjectNode target, ObjectNode patch) {
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            JsonNode value = field.getValue();
            if (value.isNull()) {
                target.remove(field.getKey());
            } else if (value instanceof ObjectNode patchMap) {
                ObjectNode base = target.get(field.getKey()) instanceof ObjectNode o
                        ? o : JsonNodeFactory.instance.objectNode();
                target.set(field.getKey(), apply(base, patchMap));
            } else {
                target.set(field.getKey(), value.deepCopy());
            }
        }
        return target;
    }
}
