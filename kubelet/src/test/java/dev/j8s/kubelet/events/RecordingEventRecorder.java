package dev.j8s.kubelet.events;

import io.fabric8.kubernetes.api.model.ObjectReference;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A test {@link EventRecorder} that keeps every event in order; thread-safe. */
public final class RecordingEventRecorder implements EventRecorder {
    /** One recorded event. */
    public record Event(ObjectReference involved, EventType type, EventReason reason, String message) {
        /** {@code <type> <reason> <message>}, the way tests compare events. */
        public String line() {
            return type.value() + " " + reason.value() + " " + message;
        }
    }

    private final List<Event> events = new CopyOnWriteArrayList<>();
    private volatile Consumer<Event> listener = e -> {};

    @Override
    public void event(ObjectReference involved, EventType type, EventReason reason, String message) {
        Event e = new Event(involved, type, reason, message);
        events.add(e);
        listener.accept(e);
    }

    /** Every event so far, oldest first. */
    public List<Event> events() {
        return List.copyOf(events);
    }

    /** Every event as {@link Event#line()}, oldest first. */
    public List<String> lines() {
        return events.stream().map(Event::line).toList();
    }

    /** Forgets the events recorded so far. */
    public void clear() {
        events.clear();
    }

    /** Calls {@code listener} on the recording thread after each event (to step clocks or latches). */
    public void onEvent(Consumer<Event> listener) {
        this.listener = listener;
    }
}
