package dev.j8s.controllers.workqueue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * How long a failed item waits before it is retried: the longer of a per-item exponential back-off
 * ({@code base × 2^failures}, at most {@code max}) and a global token bucket ({@code qps}, {@code burst}), as
 * client-go's DefaultControllerRateLimiter combines them. Thread-safe.
 */
public final class RateLimiter {

    private final Duration base;
    private final Duration max;
    private final double qps;
    private final int burst;
    private final Map<String, Integer> failures = new HashMap<>();
    private double tokens;
    private long lastNanos = System.nanoTime();

    public RateLimiter(Duration base, Duration max, double qps, int burst) {
        this.base = base;
        this.max = max;
        this.qps = qps;
        this.burst = burst;
        this.tokens = burst;
    }

    /** Upstream's defaults: 5 ms doubling up to 1000 s per item, 10 per second with a burst of 100 overall. */
    public static RateLimiter defaults() {
        return new RateLimiter(Duration.ofMillis(5), Duration.ofSeconds(1000), 10, 100);
    }

    /** The wait before the next retry of {@code item}, counting this failure. */
    public synchronized Duration when(String item) {
        int n = failures.merge(item, 1, Integer::sum) - 1;
        Duration backoff = n >= 40 ? max : base.multipliedBy(1L << Math.min(n, 40));
        if (backoff.compareTo(max) > 0) {
            backoff = max;
        }
        return backoff.compareTo(bucket()) >= 0 ? backoff : bucket();
    }

    /** Takes one token from the bucket; the wait until it is there. */
    private Duration bucket() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - lastNanos) / 1e9 * qps);
        lastNanos = now;
        tokens -= 1;
        return tokens >= 0 ? Duration.ZERO : Duration.ofNanos((long) (-tokens / qps * 1e9));
    }

    /** Forgets the failures of {@code item} (it succeeded). */
    public synchronized void forget(String item) {
        failures.remove(item);
    }

    /** How many times {@code item} failed since it was last forgotten. */
    public synchronized int numRequeues(String item) {
        return failures.getOrDefault(item, 0);
    }
}
