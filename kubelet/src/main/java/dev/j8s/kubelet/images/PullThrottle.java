package dev.j8s.kubelet.images;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A token bucket that never waits, as upstream's {@code throttleImagePulling} uses
 * ({@code flowcontrol.NewTokenBucketRateLimiter(qps, burst).TryAccept()}); starts full. Thread-safe.
 */
final class PullThrottle {
    /** Upstream's error text when the bucket is empty. */
    static final String QPS_EXCEEDED = "pull QPS exceeded";

    private final Clock clock;
    private final double qps;
    private final int burst;
    private double tokens;
    private Instant last;

    PullThrottle(Clock clock, double qps, int burst) {
        this.clock = clock;
        this.qps = qps;
        this.burst = burst;
        this.tokens = burst;
        this.last = clock.instant();
    }

    /** Takes a token if one is available; always true when the QPS limit is 0 (disabled). */
    synchronized boolean tryAccept() {
        if (qps <= 0) {
            return true;
        }
        Instant now = clock.instant();
        if (now.isAfter(last)) {
            double elapsed = Duration.between(last, now).toNanos() / 1e9;
            tokens = Math.min(burst, tokens + elapsed * qps);
            last = now;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
