package dev.j8s.controllers.common;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a controller has asked the API for and not yet seen in its informer, per controller key: a number of
 * creations and the keys of the pods it deletes (upstream's UIDTrackingControllerExpectations). A controller
 * changes its pods only when its expectations are satisfied (or expired after five minutes), so a stale cache
 * never makes it create or delete twice. Thread-safe.
 */
public final class Expectations {

    /** How long unmet expectations hold: after this a lost watch event cannot stall a controller. */
    public static final Duration TTL = Duration.ofMinutes(5);

    private final Clock clock;
    private final Map<String, Record> records = new ConcurrentHashMap<>();

    public Expectations(Clock clock) {
        this.clock = clock;
    }

    private static final class Record {
        int adds;
        final Set<String> deletes = new HashSet<>();
        final Instant since;

        Record(Instant since) {
            this.since = since;
        }
    }

    /** Whether the controller may act for {@code key}: nothing pending, or the expectations expired. */
    public boolean satisfied(String key) {
        Record r = records.get(key);
        if (r == null) {
            return true;
        }
        synchronized (r) {
            if (r.adds <= 0 && r.deletes.isEmpty()) {
                return true;
            }
            return Duration.between(r.since, clock.instant()).compareTo(TTL) > 0;
        }
    }

    /** Expects {@code adds} creations (and nothing else) for {@code key}, replacing what was expected. */
    public void expectCreations(String key, int adds) {
        Record r = new Record(clock.instant());
        r.adds = adds;
        records.put(key, r);
    }

    /** Expects the deletion of the objects {@code deleteKeys} for {@code key}, replacing what was expected. */
    public void expectDeletions(String key, Collection<String> deleteKeys) {
        Record r = new Record(clock.instant());
        r.deletes.addAll(deleteKeys);
        records.put(key, r);
    }

    /** A creation was seen (or failed and will never be seen). */
    public void creationObserved(String key) {
        Record r = records.get(key);
        if (r != null) {
            synchronized (r) {
                r.adds--;
            }
        }
    }

    /** The deletion of {@code deletedKey} was seen (or failed and will never be seen). */
    public void deletionObserved(String key, String deletedKey) {
        Record r = records.get(key);
        if (r != null) {
            synchronized (r) {
                r.deletes.remove(deletedKey);
            }
        }
    }

    /** Forgets the expectations of a controller that is gone. */
    public void delete(String key) {
        records.remove(key);
    }
}
