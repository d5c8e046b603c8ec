package dev.j8s.apiserver.selection;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.registry.ResourceType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed {@code fieldSelector}: {@code k=v}, {@code k==v} and {@code k!=v} terms ANDed together, values unescaped
 * ({@code \,} {@code \=} {@code \\}), keys restricted to the resource's selectable fields and values computed from
 * objects as upstream's registry strategies do (apimachinery pkg/fields, pkg/registry/core/&lt;kind&gt;/strategy.go).
 * Immutable and thread-safe.
 */
public record FieldSelector(List<Term> terms) {

    /**
     * One term on a selectable field, already converted to the internal field name
     * ({@code regarding.name} of events.k8s.io is {@code involvedObject.name}, as upstream converts field labels).
     */
    public record Term(String field, boolean negated, String value) {
        public boolean matches(JsonNode object) {
            return SelectableFields.value(object, field).equals(value) != negated;
        }
    }

    /** events.k8s.io/v1 field labels and the internal (core) field each one is converted to. */
    private static final Map<String, String> EVENTS_V1_LABELS = Map.ofEntries(
            Map.entry("regarding.kind", "involvedObject.kind"),
            Map.entry("regarding.namespace", "involvedObject.namespace"),
            Map.entry("regarding.name", "involvedObject.name"),
            Map.entry("regarding.uid", "involvedObject.uid"),
            Map.entry("regarding.apiVersion", "involvedObject.apiVersion"),
            Map.entry("regarding.resourceVersion", "involvedObject.resourceVersion"),
            Map.entry("regarding.fieldPath", "involvedObject.fieldPath"),
            Map.entry("reportingController", "reportingComponent"),
            Map.entry("deprecatedSource.component", "source"));

    public FieldSelector {
        terms = List.copyOf(terms);
    }

    public static FieldSelector everything() {
        return new FieldSelector(List.of());
    }

    /**
     * Parses a selector for a resource; "" selects everything. Syntax errors and keys the resource does not
     * support ({@code field label not supported: <key>}) are 400s.
     */
    public static FieldSelector parse(String text, ResourceType type) {
        List<String> parts = splitTerms(text);
        parts.sort(null);
        Set<String> allowed = new HashSet<>(type.fieldLabels());
        allowed.add("metadata.name");
        if (type.namespaced()) {
            allowed.add("metadata.namespace");
        }
        boolean pods = type.group().isEmpty() && type.plural().equals("pods");
        boolean eventsV1 = type.group().equals("events.k8s.io");
        List<Term> terms = new ArrayList<>();
        for (String part : parts) {
            if (part.isEmpty()) {
                continue;
            }
            int[] op = splitTerm(part);
            if (op == null) {
                throw new ApiError.BadRequest("invalid selector: '" + text + "'; can't understand '" + part + "'");
            }
            String field = part.substring(0, op[0]);
            String value = unescape(part.substring(op[0] + op[1]));
            boolean negated = part.startsWith("!=", op[0]);
            if (pods && field.equals("spec.host")) {
                field = "spec.nodeName"; // upstream still converts the label of old v1 clients
            } else if (!allowed.contains(field)) {
                throw new ApiError.BadRequest("field label not supported: " + field);
            }
            if (eventsV1) {
                field = EVENTS_V1_LABELS.getOrDefault(field, field);
            }
            terms.add(new Term(field, negated, value));
        }
        return new FieldSelector(terms);
    }

    public boolean matches(JsonNode object) {
        for (Term t : terms) {
            if (!t.matches(object)) {
                return false;
            }
        }
        return true;
    }

    public boolean isEverything() {
        return terms.isEmpty();
    }

    /** The exact value required for metadata.name if the selector pins it (for fast paths). */
    public Optional<String> requiredName() {
        for (Term t : terms) {
            if (!t.negated() && t.field().equals("metadata.name")) {
                return Optional.of(t.value());
            }
        }
        return Optional.empty();
    }

    /** Splits on commas not escaped by a backslash; escapes stay in the terms. */
    private static List<String> splitTerms(String selector) {
        List<String> terms = new ArrayList<>();
        if (selector.isEmpty()) {
            return terms;
        }
        int start = 0;
        boolean inSlash = false;
        for (int i = 0; i < selector.length(); i++) {
            char c = selector.charAt(i);
            if (inSlash) {
                inSlash = false;
            } else if (c == '\\') {
                inSlash = true;
            } else if (c == ',') {
                terms.add(selector.substring(start, i));
                start = i + 1;
            }
        }
        terms.add(selector.substring(start));
        return terms;
    }

    /** The index and length of the first operator ({@code !=}, {@code ==}, {@code =}), or null. */
    private static int[] splitTerm(String term) {
        for (int i = 0; i < term.length(); i++) {
            if (term.startsWith("!=", i) || term.startsWith("==", i)) {
                return new int[] {i, 2};
            }
            if (term.charAt(i) == '=') {
                return new int[] {i, 1};
            }
        }
        return null;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0 && s.indexOf(',') < 0 && s.indexOf('=') < 0) {
            return s;
        }
        StringBuilder v = new StringBuilder(s.length());
        boolean inSlash = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inSlash) {
                if (c != '\\' && c != ',' && c != '=') {
                    throw new ApiError.BadRequest(
                            "invalid field selector: invalid escape sequence: \\" + c);
                }
                v.append(c);
                inSlash = false;
            } else if (c == '\\') {
                inSlash = true;
            } else if (c == ',' || c == '=') {
                // Go prints the rune with %v, i.e. as its number.
                throw new ApiError.BadRequest("invalid field selector: unescaped character in value: " + (int) c);
            } else {
                v.append(c);
            }
        }
        if (inSlash) {
            throw new ApiError.BadRequest("invalid field selector: invalid escape sequence: \\");
        }
        return v.toString();
    }
}
