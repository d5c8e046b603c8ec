package dev.j8s.apiserver.selection;

import dev.j8s.apiserver.validation.Syntax;
import java.util.List;

/**
 * Label key and value checks for selectors (through the shared {@link Syntax}) and Go-style quoting.
 * Stateless and thread-safe.
 */
final class Validation {

    private Validation() {}

    /** IsQualifiedName: {@code [prefix/]name}; empty when valid. */
    static List<String> qualifiedName(String value) {
        return Syntax.qualifiedName(value);
    }

    /** IsValidLabelValue; empty when valid. */
    static List<String> labelValue(String value) {
        return Syntax.labelValue(value);
    }

    /** Go's {@code %q} for the printable text a selector holds. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
