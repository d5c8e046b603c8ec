package dev.j8s.apiserver.patch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * JSON patch (RFC 6902) with upstream's limits: at most {@value #MAX_OPERATIONS} operations and at
 * most {@value #MAX_COPY_BYTES} bytes added by {@code copy} (kube-apiserver's
 * {@code maxJSONPatchOperations} and {@code JSONPatchMaxCopyBytes}). Stateless and thread-safe.
 *
 * <p>Error texts follow the library upstream uses (evanphx/json-patch), e.g.
 * {@code add operation does not apply: doc is missing path: "/a/b": missing value}.
 */
final class JsonPatch {

    static final int MAX_OPERATIONS = 10_000;
    static final int MAX_COPY_BYTES = 3 * 1024 * 1024;

    private final Function<String, ApiError> notApplicable;
    private JsonNode doc;
    private long copiedBytes;

    private JsonPatch(JsonNode doc, Function<String, ApiError> notApplicable) {
        this.doc = doc;
        this.notApplicable = notApplicable;
    }

    /**
     * Applies {@code operations} (a parsed JSON array) to {@code doc}, which is mutated; returns the
     * resulting document. An operation that does not apply raises {@code notApplicable(message)}.
     */
    static JsonNode apply(JsonNode doc, JsonNode operations, Function<String, ApiError> notApplicable) {
        if (!(operations instanceof ArrayNode ops)) {
            throw new ApiError.BadRequest("json: cannot unmarshal " + goType(operations)
                    + " into Go value of type jsonpatch.Patch");
        }
        for (JsonNode op : ops) {
            if (!op.isObject()) {
                throw new ApiError.BadRequest("json: cannot unmarshal " + goType(op)
                        + " into Go value of type jsonpatch.Operation");
            }
        }
        if (ops.size() > MAX_OPERATIONS) {
            throw new ApiError.RequestEntityTooLarge("Request entity too large: The allowed maximum operations in a JSON patch is "
                    + MAX_OPERATIONS + ", got " + ops.size());
        }
        JsonPatch patch = new JsonPatch(doc, notApplicable);
        for (JsonNode op : ops) {
            patch.operation((ObjectNode) op);
        }
        return patch.doc;
    }

    private void operation(ObjectNode op) {
        JsonNode kind = op.get("op");
        String name = kind != null && kind.isTextual() ? kind.asText() : "";
        switch (name) {
            case "add" -> add(path(op, "add", "path"), value(op, "add"));
            case "remove" -> remove(path(op, "remove", "path"), "remove");
            case "replace" -> replace(path(op, "replace", "path"), value(op, "replace"));
            case "move" -> move(path(op, "move", "from"), path(op, "move", "path"));
            case "copy" -> copy(path(op, "copy", "from"), path(op, "copy", "path"));
            case "test" -> test(path(op, "test", "path"), value(op, "test"));
            default -> throw notApplicable.apply("Unexpected kind: " + (kind == null ? "unknown" : kind.asText()));
        }
    }

    private void add(Pointer path, JsonNode value) {
        if (path.isRoot()) {
            doc = value;
            return;
        }
        JsonNode parent = resolve(path.parent());
        String last = path.last();
        if (parent instanceof ObjectNode object) {
            object.set(last, value);
        } else if (parent instanceof ArrayNode array) {
            int index = last.equals("-") ? array.size() : index(last, array.size(), "add", path);
            array.insert(index, value);
        } else {
            throw missing("add", path);
        }
    }

    private JsonNode remove(Pointer path, String op) {
        if (path.isRoot()) {
            throw notApplicable.apply(op + " operation does not apply: cannot remove the whole document");
        }
        JsonNode parent = resolve(path.parent());
        String last = path.last();
        if (parent instanceof ObjectNode object && object.has(last)) {
            return object.remove(last);
        }
        if (parent instanceof ArrayNode array) {
            return array.remove(index(last, array.size() - 1, op, path));
        }
        throw missing(op, path);
    }

    private void replace(Pointer path, JsonNode value) {
        if (path.isRoot()) {
            doc = value;
            return;
        }
        JsonNode parent = resolve(path.parent());
        String last = path.last();
        if (parent instanceof ObjectNode object && object.has(last)) {
            object.set(last, value);
        } else if (parent instanceof ArrayNode array) {
            array.set(index(last, array.size() - 1, "replace", path), value);
        } else {
            throw missing("replace", path);
        }
    }

    private void move(Pointer from, Pointer path) {
        if (path.isProperChildOf(from)) {
            throw notApplicable.apply("move operation does not apply: \"from\" " + from.quoted()
                    + " is a prefix of \"path\" " + path.quoted());
        }
        if (resolve(from) == null) {
            throw missing("move", from);
        }
        add(path, remove(from, "move"));
    }

