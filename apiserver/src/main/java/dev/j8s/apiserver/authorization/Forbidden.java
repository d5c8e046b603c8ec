package dev.j8s.apiserver.authorization;

import dev.j8s.apiserver.errors.ApiError;

/**
 * The 403 of a request its authorizers did not allow, worded as upstream's {@code responsewriters.Forbidden}:
 * {@code pods "x" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "dev"},
 * the authorizers' reason appended after {@code ": "}. Stateless.
 */
public final class Forbidden {

    private Forbidden() {}

    public static ApiError.Forbidden of(Attributes a, String reason) {
        String message = escape(message(a));
        String full = reason.isEmpty() ? message : message + ": " + reason;
        return ApiError.Forbidden.of(a.apiGroup(), a.resource(), a.name(), full);
    }

    /** upstream {@code forbiddenMessage}. */
    static String message(Attributes a) {
        String user = quote(a.user().name());
        if (!a.resourceRequest()) {
            return "User " + user + " cannot " + a.verb() + " path " + quote(a.path());
        }
        String resource = a.combinedResource();
        if (!a.namespace().isEmpty()) {
            return "User " + user + " cannot " + a.verb() + " resource " + quote(resource) + " in API group "
                    + quote(a.apiGroup()) + " in the namespace " + quote(a.namespace());
        }
        return "User " + user + " cannot " + a.verb() + " resource " + quote(resource) + " in API group "
                + quote(a.apiGroup()) + " at the cluster scope";
    }

    /** Go's {@code %q} for the printable strings names are. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** upstream's sanitizer: {@code &}, {@code <} and {@code >} as HTML entities. */
    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
