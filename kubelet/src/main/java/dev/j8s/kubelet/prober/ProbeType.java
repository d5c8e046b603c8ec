package dev.j8s.kubelet.prober;

/** The three kinds of probe, named as upstream's events name them; immutable. */
public enum ProbeType {
    LIVENESS("Liveness"),
    READINESS("Readiness"),
    STARTUP("Startup");

    private final String display;

    ProbeType(String display) {
        this.display = display;
    }

    /** {@code Liveness}, {@code Readiness}, {@code Startup}: the start of {@code Unhealthy} messages. */
    @Override
    public String toString() {
        return display;
    }
}
