package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders API values as Go's {@code %#v} prints the upstream types in field errors
 * ({@code map[string]string{"app":"web"}}, {@code v1.LabelSelector{…}}, {@code intstr.IntOrString{…}}), so a
 * message reads as upstream's. Stateless.
 */
final class GoValues {

    private GoValues() {}

    /** A {@code map[string]string}, keys sorted as Go's fmt sorts them; {@code nil} when absent. */
    static FieldErrors.Raw stringMap(JsonNode map) {
        return new FieldErrors.Raw(mapText(map));
    }

    private static String mapText(JsonNode map) {
        if (map == null || !map.isObject()) {
            return "map[string]string(nil)";
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        map.properties().forEach(e -> sorted.put(e.getKey(), e.getValue().asText("")));
        List<String> pairs = new ArrayList<>();
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            pairs.add(FieldErrors.goQuote(e.getKey()) + ":" + FieldErrors.goQuote(e.getValue()));
        }
        return "map[string]string{" + String.join(", ", pairs) + "}";
    }

    /** A {@code metav1.LabelSelector}. */
    static FieldErrors.Raw labelSelector(JsonNode selector) {
        if (selector == null || !selector.isObject()) {
            return new FieldErrors.Raw("null");
        }
        JsonNode expressions = selector.get("matchExpressions");
        String exprs;
        if (expressions == null || !expressions.isArray() || expressions.isEmpty()) {
            exprs = "[]v1.LabelSelectorRequirement(nil)";
        } else {
            List<String> items = new ArrayList<>();
            for (JsonNode e : expressions) {
                List<String> values = new ArrayList<>();
                e.path("values").forEach(v -> values.add(FieldErrors.goQuote(v.asText(""))));
                String valuesText = e.has("values") && e.get("values").isArray()
                        ? "[]string{" + String.join(", ", values) + "}" : "[]string(nil)";
                items.add("v1.LabelSelectorRequirement{Key:" + FieldErrors.goQuote(e.path("key").asText(""))
                        + ", Operator:" + FieldErrors.goQuote(e.path("operator").asText("")) + ", Values:" + valuesText + "}");
            }
            exprs = "[]v1.LabelSelectorRequirement{" + String.join(", ", items) + "}";
        }
        return new FieldErrors.Raw("v1.LabelSelector{MatchLabels:" + mapText(selector.get("matchLabels"))
                + ", MatchExpressions:" + exprs + "}");
    }

    /** An {@code intstr.IntOrString} (Type 0 an int, 1 a string). */
    static FieldErrors.Raw intOrString(JsonNode value) {
        if (value != null && value.isTextual()) {
            return new FieldErrors.Raw("intstr.IntOrString{Type:1, IntVal:0, StrVal:" + FieldErrors.goQuote(value.asText())
                    + "}");
        }
        int v = value == null ? 0 : value.asInt(0);
        return new FieldErrors.Raw("intstr.IntOrString{Type:0, IntVal:" + v + ", StrVal:\"\"}");
    }
}
