package dev.j8s.apiserver.authentication;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An authenticated (or anonymous) user as upstream's {@code user.Info}: name, UID, groups in order and extra
 * values. Immutable and thread-safe.
 */
public record UserInfo(String name, String uid, List<String> groups, Map<String, List<String>> extra) {

    public static final String MASTERS = "system:masters";
    public static final String AUTHENTICATED = "system:authenticated";
    public static final String UNAUTHENTICATED = "system:unauthenticated";
    public static final String ANONYMOUS_NAME = "system:anonymous";
    public static final String NODES = "system:nodes";
    public static final String NODE_PREFIX = "system:node:";
    public static final String SERVICE_ACCOUNTS = "system:serviceaccounts";
    public static final String SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:";
    public static final String SERVICE_ACCOUNT_GROUP_PREFIX = "system:serviceaccounts:";
    /** The user kube-controller-manager authenticates as (bound to the ClusterRole of the same name). */
    public static final String KUBE_CONTROLLER_MANAGER = "system:kube-controller-manager";

    /** The API server's own privileged identity for work done inside it (upstream's loopback client). */
    public static final UserInfo APISERVER = new UserInfo("system:apiserver", "", List.of(MASTERS, AUTHENTICATED), Map.of());

    public UserInfo {
        Objects.requireNonNull(name);
        Objects.requireNonNull(uid);
        groups = List.copyOf(groups);
        Map<String, List<String>> copy = new LinkedHashMap<>();
        extra.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        extra = Map.copyOf(copy);
    }

    /** A user with these groups, {@code system:authenticated} appended unless present. */
    public static UserInfo authenticated(String name, String uid, List<String> groups, Map<String, List<String>> extra) {
        List<String> all = new ArrayList<>(groups);
        if (!all.contains(AUTHENTICATED)) {
            all.add(AUTHENTICATED);
        }
        return new UserInfo(name, uid, all, extra);
    }

    public static UserInfo anonymous() {
        return new UserInfo(ANONYMOUS_NAME, "", List.of(UNAUTHENTICATED), Map.of());
    }

    public boolean inGroup(String group) {
        return groups.contains(group);
    }

    public boolean isAnonymous() {
        return name.equals(ANONYMOUS_NAME);
    }

    /**
     * The node of a node identity, as upstream's NodeIdentifier: a name {@code system:node:<name>} in the group
     * {@code system:nodes} (the name may be empty); empty for every other user.
     */
    public Optional<String> nodeName() {
        if (!name.startsWith(NODE_PREFIX) || !inGroup(NODES)) {
            return Optional.empty();
        }
        return Optional.of(name.substring(NODE_PREFIX.length()));
    }

    /** The user name of a service account. */
    public static String serviceAccountName(String namespace, String name) {
        return SERVICE_ACCOUNT_PREFIX + namespace + ":" + name;
    }

    /** The groups of a service account in {@code namespace}. */
    public static List<String> serviceAccountGroups(String namespace) {
        return List.of(SERVICE_ACCOUNTS, SERVICE_ACCOUNT_GROUP_PREFIX + namespace);
    }

    /** The identity of the service account {@code namespace/name} whose object has {@code uid}. */
    public static UserInfo serviceAccount(String namespace, String name, String uid) {
        return authenticated(serviceAccountName(namespace, name), uid, serviceAccountGroups(namespace), Map.of());
    }

    /** The identity of the kubelet of {@code node}. */
    public static UserInfo node(String node) {
        return new UserInfo(NODE_PREFIX + node, "", List.of(NODES, AUTHENTICATED), Map.of());
    }
}
