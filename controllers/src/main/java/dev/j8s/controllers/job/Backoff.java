package dev.j8s.controllers.job;

import java.time.Duration;

/**
 * The delay before a Job creates a pod again after failures: 10 s doubled for each further failure since the last
 * success, at most 10 minutes (upstream's {@code DefaultJobPodFailureBackOff} and {@code MaxJobPodFailureBackOff}).
 * Stateless.
 */
final class Backoff {

    static final Duration INITIAL = Duration.ofSeconds(10);
    static final Duration MAX = Duration.ofMinutes(10);

    private Backoff() {}

    /** The delay after {@code failures} failures in a row (none: no delay). */
    static Duration delay(int failures) {
        if (failures <= 0) {
            return Duration.ZERO;
        }
        Duration d = INITIAL;
        for (int i = 1; i < failures; i++) {
            d = d.multipliedBy(2);
            if (d.compareTo(MAX) >= 0) {
                return MAX;
            }
        }
        return d;
    }
}
