package dev.j8s.kubelet.probe;

/**
 * The outcome of one probe run (upstream {@code probe.Result} with its output); immutable and thread-safe.
 *
 * @param output what the probe said: the HTTP body or failure text, the command's output, the dial error
 */
public record ProbeResult(Kind kind, String output) {

    /** Upstream's {@code probe.Success}, {@code Warning}, {@code Failure} and {@code Unknown}. */
    public enum Kind {
        SUCCESS, WARNING, FAILURE, UNKNOWN
    }

    public static ProbeResult success(String output) {
        return new ProbeResult(Kind.SUCCESS, output);
    }

    public static ProbeResult warning(String output) {
        return new ProbeResult(Kind.WARNING, output);
    }

    public static ProbeResult failure(String output) {
        return new ProbeResult(Kind.FAILURE, output);
    }
}
