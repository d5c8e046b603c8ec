package dev.j8s.apiserver.json;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.core.JsonFactory;

/**
 * The one JSON configuration of the API server: bounded reads (nesting, string and number
 * lengths), duplicate keys rejected, and helpers for walking object trees. Thread-safe.
 */
public final class Json {

    /** Upstream's maximum request body size (3 MiB). */
    public static final int MAX_BODY_BYTES = 3 * 1024 * 1024;

    public static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(100)
                            .maxStringLength(MAX_BODY_BYTES)
                            .maxNumberLength(100)
                            .maxNameLength(10_000)
                            .build())
                    .build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private Json() {}

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** The text at a dotted path ({@code metadata.name}), or "" when absent or not text. */
    public static String text(JsonNode node, String dottedPath) {
        JsonNode n = at(node, dottedPath);
        return n.isValueNode() && !n.isNull() ? n.asText() : "";
    }

    /** The node at a dotted path, or a MissingNode. */
    public static JsonNode at(JsonNode node, String dottedPath) {
        // walked with indexOf: a split per call allocated its list and array on every read of a field
        JsonNode n = node;
        int from = 0;
        for (int dot = dottedPath.indexOf('.'); dot >= 0; dot = dottedPath.indexOf('.', from)) {
            n = n.path(dottedPath.substring(from, dot));
            from = dot + 1;
        }
        return n.path(dottedPath.substring(from));
    }

    /** The object at {@code field}, created when absent. */
    public static ObjectNode child(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ObjectNode o) {
            return o;
        }
        return parent.putObject(field);
    }

    public static String name(JsonNode object) {
        return text(object, "metadata.name");
    }

    public static String namespace(JsonNode object) {
        return text(object, "metadata.namespace");
    }
}
