package dev.j8s.kubelet.status;

import dev.j8s.kubelet.format.GoDuration;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The restart back-off of crashing containers (10 s doubling to 5 min, forgotten after 10 min), keyed by
 * pod UID and container name, as upstream's {@code flowcontrol.Backoff} used by {@code doBackOff};
 * thread-safe.
 *
 * <p>The first exit restarts at once and arms 10 s; an exit within the current back-off of the previous
 * restart waits; an instance that ran longer than twice the maximum since the last restart starts over.
 */
public final class CrashLoopBackOff {

  /** The container-waiting reason while backing off. */
  public static final String REASON = "CrashLoopBackOff";
  static final Duration INITIAL = Duration.ofSeconds(10);
  static final Duration MAX = Duration.ofMinutes(5);

  private final Clock clock;
  private final Duration initial;
  private final Duration max;
  private final Map<Key, Entry> entries = new HashMap<>();

  /** Upstream's defaults: 10 s initial, 5 min maximum. */
  public CrashLoopBackOff(Clock clock) {
    this(clock, INITIAL, MAX);
  }

  public CrashLoopBackOff(Clock clock, Duration initial, Duration max) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("back-off needs 0 < initial <= max, got " + initial + " and " + max);
    }
    this.clock = clock;
    this.initial = initial;
    this.max = max;
  }

  /** Identifies one container of one pod. */
  public record Key(String podUid, String containerName) {}

  private record Entry(Duration backoff, Instant lastUpdate) {}

  /**
   * Upstream {@code doBackOff} for a container whose latest instance finished at {@code finishedAt}: when
   * it must still wait, the waiting reason {@code CrashLoopBackOff} with the message
   * {@code back-off 20s restarting failed container=main pod=busy_default(uid)}; otherwise empty, and the
   * back-off is advanced for the restart that follows.
   */
  public synchronized Optional<WaitingReason> check(Key key, String podName, String podNamespace,
      Instant finishedAt) {
    if (isInBackOffSince(key, finishedAt)) {
      return Optional.of(new WaitingReason(REASON, "back-off " + GoDuration.millis(current(key))
          + " restarting failed container=" + key.containerName() + " pod=" + podName + "_" + podNamespace
          + "(" + key.podUid() + ")"));
    }
    next(key, finishedAt);
    return Optional.empty();
  }

  /** The message of the Warning {@code BackOff} event upstream emits on each sync while backing off. */
  public static String eventMessage(String containerName, String podName, String podNamespace, String podUid) {
    return "Back-off restarting failed container " + containerName + " in pod " + podName + "_" + podNamespace
        + "(" + podUid + ")";
  }

  /** Whether a start now falls inside the back-off that began at {@code eventTime}. */
  public synchronized boolean isInBackOffSince(Key key, Instant eventTime) {
    Entry e = entries.get(key);
    if (e == null || expired(eventTime, e)) {
      return false;
    }
    return Duration.between(eventTime, clock.instant()).compareTo(e.backoff()) < 0;
  }

  /** The current back-off of a key, zero when none. */
  public synchronized Duration current(Key key) {
    Entry e = entries.get(key);
    return e == null ? Duration.ZERO : e.backoff();
  }

  /** Advances the back-off: armed at the initial value, else doubled up to the maximum. */
  public synchronized void next(Key key, Instant eventTime) {
    Entry e = entries.get(key);
    Duration backoff = e == null || expired(eventTime, e) ? initial : min(e.backoff().multipliedBy(2), max);
    entries.put(key, new Entry(backoff, clock.instant()));
  }

  /** Forgets every container of a pod (when the pod is removed). */
  public synchronized void forgetPod(String podUid) {
    entries.keySet().removeIf(k -> k.podUid().equals(podUid));
  }

  /** Drops entries not updated for twice the maximum, as upstream's periodic GC. */
  public synchronized void gc() {
    Instant now = clock.instant();
    entries.values().removeIf(e -> Duration.between(e.lastUpdate(), now).compareTo(max.multipliedBy(2)) > 0);
  }

  private boolean expired(Instant eventTime, Entry e) {
    return Duration.between(e.lastUpdate(), eventTime).compareTo(max.multipliedBy(2)) > 0;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
