package dev.j8s.kubelet.events;

import io.fabric8.kubernetes.api.model.ObjectReference;

/**
 * Records an event about an object for users (upstream's {@code record.EventRecorder.Event}); implementations
 * must be thread-safe and must not block the caller on the API server.
 *
 * <p>Messages are user-facing API output: callers build them only from the pod spec and credential-free error
 * texts, never from credentials.
 */
@FunctionalInterface
public interface EventRecorder {
    /** Drops every event. */
    EventRecorder DISCARD = (involved, type, reason, message) -> {};

    /**
     * Records one event.
     *
     * @param involved the object the event is about; for a container the Pod with a {@code fieldPath}
     *     (see {@link dev.j8s.kubelet.container.ContainerReferences#of})
     */
    void event(ObjectReference involved, EventType type, EventReason reason, String message);
}
