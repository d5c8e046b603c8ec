package dev.j8s.kubelet.server;

/**
 * What a request to the kubelet API asks to do to the node, for the cluster's SubjectAccessReview, as upstream's
 * {@code NodeAuthorizerAttributesGetter}: the verb from the HTTP method, the resource {@code nodes} named after the
 * node, and the subresource from the path ({@code stats}, {@code metrics}, {@code log}, {@code spec},
 * {@code checkpoint}, else {@code proxy}).
 */
record RequestAttributes(String verb, String subresource) {

    static RequestAttributes of(String method, String path) {
        String verb = switch (method) {
            case "POST" -> "create";
            case "GET", "HEAD" -> "get";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> method.toLowerCase(java.util.Locale.ROOT);
        };
        String subresource = "proxy";
        if (under(path, "/stats")) {
            subresource = "stats";
        } else if (under(path, "/metrics")) {
            subresource = "metrics";
        } else if (under(path, "/logs")) {
            subresource = "log";
        } else if (under(path, "/spec")) {
            subresource = "spec";
        } else if (under(path, "/checkpoint")) {
            subresource = "checkpoint";
        }
        return new RequestAttributes(verb, subresource);
    }

    private static boolean under(String path, String prefix) {
        return path.equals(prefix) || path.startsWith(prefix + "/");
    }

    /** Upstream's text of a 403: {@code Forbidden (user=…, verb=…, resource=nodes, subresource=…)}. */
    String forbidden(String user) {
        return "Forbidden (user=" + user + ", verb=" + verb + ", resource=nodes, subresource=" + subresource + ")";
    }
}
