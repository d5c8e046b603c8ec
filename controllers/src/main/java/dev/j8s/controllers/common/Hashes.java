package dev.j8s.controllers.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Object trees, template equality and the template hash of {@code pod-template-hash} and
 * {@code controller-revision-hash}: FNV-32a over the template's canonical JSON (keys sorted, nulls and empty
 * collections dropped), then the collision count as 8 little-endian bytes when set, printed in decimal and
 * mapped to upstream's safe alphabet (controller.ComputeHash, rand.SafeEncodeString). Stateless.
 */
public final class Hashes {

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final JsonMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
    private static final String SAFE = "bcdfghjklmnpqrstvwxz2456789";

    private Hashes() {}

    /** The JSON tree of a model object, without nulls and empty collections (Go's nil and empty are equal). */
    public static JsonNode tree(Object object) {
        JsonNode tree = SERIALIZATION.convertValue(object, JsonNode.class);
        return prune(tree);
    }

    /** Converts a tree back into a model object. */
    public static <T> T fromTree(JsonNode tree, Class<T> type) {
        return SERIALIZATION.convertValue(tree, type);
    }

    /** A deep copy of a model object. */
    public static <T> T copy(T object, Class<T> type) {
        return SERIALIZATION.convertValue(SERIALIZATION.convertValue(object, JsonNode.class), type);
    }

    /** Whether two model objects are equal in the way apimachinery's semantic equality sees them. */
    public static boolean semanticallyEqual(Object a, Object b) {
        return tree(a).equals(tree(b));
    }

    /** The canonical JSON of a model object (sorted keys, no nulls or empty collections). */
    public static String canonicalJson(Object object) {
        try {
            return CANONICAL.writeValueAsString(sorted(tree(object)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("serialize for hashing", e);
        }
    }

    /** The hash of a template with the collision count (null when unset). */
    public static String computeHash(Object template, Integer collisionCount) {
        int hash = 0x811c9dc5;
        for (byte b : canonicalJson(template).getBytes(StandardCharsets.UTF_8)) {
            hash ^= (b & 0xff);
            hash *= 0x01000193;
        }
        if (collisionCount != null) {
            byte[] count = new byte[8];
            int c = collisionCount;
            for (int i = 0; i < 4; i++) {
                count[i] = (byte) (c >>> (8 * i));
            }
            for (byte b : count) {
                hash ^= (b & 0xff);
                hash *= 0x01000193;
            }
        }
        return safeEncode(Integer.toUnsignedString(hash));
    }

    /** rand.SafeEncodeString: every character mapped into an alphabet without vowels or look-alikes. */
    public static String safeEncode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            out.append(SAFE.charAt(c % SAFE.length()));
        }
        return out.toString();
    }

    /**
     * Drops nulls and empty collections, and narrows long numbers to ints where they fit: a tree made from a model
     * ({@code Long} fields) and one read from JSON must compare equal.
     */
    private static JsonNode prune(JsonNode node) {
        if (node instanceof com.fasterxml.jackson.databind.node.LongNode l && l.canConvertToInt()) {
            return com.fasterxml.jackson.databind.node.IntNode.valueOf(l.intValue());
        }
        if (node instanceof ObjectNode object) {
            List<String> drop = new ArrayList<>();
            object.properties().forEach(e -> {
                JsonNode v = prune(e.getValue());
                e.setValue(v);
                if (v.isNull() || (v.isContainerNode() && v.isEmpty())) {
                    drop.add(e.getKey());
                }
            });
            drop.forEach(object::remove);
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, prune(array.get(i)));
            }
        }
        return node;
    }

    private static JsonNode sorted(JsonNode node) {
        if (node instanceof ObjectNode object) {
            TreeMap<String, JsonNode> keys = new TreeMap<>();
            object.properties().forEach(e -> keys.put(e.getKey(), sorted(e.getValue())));
            ObjectNode out = object.objectNode();
            keys.forEach(out::set);
            return out;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = array.arrayNode();
            array.forEach(e -> out.add(sorted(e)));
            return out;
        }
        return node;
    }
}
