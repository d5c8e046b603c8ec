package dev.j8s.apiserver.authorization;

import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.errors.ApiError;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Upstream's {@code WithImpersonation} filter ({@code kubectl --as/--as-group/--as-uid}): the
 * {@code Impersonate-User}, {@code -Group}, {@code -Uid} and {@code Impersonate-Extra-<key>} headers replace the
 * caller by the user they describe once the caller may {@code impersonate} each part ({@code users},
 * {@code serviceaccounts} in the account's namespace, {@code groups}, {@code uids} and {@code userextras/<key>}
 * of {@code authentication.k8s.io}). Stateless and thread-safe.
 */
public final class Impersonation {

    public static final String USER = "Impersonate-User";
    public static final String GROUP = "Impersonate-Group";
    public static final String UID = "Impersonate-Uid";
    public static final String EXTRA_PREFIX = "Impersonate-Extra-";

    private Impersonation() {}

    /**
     * The user a request acts as.
     *
     * @param headers the request's headers, names in any case, each with its values in order
     * @throws ApiError.Forbidden when the caller may not impersonate one of the parts
     * @throws ApiError.InternalError when groups, extras or a UID are given without a user (as upstream)
     */
    public static UserInfo apply(UserInfo caller, Map<String, List<String>> headers, Authorizer authorizer) {
        List<String> users = values(headers, USER);
        List<String> groupsAsked = values(headers, GROUP);
        List<String> uids = values(headers, UID);
        Map<String, List<String>> extrasAsked = new LinkedHashMap<>();
        headers.forEach((name, vs) -> {
            if (name.regionMatches(true, 0, EXTRA_PREFIX, 0, EXTRA_PREFIX.length())) {
                String key = URLDecoder.decode(name.substring(EXTRA_PREFIX.length()), StandardCharsets.UTF_8)
                        .toLowerCase(Locale.ROOT);
                extrasAsked.computeIfAbsent(key, k -> new ArrayList<>()).addAll(vs);
            }
        });
        if (users.isEmpty()) {
            if (!groupsAsked.isEmpty() || !uids.isEmpty() || !extrasAsked.isEmpty()) {
                throw new ApiError.InternalError("requested impersonation of groups, extras or a UID without impersonating a user");
            }
            return caller;
        }
        String username = users.getFirst();
        List<String> groups = new ArrayList<>();
        boolean groupsSpecified = !groupsAsked.isEmpty();
        if (username.startsWith(UserInfo.SERVICE_ACCOUNT_PREFIX)
                && username.substring(UserInfo.SERVICE_ACCOUNT_PREFIX.length()).split(":", -1).length == 2) {
            String[] parts = username.substring(UserInfo.SERVICE_ACCOUNT_PREFIX.length()).split(":", -1);
            require(authorizer, Attributes.resource(caller, "impersonate", "", "v1", parts[0], "serviceaccounts", "", parts[1]));
            if (!groupsSpecified) {
                groups.addAll(UserInfo.serviceAccountGroups(parts[0]));
            }
        } else {
            require(authorizer, Attributes.resource(caller, "impersonate", "", "v1", "", "users", "", username));
        }
        for (String g : groupsAsked) {
            require(authorizer, Attributes.resource(caller, "impersonate", "", "v1", "", "groups", "", g));
            groups.add(g);
        }
        Map<String, List<String>> extra = new LinkedHashMap<>();
        extrasAsked.forEach((key, vs) -> {
            for (String v : vs) {
                require(authorizer, Attributes.resource(caller, "impersonate", "authentication.k8s.io", "v1", "",
                        "userextras", key, v));
                extra.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
            }
        });
        String uid = "";
        if (!uids.isEmpty()) {
            uid = uids.getFirst();
            require(authorizer, Attributes.resource(caller, "impersonate", "authentication.k8s.io", "v1", "", "uids",
                    "", uid));
        }
        if (!username.equals(UserInfo.ANONYMOUS_NAME)) {
            if (!groups.contains(UserInfo.AUTHENTICATED) && !groups.contains(UserInfo.UNAUTHENTICATED)) {
                groups.add(UserInfo.AUTHENTICATED);
            }
        } else if (!groups.contains(UserInfo.UNAUTHENTICATED)) {
            groups.add(UserInfo.UNAUTHENTICATED);
        }
        return new UserInfo(username, uid, groups, extra);
    }

    private static void require(Authorizer authorizer, Attributes attributes) {
        Decision d = authorizer.authorize(attributes);
        if (!d.allowed()) {
            throw Forbidden.of(attributes, d.reason());
        }
    }

    private static List<String> values(Map<String, List<String>> headers, String name) {
        List<String> out = new ArrayList<>();
        headers.forEach((k, vs) -> {
            if (k.equalsIgnoreCase(name)) {
                out.addAll(vs);
            }
        });
        return out;
    }
}
