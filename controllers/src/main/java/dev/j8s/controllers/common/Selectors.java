package dev.j8s.controllers.common;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Label selectors as metav1 evaluates and prints them ({@code LabelSelectorAsSelector}, {@code selector.String()}):
 * a missing selector selects nothing, an empty one everything. Stateless.
 */
public final class Selectors {

    private Selectors() {}

    /** Whether {@code labels} match {@code selector}. */
    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        Map<String, String> have = labels == null ? Map.of() : labels;
        Map<String, String> wanted = selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels();
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            if (!e.getValue().equals(have.get(e.getKey()))) {
                return false;
            }
        }
        for (LabelSelectorRequirement r : expressions(selector)) {
            String value = have.get(r.getKey());
            List<String> values = r.getValues() == null ? List.of() : r.getValues();
            boolean ok = switch (r.getOperator()) {
                case "In" -> value != null && values.contains(value);
                case "NotIn" -> value == null || !values.contains(value);
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> false; // validation refuses other operators
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Whether a selector selects every object ({@code {}}). */
    public static boolean isEmpty(LabelSelector selector) {
        return selector != null && (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                && expressions(selector).isEmpty();
    }

    /**
     * The selector in the query-string form ({@code app=web,tier in (a,b)}), requirements sorted by key as
     * upstream prints them; empty for a selector that selects everything.
     */
    public static String format(LabelSelector selector) {
        if (selector == null) {
            return "";
        }
        TreeMap<String, List<String>> byKey = new TreeMap<>();
        if (selector.getMatchLabels() != null) {
            selector.getMatchLabels().forEach((k, v) -> byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(k + "=" + v));
        }
        for (LabelSelectorRequirement r : expressions(selector)) {
            List<String> values = r.getValues() == null ? List.of() : r.getValues().stream().sorted().toList();
            String text = switch (r.getOperator()) {
                case "In" -> r.getKey() + " in (" + String.join(",", values) + ")";
                case "NotIn" -> r.getKey() + " notin (" + String.join(",", values) + ")";
                case "Exists" -> r.getKey();
                case "DoesNotExist" -> "!" + r.getKey();
                default -> r.getKey() + " " + r.getOperator();
            };
            byKey.computeIfAbsent(r.getKey(), x -> new ArrayList<>()).add(text);
        }
        List<String> parts = new ArrayList<>();
        byKey.values().forEach(parts::addAll);
        return String.join(",", parts);
    }

    private static List<LabelSelectorRequirement> expressions(LabelSelector selector) {
        return selector.getMatchExpressions() == null ? List.of() : selector.getMatchExpressions();
    }
}
