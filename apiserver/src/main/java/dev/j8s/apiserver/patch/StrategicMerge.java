package dev.j8s.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Strategic merge patch over JSON trees, following upstream
 * {@code k8s.io/apimachinery/pkg/util/strategicpatch/patch.go} with the server's options
 * (parallel deletion lists merged, unmatched nulls ignored). Thread-safe: it holds only its
 * immutable schema.
 *
 * <p>The original passed in is owned by the engine and mutated; the patch is only read. Directives
 * ({@code $patch}, {@code $retainKeys}, {@code $setElementOrder/…}, {@code $deleteFromPrimitiveList/…})
 * are interpreted and never copied into the result, also not from values the original lacks.
 */
final class StrategicMerge {

    static final String DIRECTIVE = "$patch";
    static final String RETAIN_KEYS = "$retainKeys";
    static final String SET_ELEMENT_ORDER = "$setElementOrder/";
    static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final PatchSchema schema;

    StrategicMerge(PatchSchema schema) {
        this.schema = schema;
    }

    /** Merges {@code patch} into {@code original} (mutated) and returns the result. */
    ObjectNode apply(ObjectNode original, ObjectNode patch) {
        ObjectNode merged = mergeMap(original, patch, "");
        if (merged == null) {
            throw new ApiError.BadRequest("$patch: delete cannot be applied to the whole object");
        }
        return merged;
    }

