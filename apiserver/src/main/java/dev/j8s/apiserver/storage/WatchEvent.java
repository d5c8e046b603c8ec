package dev.j8s.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One change in the store: the object after the change (for DELETED its last state carrying the
 * revision of the delete). The object is shared between watchers and must not be modified.
 */
public record WatchEvent(Type type, String resource, String namespace, String name, long revision, ObjectNode object) {

    /** The watch event types of the Kubernetes watch protocol. */
    public enum Type { ADDED, MODIFIED, DELETED }
}
