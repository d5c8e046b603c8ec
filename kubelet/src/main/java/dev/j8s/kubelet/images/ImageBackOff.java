package dev.j8s.kubelet.images;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-key exponential back-off without jitter, as client-go's {@code flowcontrol.Backoff} that the image
 * manager creates with {@code NewBackOff(10s, 300s)}: the first failure opens a window of the initial
 * duration, each further failure doubles it up to the maximum, and a key idle for more than twice the maximum
 * starts over. Thread-safe.
 */
final class ImageBackOff {
    private record Entry(Duration backOff, Instant lastUpdate) {}

    private final Clock clock;
    private final Duration initial;
    private final Duration max;
    private final Map<String, Entry> entries = new HashMap<>();

    ImageBackOff(Clock clock, Duration initial, Duration max) {
        this.clock = clock;
        this.initial = initial;
        this.max = max;
    }

    /** Records a failure for {@code key} now ({@code Next}). */
    synchronized void next(String key) {
        Instant now = clock.instant();
        Entry e = entries.get(key);
        Duration backOff;
        if (e == null || expired(now, e)) {
            backOff = initial;
        } else {
            Duration doubled = e.backOff().multipliedBy(2);
            backOff = doubled.compareTo(max) > 0 ? max : doubled;
        }
        entries.put(key, new Entry(backOff, now));
    }

    /** Whether {@code key} is inside its window: now − last failure &lt; window ({@code IsInBackOffSinceUpdate}). */
    synchronized boolean isInBackOff(String key) {
        Instant now = clock.instant();
        Entry e = entries.get(key);
        if (e == null || expired(now, e)) {
            return false;
        }
        return Duration.between(e.lastUpdate(), now).compareTo(e.backOff()) < 0;
    }

    /** The current window of {@code key}, zero when it has none. */
    synchronized Duration window(String key) {
        Entry e = entries.get(key);
        return e == null ? Duration.ZERO : e.backOff();
    }

    /** Drops keys idle for more than twice the maximum ({@code GC}). */
    synchronized void gc() {
        Instant now = clock.instant();
        entries.values().removeIf(e -> expired(now, e));
    }

    synchronized int size() {
        return entries.size();
    }

    private boolean expired(Instant now, Entry e) {
        return Duration.between(e.lastUpdate(), now).compareTo(max.multipliedBy(2)) > 0;
    }
}
