package dev.j8s.apiserver.registry;

import java.util.Optional;

/**
 * A group, version and kind, as upstream's {@code schema.GroupVersionKind}; any part may be empty (a body without
 * {@code kind}). Immutable and thread-safe.
 */
public record GroupVersionKind(String group, String version, String kind) {

    /**
     * The group and version of an object's {@code apiVersion} ({@code v1}, {@code events.k8s.io/v1}, empty for
     * none) with {@code kind}, as upstream's {@code schema.ParseGroupVersion}; empty for more than one slash.
     */
    public static Optional<GroupVersionKind> parse(String apiVersion, String kind) {
        if (apiVersion.isEmpty() || apiVersion.equals("/")) {
            return Optional.of(new GroupVersionKind("", "", kind));
        }
        int slash = apiVersion.indexOf('/');
        if (slash < 0) {
            return Optional.of(new GroupVersionKind("", apiVersion, kind));
        }
        if (apiVersion.indexOf('/', slash + 1) >= 0) {
            return Optional.empty();
        }
        return Optional.of(new GroupVersionKind(apiVersion.substring(0, slash), apiVersion.substring(slash + 1), kind));
    }

    /** {@code v1} or {@code events.k8s.io/v1}, as in an object's {@code apiVersion}. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /**
     * Upstream's {@code gvkWithDefaults}: the kind, and the version when the group is empty or the same, from
     * {@code defaults}.
     */
    public GroupVersionKind withDefaults(GroupVersionKind defaults) {
        String g = group;
        String v = version;
        if (v.isEmpty() && g.isEmpty()) {
            g = defaults.group();
            v = defaults.version();
        }
        if (v.isEmpty() && g.equals(defaults.group())) {
            v = defaults.version();
        }
        return new GroupVersionKind(g, v, kind.isEmpty() ? defaults.kind() : kind);
    }

    public GroupVersionKind withKind(String other) {
        return new GroupVersionKind(group, version, other);
    }

    /** Go's rendering: {@code /v1, Kind=Pod}, {@code apps/v1, Kind=Deployment}. */
    @Override
    public String toString() {
        return group + "/" + version + ", Kind=" + kind;
    }
}
