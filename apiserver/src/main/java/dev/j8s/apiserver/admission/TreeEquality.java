package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Semantic equality of object trees as upstream's {@code apiequality.Semantic.DeepEqual} sees Go
 * structs: null, empty lists and empty maps equal an absent field, numbers compare by value and
 * quantities by amount. Stateless and thread-safe.
 */
final class TreeEquality {

    private TreeEquality() {}

    static boolean equal(JsonNode a, JsonNode b) {
        return normalize(a).equals(normalize(b));
    }

    /** One line per differing leaf, {@code path: old -> new}, standing in for upstream's struct diff. */
    static String describeDifferences(JsonNode oldNode, JsonNode newNode) {
        List<String> lines = new ArrayList<>();
        diff("spec", normalize(oldNode), normalize(newNode), lines);
        return String.join("\n", lines);
    }

    private static void diff(String path, JsonNode a, JsonNode b, List<String> out) {
        if (a.equals(b)) {
            return;
        }
        if (a instanceof ObjectNode ao && b instanceof ObjectNode bo) {
            TreeSet<String> keys = new TreeSet<>();
            ao.fieldNames().forEachRemaining(keys::add);
            bo.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                diff(path + "." + k, ao.path(k), bo.path(k), out);
            }
            return;
        }
        if (a instanceof ArrayNode aa && b instanceof ArrayNode ba && aa.size() == ba.size()) {
            for (int i = 0; i < aa.size(); i++) {
                diff(path + "[" + i + "]", aa.get(i), ba.get(i), out);
            }
            return;
        }
        out.add("  " + path + ": " + show(a) + " -> " + show(b));
    }

    private static String show(JsonNode n) {
        return n.isMissingNode() ? "<unset>" : n.toString();
    }

    /** A copy without null/empty members and with numbers as canonical decimals. */
    static JsonNode normalize(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        if (n instanceof ObjectNode o) {
            ObjectNode out = o.objectNode();
            o.properties().forEach(e -> {
                JsonNode v = normalize(e.getValue());
                if (!isEmpty(v)) {
                    out.set(e.getKey(), v);
                }
            });
            return out;
        }
        if (n instanceof ArrayNode a) {
            ArrayNode out = a.arrayNode();
            a.forEach(e -> out.add(normalize(e)));
            return out;
        }
        if (n.isNumber()) {
            return com.fasterxml.jackson.databind.node.DecimalNode.valueOf(n.decimalValue().stripTrailingZeros());
        }
        return n;
    }

    private static boolean isEmpty(JsonNode v) {
        return v.isNull() || v.isMissingNode() || (v.isContainerNode() && v.isEmpty());
    }
}
