package dev.j8s.kubelet.events;

import io.fabric8.kubernetes.api.model.ObjectReference;
import java.util.function.Supplier;

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

    /**
     * Runs {@code work} (one pod sync) holding the events the current thread records meanwhile and sends them
     * together at its end or at a {@link #flush}; by default each event goes at once.
     */
    default <T> T batched(Supplier<T> work) {
        return work.get();
    }

    /** Sends what the current thread's batch holds now (before a write the events should not trail). */
    default void flush() {}
}
