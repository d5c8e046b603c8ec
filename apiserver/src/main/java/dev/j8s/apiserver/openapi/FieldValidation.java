package dev.j8s.apiserver.openapi;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.openapi.ModelShapes.Bean;
import dev.j8s.apiserver.openapi.ModelShapes.FreeForm;
import dev.j8s.apiserver.openapi.ModelShapes.Leaf;
import dev.j8s.apiserver.openapi.ModelShapes.ListOf;
import dev.j8s.apiserver.openapi.ModelShapes.MapOf;
import dev.j8s.apiserver.openapi.ModelShapes.Shape;
import dev.j8s.apiserver.registry.ResourceType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Server-side field validation ({@code fieldValidation=Strict|Warn}): finds the unknown and duplicate fields of
 * an object against its fabric8 model class, with upstream's field paths ({@code spec.containers[0].foo}) and
 * messages, as {@code sigs.k8s.io/json}'s strict decoding reports them. Thread-safe.
 */
public final class FieldValidation {

    /** One strict decoding error. */
    public record StrictError(Kind kind, String path) {

        /** Whether the field is not part of the schema or appears twice in one object. */
        public enum Kind {
            UNKNOWN("unknown"),
            DUPLICATE("duplicate");

            private final String word;

            Kind(String word) {
                this.word = word;
            }
        }

        /** Upstream's text: {@code unknown field "spec.containers[0].foo"}. */
        public String message() {
            return kind.word + " field \"" + path + "\"";
        }

        /** The {@code Warning} response header value for {@code fieldValidation=Warn}. */
        public String warningHeader() {
            return FieldValidation.warningHeaderFor(message());
        }
    }

    /**
     * A JSON body read as upstream's strict decoder reads it.
     *
     * @param object the object; of duplicate fields the last one wins, as upstream
     * @param errors unknown and duplicate fields in document order
     */
    public record Decoded(ObjectNode object, List<StrictError> errors) {
        public Decoded {
            errors = List.copyOf(errors);
        }
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private FieldValidation() {}

    /**
     * Unknown field paths in document order, e.g. {@code ["spec.containers[0].foo"]}; the object's
     * apiVersion/kind/metadata are checked too. Map values ({@code metadata.labels}, {@code data}) are free-form.
     */
    public static List<String> unknownFields(Class<?> model, JsonNode object) {
        List<String> unknown = new ArrayList<>();
        walk(Json.MAPPER.constructType(model), object, "", unknown);
        return List.copyOf(unknown);
    }

    /**
     * Parses a JSON object body without rejecting duplicate keys and reports unknown and duplicate fields in
     * document order.
     *
     * @throws ApiError.BadRequest when the body is not a single well-formed JSON object
     */
    public static Decoded decode(Class<?> model, byte[] json) {
        try (JsonParser parser = Json.MAPPER.getFactory().createParser(json)) {
            // Duplicates are a strict-decoding error to report (or warn about), not a parse failure.
            parser.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new ApiError.BadRequest("the request body must be a JSON object");
            }
            List<StrictError> errors = new ArrayList<>();
            JsonNode object = read(parser, Json.MAPPER.constructType(model), "", errors, true);
            if (parser.nextToken() != null) {
                throw new ApiError.BadRequest("unexpected data after the JSON object");
            }
            return new Decoded((ObjectNode) object, errors);
        } catch (StreamReadException e) {
            throw new ApiError.BadRequest(e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiError.BadRequest(e.getMessage());
        }
    }

    /**
     * Upstream's 400 message for {@code fieldValidation=Strict}:
     * {@code Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"}.
     */
    public static String strictDecodingMessage(ResourceType type, List<String> unknown) {
        return message(type, unknown.stream().map(p -> new StrictError(StrictError.Kind.UNKNOWN, p)).toList());
    }

    /** The 400 error for {@code fieldValidation=Strict} with unknown and duplicate fields. */
    public static ApiError.BadRequest strictDecodingError(ResourceType type, List<StrictError> errors) {
        return new ApiError.BadRequest(message(type, errors));
    }

