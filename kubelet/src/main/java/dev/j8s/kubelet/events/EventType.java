package dev.j8s.kubelet.events;

/** The two event types of the core API ({@code v1.EventTypeNormal}, {@code v1.EventTypeWarning}); immutable. */
public enum EventType {
    NORMAL("Normal"),
    WARNING("Warning");

    private final String value;

    EventType(String value) {
        this.value = value;
    }

    /** The string written to {@code Event.type}. */
    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return value;
    }
}
