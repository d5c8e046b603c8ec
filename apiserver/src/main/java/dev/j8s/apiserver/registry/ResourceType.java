package dev.j8s.apiserver.registry;

import java.util.List;
import java.util.Set;

/**
 * One served resource: the single table that drives routing, discovery, Tables, field selectors
 * and OpenAPI. Immutable and thread-safe.
 *
 * @param group         API group, empty for the core group
 * @param version       API version ({@code v1})
 * @param kind          the kind ({@code Pod})
 * @param plural        the resource name in URLs ({@code pods})
 * @param singular      the singular name ({@code pod})
 * @param namespaced    whether objects live in a namespace
 * @param shortNames    kubectl short names ({@code po})
 * @param categories    categories ({@code all})
 * @param verbs         verbs served on the main resource
 * @param subresources  served subresources
 * @param model         the fabric8 model class, used for unknown-field detection and OpenAPI
 * @param fieldLabels   field-selector keys beyond {@code metadata.name}/{@code metadata.namespace}
 */
public record ResourceType(
        String group,
        String version,
        String kind,
        String plural,
        String singular,
        boolean namespaced,
        List<String> shortNames,
        List<String> categories,
        List<String> verbs,
        List<Subresource> subresources,
        Class<?> model,
        Set<String> fieldLabels) {

    /** A subresource such as {@code pods/log}. */
    public record Subresource(String name, String group, String version, String kind, List<String> verbs) {

        /** The kind of the objects this subresource takes and returns ({@code v1 Binding} for pods/binding). */
        public GroupVersionKind gvk() {
            return new GroupVersionKind(group, version, kind);
        }
    }

    public ResourceType {
        shortNames = List.copyOf(shortNames);
        categories = List.copyOf(categories);
        verbs = List.copyOf(verbs);
        subresources = List.copyOf(subresources);
        fieldLabels = Set.copyOf(fieldLabels);
    }

    public GroupVersionKind gvk() {
        return new GroupVersionKind(group, version, kind);
    }

    /** The subresource named {@code name}, if served. */
    public java.util.Optional<Subresource> subresource(String name) {
        return subresources.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** {@code v1} or {@code events.k8s.io/v1}. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** The name upstream uses in error messages: {@code pods}, {@code leases.coordination.k8s.io}. */
    public String qualifiedResource() {
        return group.isEmpty() ? plural : plural + "." + group;
    }

    /** The list kind ({@code PodList}). */
    public String listKind() {
        return kind + "List";
    }

    /**
     * The storage key: objects of the same resource in different versions share one, so
     * {@code events} and {@code events.events.k8s.io} are one collection as upstream.
     */
    public String storageKey() {
        return switch (qualifiedResource()) {
            case "events.events.k8s.io" -> "events";
            default -> qualifiedResource();
        };
    }

    public boolean hasVerb(String verb) {
        return verbs.contains(verb);
    }

    public boolean hasSubresource(String name) {
        return subresources.stream().anyMatch(s -> s.name().equals(name));
    }
}