    /** The merged map, or null when the patch deletes it ({@code $patch: delete}). */
    private ObjectNode mergeMap(ObjectNode original, ObjectNode patch, String path) {
        JsonNode directive = patch.get(DIRECTIVE);
        if (directive != null) {
            switch (directive.isTextual() ? directive.asText() : "") {
                case "replace" -> {
                    ObjectNode rest = patch.deepCopy();
                    rest.remove(DIRECTIVE);
                    return mergeMap(NODES.objectNode(), rest, path);
                }
                case "delete" -> {
                    return null;
                }
                case "merge" -> { }
                default -> throw new ApiError.BadRequest(
                        "unknown patch type: " + directive + " in map at " + describe(path));
            }
        }
        applyRetainKeys(original, patch);
        Set<String> done = mergeOrderedLists(original, patch, path);
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (key.equals(DIRECTIVE) || key.equals(RETAIN_KEYS) || key.startsWith(SET_ELEMENT_ORDER)
                    || done.contains(key)) {
                continue;
            }
            if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
                deleteFromPrimitiveList(original, key.substring(DELETE_FROM_PRIMITIVE_LIST.length()), value);
                continue;
            }
            if (value.isNull()) {
                original.remove(key);
                continue;
            }
            String child = path.isEmpty() ? key : path + "." + key;
            JsonNode present = original.get(key);
            if (value instanceof ObjectNode patchMap) {
                ObjectNode base = present instanceof ObjectNode o ? o : NODES.objectNode();
                ObjectNode merged = mergeMap(base, patchMap, child);
                if (merged == null) {
                    original.remove(key);
                } else {
                    original.set(key, merged);
                }
            } else if (value instanceof ArrayNode patchList) {
                ArrayNode base = present instanceof ArrayNode a ? a : NODES.arrayNode();
                original.set(key, mergeListField(base, patchList, child));
            } else {
                original.set(key, value.deepCopy());
            }
        }
        return original;
    }

    /** A list field: merged by its strategy, or replaced (directives stripped) when it has none. */
    private ArrayNode mergeListField(ArrayNode original, ArrayNode patch, String path) {
        Optional<String> mergeKey = schema.mergeKey(path);
        if (mergeKey.isPresent()) {
            return mergeList(original, patch, mergeKey.get(), path);
        }
        ArrayNode replaced = NODES.arrayNode();
        for (JsonNode element : patch) {
            if (element instanceof ObjectNode map) {
                if (map.has(DIRECTIVE)) {
                    continue; // a list without strategy is replaced anyway; its directive is not data
                }
                replaced.add(mergeMap(NODES.objectNode(), map, path));
            } else {
                replaced.add(element.deepCopy());
            }
        }
        return replaced;
    }

    private ArrayNode mergeList(ArrayNode original, ArrayNode patch, String mergeKey, String path) {
        boolean primitives = isPrimitiveList(original, patch, path);
        if (primitives) {
            List<JsonNode> merged = new ArrayList<>();
            Set<Object> present = new HashSet<>();
            for (JsonNode element : original) {
                merged.add(element);
                present.add(key(element));
            }
            for (JsonNode element : patch) {
                if (present.add(key(element))) {
                    merged.add(element.deepCopy());
                }
            }
            return order(merged, asList(patch), asList(original), "");
        }
        if (mergeKey.isEmpty()) {
            throw new ApiError.BadRequest("cannot merge lists without merge key for " + describe(path));
        }
        List<JsonNode> merged = new ArrayList<>();
        original.forEach(merged::add);
        List<JsonNode> plain = new ArrayList<>();
        Set<Object> deleted = new HashSet<>();
        boolean replace = false;
        for (JsonNode element : patch) {
            ObjectNode map = (ObjectNode) element;
            JsonNode directive = map.get(DIRECTIVE);
            if (directive == null) {
                plain.add(map);
                continue;
            }
            switch (directive.isTextual() ? directive.asText() : "") {
                case "delete" -> deleted.add(key(requireMergeKey(map, mergeKey)));
                case "replace" -> replace = true;
                case "merge" -> { }
                default -> throw new ApiError.BadRequest(
                        "unknown patch type: " + directive + " in list at " + describe(path));
            }
        }
        if (!deleted.isEmpty()) {
            merged.removeIf(e -> deleted.contains(key(e.get(mergeKey))));
        }
        if (replace) {
            ArrayNode replaced = NODES.arrayNode();
            for (JsonNode element : plain) {
                replaced.add(mergeMap(NODES.objectNode(), (ObjectNode) element, path));
            }
            return replaced;
        }
        Map<Object, Integer> positions = positions(merged, mergeKey);
        for (JsonNode element : plain) {
            Object key = key(requireMergeKey((ObjectNode) element, mergeKey));
            Integer at = positions.get(key);
            if (at != null) {
                JsonNode present = merged.get(at);
                ObjectNode base = present instanceof ObjectNode o ? o : NODES.objectNode();
                merged.set(at, mergeMap(base, (ObjectNode) element, path));
            } else {
                positions.put(key, merged.size());
                merged.add(mergeMap(NODES.objectNode(), (ObjectNode) element, path));
            }
        }
        return order(merged, plain, asList(original), mergeKey);
    }

    /**
     * Processes each {@code $setElementOrder/<field>} with its list: merges the list and orders it
     * by the directive; the fields handled are returned so the main loop skips them.
     */
    private Set<String> mergeOrderedLists(ObjectNode original, ObjectNode patch, String path) {
        Set<String> done = new HashSet<>();
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            if (!field.getKey().startsWith(SET_ELEMENT_ORDER)) {
                continue;
            }
            String key = field.getKey().substring(SET_ELEMENT_ORDER.length());
            String child = path.isEmpty() ? key : path + "." + key;
            if (!(field.getValue() instanceof ArrayNode order)) {
                throw new ApiError.BadRequest("invalid patch format of setElementOrder list");
            }
            Optional<String> mergeKey = schema.mergeKey(child);
            JsonNode patchValue = patch.get(key);
            if (mergeKey.isEmpty() || (patchValue != null && !patchValue.isArray())) {
                continue; // no merge strategy, or the list is deleted/replaced: the order is moot
            }
            for (JsonNode element : order) {
                if (mergeKey.get().isEmpty() ? element.isContainerNode() : !(element instanceof ObjectNode o
                        && o.hasNonNull(mergeKey.get()))) {
                    throw new ApiError.BadRequest("invalid patch format of setElementOrder list");
                }
            }
            JsonNode present = original.get(key);
            ArrayNode base = present instanceof ArrayNode a ? a : NODES.arrayNode();
            if (patchValue == null && !(present instanceof ArrayNode)) {
                continue;
            }
            ArrayNode merged = patchValue == null ? base : mergeList(base, (ArrayNode) patchValue, mergeKey.get(), child);
            original.set(key, order(asList(merged), asList(order), asList(base), mergeKey.get()));
            done.add(key);
        }
        return done;
    }

    private static void applyRetainKeys(ObjectNode original, ObjectNode patch) {
        JsonNode retain = patch.get(RETAIN_KEYS);
        if (retain == null) {
            return;
        }
        if (!(retain instanceof ArrayNode list)) {
            throw new ApiError.BadRequest("invalid patch format of retainKeys");
        }
        Set<String> keep = new HashSet<>();
        for (JsonNode name : list) {
            if (!name.isTextual()) {
                throw new ApiError.BadRequest("invalid patch format of retainKeys");
            }
            keep.add(name.asText());
        }
        for (Map.Entry<String, JsonNode> field : patch.properties()) {
            String key = field.getKey();
            if (field.getValue().isNull() || key.startsWith("$")) {
                continue;
            }
            if (!keep.contains(key)) {
                throw new ApiError.BadRequest("invalid patch format of retainKeys");
            }
        }
        for (Iterator<String> names = original.fieldNames(); names.hasNext(); ) {
            if (!keep.contains(names.next())) {
                names.remove();
            }
        }
    }

    private static void deleteFromPrimitiveList(ObjectNode original, String key, JsonNode values) {
        if (!(values instanceof ArrayNode list)) {
            throw new ApiError.BadRequest("invalid patch format of primitive list");
        }
        for (JsonNode value : list) {
            if (value.isContainerNode()) {
                throw new ApiError.BadRequest("invalid patch format of primitive list");
            }
        }
        Set<Object> remove = new HashSet<>();
        list.forEach(v -> remove.add(key(v)));
        if (original.get(key) instanceof ArrayNode present) {
            for (Iterator<JsonNode> it = present.elements(); it.hasNext(); ) {
                if (remove.contains(key(it.next()))) {
                    it.remove();
                }
            }
        }
    }

    private static boolean isPrimitiveList(ArrayNode original, ArrayNode patch, String path) {
        boolean maps = false;
        boolean scalars = false;
        for (ArrayNode list : List.of(original, patch)) {
            for (JsonNode element : list) {
                if (element.isObject()) {
                    maps = true;
                } else if (element.isArray()) {
                    throw new ApiError.BadRequest("lists of lists are not supported at " + describe(path));
                } else {
                    scalars = true;
                }
            }
        }
        if (maps && scalars) {
            throw new ApiError.BadRequest("mixed maps and values in the list at " + describe(path));
        }
        return !maps;
    }

    private static JsonNode requireMergeKey(ObjectNode element, String mergeKey) {
        JsonNode key = element.get(mergeKey);
        if (key == null || key.isNull()) {
            throw new ApiError.BadRequest("map: " + withoutDirectives(element) + " does not contain declared merge key: " + mergeKey);
        }
        return key;
    }

    private static String withoutDirectives(ObjectNode element) {
        String text = element.toString();
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    /**
     * Upstream's {@code normalizeElementOrder}: items named by {@code patchOrder} keep that order,
     * the others keep the order of {@code serverOrder}, and both are interleaved by the server order.
     */
    private static ArrayNode order(List<JsonNode> merged, List<JsonNode> patchOrder, List<JsonNode> serverOrder,
            String mergeKey) {
        Map<Object, Integer> patchPositions = positions(patchOrder, mergeKey);
        Map<Object, Integer> serverPositions = positions(serverOrder, mergeKey);
        List<JsonNode> patchItems = new ArrayList<>();
        List<JsonNode> serverOnly = new ArrayList<>();
        for (JsonNode item : merged) {
            (patchPositions.containsKey(itemKey(item, mergeKey)) ? patchItems : serverOnly).add(item);
        }
        patchItems.sort(byPositionIn(patchPositions, mergeKey));
        serverOnly.sort(byPositionIn(serverPositions, mergeKey));
        ArrayNode result = NODES.arrayNode();
        int i = 0;
        int j = 0;
        while (i < serverOnly.size() || j < patchItems.size()) {
            if (i >= serverOnly.size()) {
                result.add(patchItems.get(j++));
            } else if (j >= patchItems.size()) {
                result.add(serverOnly.get(i++));
            } else {
                Integer left = serverPositions.get(itemKey(serverOnly.get(i), mergeKey));
                Integer right = serverPositions.get(itemKey(patchItems.get(j), mergeKey));
                if (left != null && right != null && left < right) {
                    result.add(serverOnly.get(i++));
                } else {
                    result.add(patchItems.get(j++));
                }
            }
        }
        return result;
    }

    private static Comparator<JsonNode> byPositionIn(Map<Object, Integer> positions, String mergeKey) {
        return Comparator.comparingInt(item -> positions.getOrDefault(itemKey(item, mergeKey), Integer.MAX_VALUE));
    }

    /** The first position of each item's key in {@code list}. */
    private static Map<Object, Integer> positions(List<JsonNode> list, String mergeKey) {
        Map<Object, Integer> positions = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            Object key = itemKey(list.get(i), mergeKey);
            if (key != null) {
                positions.putIfAbsent(key, i);
            }
        }
        return positions;
    }

    /** The identity of a list item: its merge key's value, or the value itself for primitives. */
    private static Object itemKey(JsonNode item, String mergeKey) {
        return key(mergeKey.isEmpty() ? item : item.get(mergeKey));
    }

    /**
     * A hashable identity equal for equal JSON values, numbers compared by value ({@code 80}
     * and {@code 80.0} are one key); null for an absent or null value, which matches nothing.
     */
    static Object key(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        if (value.isNumber()) {
            return value.decimalValue().stripTrailingZeros();
        }
        if (value.isTextual()) {
            return value.asText();
        }
        return value;
    }

    private static List<JsonNode> asList(ArrayNode array) {
        List<JsonNode> list = new ArrayList<>(array.size());
        array.forEach(list::add);
        return list;
    }

    private static String describe(String path) {
        return path.isEmpty() ? "the object root" : path;
    }
}