    /** The {@code Warning} header value for an unknown field: {@code 299 - "unknown field \"spec.foo\""}. */
    public static String warningHeader(String path) {
        return new StrictError(StrictError.Kind.UNKNOWN, path).warningHeader();
    }

    private static String message(ResourceType type, List<StrictError> errors) {
        return type.kind() + " in version \"" + type.version() + "\" cannot be handled as a " + type.kind()
                + ": strict decoding error: "
                + errors.stream().map(StrictError::message).collect(Collectors.joining(", "));
    }

    /** {@code 299 - "<text>"} with quotes and backslashes escaped; control characters cannot reach the header. */
    static String warningHeaderFor(String text) {
        StringBuilder b = new StringBuilder(text.length() + 10).append("299 - \"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(' ');
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /**
     * The first value whose JSON type cannot decode into the model's field type, worded as Go's
     * {@code encoding/json} does ({@code json: cannot unmarshal number into Go struct field
     * ConfigMap.data of type string}); empty when every value fits. Unknown fields are not looked at.
     */
    public static Optional<String> typeError(Class<?> model, JsonNode object) {
        return typeError(Json.MAPPER.constructType(model), model.getSimpleName(), object, "");
    }

    private static Optional<String> typeError(JavaType type, String struct, JsonNode node, String path) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Optional.empty();
        }
        return switch (ModelShapes.of(type)) {
            case FreeForm free -> Optional.empty();
            case Leaf(Class<?> raw) -> leafError(raw, node).map(want -> mismatch(node, struct, path, want));
            case ListOf(JavaType element) -> {
                if (!node.isArray()) {
                    yield Optional.of(mismatch(node, struct, path, "[]" + goName(element.getRawClass())));
                }
                for (JsonNode item : node) {
                    Optional<String> e = typeError(element, struct, item, path);
                    if (e.isPresent()) {
                        yield e;
                    }
                }
                yield Optional.empty();
            }
            case MapOf(JavaType value) -> {
                if (!node.isObject()) {
                    yield Optional.of(mismatch(node, struct, path, "map[string]" + goName(value.getRawClass())));
                }
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    Optional<String> err = typeError(value, struct, e.getValue(), path);
                    if (err.isPresent()) {
                        yield err;
                    }
                }
                yield Optional.empty();
            }
            case Bean(Class<?> raw, Map<String, JavaType> properties) -> {
                if (!node.isObject()) {
                    yield Optional.of(mismatch(node, struct, path, "v1." + raw.getSimpleName()));
                }
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    JavaType propertyType = properties.get(e.getKey());
                    if (propertyType == null) {
                        continue;
                    }
                    // Go names the innermost struct declaring the field, then the whole path
                    Optional<String> err = typeError(propertyType, raw.getSimpleName(), e.getValue(), child(path, e.getKey()));
                    if (err.isPresent()) {
                        yield err;
                    }
                }
                yield Optional.empty();
            }
        };
    }

    /** The Go type a scalar field needs when {@code node} does not fit it, else empty. */
    private static Optional<String> leafError(Class<?> raw, JsonNode node) {
        if (raw == String.class) {
            return node.isTextual() ? Optional.empty() : Optional.of("string");
        }
        if (raw == Boolean.class || raw == boolean.class) {
            return node.isBoolean() ? Optional.empty() : Optional.of("bool");
        }
        if (raw == Integer.class || raw == int.class) {
            return node.isIntegralNumber() && node.canConvertToInt() ? Optional.empty() : Optional.of("int32");
        }
        if (raw == Long.class || raw == long.class) {
            return node.isIntegralNumber() && node.canConvertToLong() ? Optional.empty() : Optional.of("int64");
        }
        if (raw == Double.class || raw == double.class || raw == Float.class || raw == float.class) {
            return node.isNumber() ? Optional.empty() : Optional.of("float64");
        }
        return Optional.empty(); // Quantity, IntOrString, times: they decode both forms themselves
    }

    private static String goName(Class<?> raw) {
        if (raw == String.class) {
            return "string";
        }
        if (raw == Integer.class) {
            return "int32";
        }
        if (raw == Long.class) {
            return "int64";
        }
        if (raw == Boolean.class) {
            return "bool";
        }
        return "v1." + raw.getSimpleName();
    }

    private static String mismatch(JsonNode node, String struct, String path, String want) {
        String got = switch (node.getNodeType()) {
            case STRING -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "bool";
            case ARRAY -> "array";
            case OBJECT -> "object";
            default -> "value";
        };
        if (node.isNumber() && want.startsWith("int")) {
            got = "number " + node.asText();
        }
        return "json: cannot unmarshal " + got + " into Go struct field " + struct + "." + path + " of type " + want;
    }

    private static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static void walk(JavaType type, JsonNode node, String path, List<String> unknown) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return;
        }
        switch (ModelShapes.of(type)) {
            case Leaf leaf -> { }
            case FreeForm free -> { }
            case ListOf(JavaType element) -> {
                for (int i = 0; i < node.size() && node.isArray(); i++) {
                    walk(element, node.get(i), path + "[" + i + "]", unknown);
                }
            }
            case MapOf(JavaType value) -> {
                if (node.isObject()) {
                    for (Map.Entry<String, JsonNode> e : node.properties()) {
                        walk(value, e.getValue(), child(path, e.getKey()), unknown);
                    }
                }
            }
            case Bean(Class<?> raw, Map<String, JavaType> properties) -> {
                if (node.isObject()) {
                    for (Map.Entry<String, JsonNode> e : node.properties()) {
                        JavaType propertyType = properties.get(e.getKey());
                        if (propertyType == null) {
                            unknown.add(child(path, e.getKey()));
                        } else {
                            walk(propertyType, e.getValue(), child(path, e.getKey()), unknown);
                        }
                    }
                }
            }
        }
    }

    /**
     * Reads the value at the parser's current token into a tree, checking it against {@code type} (null:
     * not checked at all, as for the value of an unknown field). {@code path} names the value only in errors, so the
     * path of a member is made only for a member that is an object or an array, or that is reported.
     */
    private static JsonNode read(JsonParser p, JavaType type, String path, List<StrictError> errors, boolean check)
            throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> {
                Shape shape = shape(type);
                ObjectNode object = NODES.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    JavaType childType;
                    boolean known = true;
                    switch (shape) {
                        case Bean bean -> {
                            childType = bean.properties().get(key);
                            known = childType != null;
                        }
                        case MapOf(JavaType value) -> childType = value;
                        default -> childType = null;
                    }
                    // Leaves decode themselves (Quantity, IntOrString): nothing inside them is checked.
                    boolean checkChild = check && known && !(shape instanceof Leaf);
                    if (check && !known) {
                        errors.add(new StrictError(StrictError.Kind.UNKNOWN, child(path, key)));
                    } else if (check && !(shape instanceof Leaf) && object.has(key)) {
                        // every member read so far is in object: a key it has already is a duplicate
                        errors.add(new StrictError(StrictError.Kind.DUPLICATE, child(path, key)));
                    }
                    object.set(key, p.currentToken().isStructStart()
                            ? read(p, childType, child(path, key), errors, checkChild)
                            : scalar(p));
                }
                yield object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                JavaType element = shape(type) instanceof ListOf(JavaType e) ? e : null;
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    array.add(p.currentToken().isStructStart()
                            ? read(p, element, path + "[" + i + "]", errors, check && element != null)
                            : scalar(p));
                    i++;
                }
                yield array;
            }
            default -> scalar(p);
        };
    }

    private static Shape shape(JavaType type) {
        return type == null ? new FreeForm() : ModelShapes.of(type);
    }

    /** The node of the scalar value at the parser's current token. */
    private static JsonNode scalar(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_NULL -> NODES.nullNode();
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                default -> NODES.numberNode(p.getBigIntegerValue());
            };
            // As Json.MAPPER.readTree: floating point numbers become doubles.
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
            default -> throw new ApiError.BadRequest("unexpected JSON token " + p.currentToken());
        };
    }
}
