package dev.j8s.kubelet.lifecycle;

/** The two container lifecycle hooks; immutable and thread-safe. */
public enum Hook {
    POST_START("postStart", "PostStartHook"),
    PRE_STOP("preStop", "PreStopHook");

    private final String field;
    private final String eventName;

    Hook(String field, String eventName) {
        this.field = field;
        this.eventName = eventName;
    }

    /** The field of {@code lifecycle}: {@code postStart}, {@code preStop}. */
    public String field() {
        return field;
    }

    /** The name upstream's events use: {@code PostStartHook failed}, {@code PreStopHook failed}. */
    public String eventName() {
        return eventName;
    }
}
