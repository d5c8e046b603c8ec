package dev.j8s.apiserver.authorization;

import dev.j8s.apiserver.authentication.UserInfo;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Derives a request's {@link Attributes} from its method, path and query, as upstream's
 * {@code RequestInfoFactory}: the verb from the method (a GET of a collection is {@code list}, or {@code watch}
 * with {@code watch=true} or under {@code /watch/}; a DELETE of a collection {@code deletecollection}), the
 * namespace, resource, name and subresource from the path ({@code /api/v1/namespaces/foo} is resource
 * {@code namespaces}, name and namespace {@code foo}), a {@code metadata.name} field selector as the name.
 * Stateless and thread-safe.
 */
public final class RequestInfo {

    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");
    /** Subresources authorized as {@code create} on every transport (a WebSocket exec is a GET). */
    private static final Set<String> CONNECT_SUBRESOURCES = Set.of("exec", "attach", "portforward");

    private RequestInfo() {}

    /**
     * The attributes of a request.
     *
     * @param rawQuery the query string as sent (possibly null)
     */
    public static Attributes of(UserInfo user, String method, String path, String rawQuery) {
        List<String> parts = segments(path);
        boolean grouped = parts.size() >= 3 && parts.get(0).equals("apis");
        boolean legacy = parts.size() >= 2 && parts.get(0).equals("api");
        if (!grouped && !legacy) {
            return Attributes.nonResource(user, method.toLowerCase(Locale.ROOT), path);
        }
        String group = grouped ? parts.get(1) : "";
        String version = grouped ? parts.get(2) : parts.get(1);
        List<String> rest = new ArrayList<>(parts.subList(grouped ? 3 : 2, parts.size()));
        if (rest.isEmpty()) {
            // the group-version root (discovery) is a non-resource request
            return Attributes.nonResource(user, method.toLowerCase(Locale.ROOT), path);
        }
        String verb = switch (method) {
            case "POST" -> "create";
            case "GET", "HEAD" -> "get";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> "";
        };
        if (verb.isEmpty()) {
            return Attributes.nonResource(user, method.toLowerCase(Locale.ROOT), path);
        }
        if (rest.get(0).equals("watch")) {
            rest = rest.subList(1, rest.size());
            verb = "watch";
            if (rest.isEmpty()) {
                return Attributes.nonResource(user, method.toLowerCase(Locale.ROOT), path);
            }
        }
        String namespace = "";
        if (rest.get(0).equals("namespaces")) {
            if (rest.size() > 1) {
                namespace = rest.get(1);
                if (rest.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(rest.get(2))) {
                    rest = rest.subList(2, rest.size());
                }
            }
        }
        String resource = rest.get(0);
        String name = rest.size() >= 2 ? rest.get(1) : "";
        String subresource = rest.size() >= 3 ? rest.get(2) : "";
        String fieldSelector = param(rawQuery, "fieldSelector");
        if (name.isEmpty() && verb.equals("get")) {
            String watch = param(rawQuery, "watch").toLowerCase(Locale.ROOT);
            verb = !watch.isEmpty() && !watch.equals("false") && !watch.equals("0") ? "watch" : "list";
            String exact = new Attributes(user, verb, true, "", "", "", "", "", "", "", fieldSelector)
                    .fieldSelectorRequires("metadata.name");
            if (!exact.isEmpty() && !exact.contains("/") && !exact.equals(".") && !exact.equals("..")
                    && !exact.contains("%")) {
                name = exact;
            }
        }
        if (name.isEmpty() && verb.equals("delete")) {
            verb = "deletecollection";
        }
        if (CONNECT_SUBRESOURCES.contains(subresource) && verb.equals("get")) {
            verb = "create";
        }
        return new Attributes(user, verb, true, path, group, version, namespace, resource, subresource, name,
                fieldSelector);
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    /** The first value of a query parameter, decoded; "" when absent. */
    static String param(String rawQuery, String name) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (decode(key).equals(name)) {
                return eq < 0 ? "" : decode(pair.substring(eq + 1));
            }
        }
        return "";
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
