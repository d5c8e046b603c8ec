package dev.j8s.controllers.workqueue;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * A rate-limited, delaying work queue of keys, as client-go's: a key queued several times before a worker takes
 * it is processed once; a key is never processed by two workers at once (queued again while processed, it comes
 * back after {@link #done}); {@link #addAfter} and {@link #addRateLimited} add later. Thread-safe.
 */
public final class WorkQueue implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(WorkQueue.class.getName());

    private final String name;
    private final RateLimiter limiter;
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    /** Keys waiting to be processed (in {@link #queue} or marked while processing). */
    private final Set<String> dirty = new HashSet<>();
    private final Set<String> processing = new HashSet<>();
    private final DelayQueue<Waiting> waiting = new DelayQueue<>();
    private final Thread waitingLoop;
    private boolean shuttingDown;

    public WorkQueue(String name, RateLimiter limiter) {
        this.name = name;
        this.limiter = limiter;
        this.waitingLoop = Thread.ofVirtual().name("workqueue-" + name + "-delays").start(this::addWhenDue);
    }

    /** Queues a key (no-op when it is already waiting). */
    public synchronized void add(String key) {
        if (shuttingDown || !dirty.add(key)) {
            return;
        }
        if (!processing.contains(key)) {
            queue.addLast(key);
            notifyAll();
        }
    }

    /** Queues a key after {@code delay}. */
    public void addAfter(String key, Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            add(key);
            return;
        }
        synchronized (this) {
            if (shuttingDown) {
                return;
            }
        }
        waiting.add(new Waiting(key, System.nanoTime() + delay.toNanos()));
    }

    /** Queues a key after its rate-limited back-off (a failed sync). */
    public void addRateLimited(String key) {
        addAfter(key, limiter.when(key));
    }

    /** Resets the back-off of a key (its sync succeeded). */
    public void forget(String key) {
        limiter.forget(key);
    }

    public int numRequeues(String key) {
        return limiter.numRequeues(key);
    }

    /** Blocks for the next key, which is then being processed until {@link #done}; empty once shut down. */
    public synchronized Optional<String> get() throws InterruptedException {
        while (queue.isEmpty() && !shuttingDown) {
            wait();
        }
        if (queue.isEmpty()) {
            return Optional.empty();
        }
        String key = queue.pollFirst();
        processing.add(key);
        dirty.remove(key);
        return Optional.of(key);
    }

    /** Ends the processing of a key; queued again meanwhile, it is queued now. */
    public synchronized void done(String key) {
        processing.remove(key);
        if (dirty.contains(key)) {
            queue.addLast(key);
            notifyAll();
        }
    }

    /** How many keys wait (not counting delayed ones). */
    public synchronized int length() {
        return queue.size();
    }

    /** Stops handing out keys: {@link #get} returns empty. */
    @Override
    public void close() {
        synchronized (this) {
            shuttingDown = true;
            notifyAll();
        }
        waitingLoop.interrupt();
    }

    private void addWhenDue() {
        while (true) {
            try {
                add(waiting.take().key());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "delayed add failed queue=" + name, e);
            }
        }
    }

    private record Waiting(String key, long dueNanos) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(dueNanos, ((Waiting) other).dueNanos);
        }
    }
}
