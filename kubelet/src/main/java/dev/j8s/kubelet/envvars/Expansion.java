package dev.j8s.kubelet.envvars;

import java.util.Map;
import java.util.function.Function;

/**
 * Upstream's {@code expansion.Expand}: {@code $(NAME)} is replaced by its value, {@code $$} is a literal
 * {@code $}, and everything else, an unknown {@code $(NAME)} included, is kept as written; no shell syntax
 * ({@code $NAME}, {@code ${NAME}}) and no nesting. Stateless and thread-safe.
 */
public final class Expansion {

    private Expansion() {}

    /** Expands {@code input} with the variables of {@code env}. */
    public static String expand(String input, Map<String, String> env) {
        return expand(input, name -> env.get(name));
    }

    /**
     * Expands {@code input}; {@code lookup} answers a variable's value or null when it has none (the reference
     * is then kept).
     */
    public static String expand(String input, Function<String, String> lookup) {
        StringBuilder out = new StringBuilder(input.length());
        int checkpoint = 0;
        for (int cursor = 0; cursor < input.length(); cursor++) {
            if (input.charAt(cursor) != '$' || cursor + 1 >= input.length()) {
                continue;
            }
            out.append(input, checkpoint, cursor);
            char next = input.charAt(cursor + 1);
            int advance = 1;
            if (next == '$') {
                out.append('$'); // an escaped $
            } else if (next == '(') {
                int close = input.indexOf(')', cursor + 2);
                if (close < 0) {
                    out.append("$("); // never closed: kept as written
                } else {
                    String name = input.substring(cursor + 2, close);
                    String value = lookup.apply(name);
                    out.append(value != null ? value : "$(" + name + ")");
                    advance = close - cursor;
                }
            } else {
                out.append('$').append(next);
            }
            cursor += advance;
            checkpoint = cursor + 1;
        }
        return out.append(input, Math.min(checkpoint, input.length()), input.length()).toString();
    }
}
