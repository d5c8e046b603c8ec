package dev.j8s.apiserver.authorization;

import dev.j8s.apiserver.authentication.UserInfo;
import java.util.Objects;

/**
 * What a request asks, as upstream's {@code authorizer.Attributes}: a resource request (verb, group, version,
 * namespace, resource, subresource, name, and for lists and watches the field selector) or a non-resource
 * request (verb and path). Immutable and thread-safe.
 */
public record Attributes(UserInfo user, String verb, boolean resourceRequest, String path, String apiGroup,
                         String apiVersion, String namespace, String resource, String subresource, String name,
                         String fieldSelector) {

    public Attributes {
        Objects.requireNonNull(user);
        Objects.requireNonNull(verb);
    }

    /** A resource request. */
    public static Attributes resource(UserInfo user, String verb, String apiGroup, String apiVersion, String namespace,
                                      String resource, String subresource, String name) {
        return new Attributes(user, verb, true, "", apiGroup, apiVersion, namespace, resource, subresource, name, "");
    }

    /** A non-resource request ({@code get /healthz}). */
    public static Attributes nonResource(UserInfo user, String verb, String path) {
        return new Attributes(user, verb, false, path, "", "", "", "", "", "", "");
    }

    public Attributes withFieldSelector(String selector) {
        return new Attributes(user, verb, resourceRequest, path, apiGroup, apiVersion, namespace, resource,
                subresource, name, selector);
    }

    public Attributes withUser(UserInfo other) {
        return new Attributes(other, verb, resourceRequest, path, apiGroup, apiVersion, namespace, resource,
                subresource, name, fieldSelector);
    }

    /** {@code resource} or {@code resource/subresource}. */
    public String combinedResource() {
        return subresource.isEmpty() ? resource : resource + "/" + subresource;
    }

    /**
     * The value the field selector requires {@code field} to equal exactly ({@code field=value} or
     * {@code field==value} among comma-separated terms), or "" when it does not.
     */
    public String fieldSelectorRequires(String field) {
        if (fieldSelector.isEmpty()) {
            return "";
        }
        for (String term : fieldSelector.split(",")) {
            String t = term.trim();
            int eq = t.indexOf('=');
            if (eq < 0 || (eq > 0 && t.charAt(eq - 1) == '!')) {
                continue;
            }
            String key = t.substring(0, eq).trim();
            String value = t.substring(eq + 1);
            if (value.startsWith("=")) {
                value = value.substring(1);
            }
            if (key.equals(field)) {
                return value.trim();
            }
        }
        return "";
    }
}