    private void copy(Pointer from, Pointer path) {
        JsonNode value = resolve(from);
        if (value == null) {
            throw missing("copy", from);
        }
        copiedBytes += size(value);
        if (copiedBytes > MAX_COPY_BYTES) {
            throw new ApiError.RequestEntityTooLarge("Request entity too large: Unable to complete the copy, "
                    + "the accumulated size increase of copy is " + copiedBytes + ", exceeding the limit " + MAX_COPY_BYTES);
        }
        add(path, value.deepCopy());
    }

    private void test(Pointer path, JsonNode value) {
        JsonNode present = resolve(path);
        if (present == null || !equal(present, value)) {
            throw notApplicable.apply("testing value " + path.text() + " failed: test failed");
        }
    }

    /** The node at {@code pointer}, or null when absent. */
    private JsonNode resolve(Pointer pointer) {
        JsonNode node = doc;
        for (String token : pointer.tokens()) {
            if (node instanceof ObjectNode object) {
                node = object.get(token);
            } else if (node instanceof ArrayNode array) {
                int index = parseIndex(token);
                node = index >= 0 && index < array.size() ? array.get(index) : null;
            } else {
                return null;
            }
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    private int index(String token, int max, String op, Pointer path) {
        int index = parseIndex(token);
        if (index < 0 || index > max) {
            throw notApplicable.apply(op + " operation does not apply: doc is missing path: " + path.quoted()
                    + ": invalid index referenced");
        }
        return index;
    }

    /** A non-negative array index without leading zeros, or -1. */
    private static int parseIndex(String token) {
        if (token.isEmpty() || token.length() > 9 || (token.length() > 1 && token.charAt(0) == '0')) {
            return -1;
        }
        for (int i = 0; i < token.length(); i++) {
            if (token.charAt(i) < '0' || token.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(token);
    }

    private ApiError missing(String op, Pointer path) {
        return notApplicable.apply(op + " operation does not apply: doc is missing path: " + path.quoted() + ": missing value");
    }

    private Pointer path(ObjectNode op, String name, String member) {
        JsonNode text = op.get(member);
        if (text == null || !text.isTextual()) {
            throw notApplicable.apply(name + " operation does not apply: " + member + " is missing");
        }
        Pointer pointer = Pointer.parse(text.asText());
        if (pointer == null) {
            throw notApplicable.apply(name + " operation does not apply: invalid JSON pointer \"" + text.asText() + "\"");
        }
        return pointer;
    }

    private JsonNode value(ObjectNode op, String name) {
        JsonNode value = op.get("value");
        if (value == null) {
            throw notApplicable.apply(name + " operation does not apply: value is missing");
        }
        return value.deepCopy();
    }

    private static long size(JsonNode value) {
        try {
            return Json.MAPPER.writeValueAsBytes(value).length;
        } catch (JsonProcessingException e) {
            throw new ApiError.InternalError("measure a JSON patch copy: " + e.getOriginalMessage());
        }
    }

    /** RFC 6902 equality: numbers by value, objects regardless of member order. */
    private static boolean equal(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!equal(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (var field : a.properties()) {
                JsonNode other = b.get(field.getKey());
                if (other == null || !equal(field.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    static String goType(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        }
        return switch (node.getNodeType()) {
            case ARRAY -> "array";
            case OBJECT -> "object";
            case STRING, BINARY -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "bool";
            default -> "null";
        };
    }

    /** A parsed RFC 6901 JSON pointer. */
    record Pointer(String text, List<String> tokens) {
        Pointer {
            tokens = List.copyOf(tokens);
        }

        /** The pointer, or null when {@code text} is not one (no leading slash, bad escape). */
        static Pointer parse(String text) {
            if (text.isEmpty()) {
                return new Pointer(text, List.of());
            }
            if (text.charAt(0) != '/') {
                return null;
            }
            List<String> tokens = new ArrayList<>();
            for (String raw : text.substring(1).split("/", -1)) {
                StringBuilder token = new StringBuilder(raw.length());
                for (int i = 0; i < raw.length(); i++) {
                    char c = raw.charAt(i);
                    if (c != '~') {
                        token.append(c);
                    } else if (i + 1 < raw.length() && raw.charAt(i + 1) == '0') {
                        token.append('~');
                        i++;
                    } else if (i + 1 < raw.length() && raw.charAt(i + 1) == '1') {
                        token.append('/');
                        i++;
                    } else {
                        return null;
                    }
                }
                tokens.add(token.toString());
            }
            return new Pointer(text, tokens);
        }

        boolean isRoot() {
            return tokens.isEmpty();
        }

        Pointer parent() {
            return new Pointer(text.substring(0, text.lastIndexOf('/')), tokens.subList(0, tokens.size() - 1));
        }

        String last() {
            return tokens.getLast();
        }

        boolean isProperChildOf(Pointer other) {
            return tokens.size() > other.tokens.size() && tokens.subList(0, other.tokens.size()).equals(other.tokens);
        }

        String quoted() {
            return "\"" + text + "\"";
        }
    }
}
