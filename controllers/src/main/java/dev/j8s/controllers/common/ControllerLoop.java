package dev.j8s.controllers.common;

import dev.j8s.api.ClusterException;
import dev.j8s.controllers.workqueue.WorkQueue;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The workers of one controller: each takes a key from the queue, runs the level-triggered sync for it, forgets
 * its back-off on success and queues it again rate-limited on failure (upstream's processNextWorkItem). A key is
 * never synced by two workers at once. Thread-safe.
 */
public final class ControllerLoop implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ControllerLoop.class.getName());

    /** The sync of one key; throwing queues the key again after its back-off. */
    @FunctionalInterface
    public interface Sync {
        void sync(String key);
    }

    private final String name;
    private final WorkQueue queue;
    private final Sync sync;
    private final int workers;
    private final List<Thread> threads = new ArrayList<>();

    public ControllerLoop(String name, WorkQueue queue, Sync sync, int workers) {
        this.name = name;
        this.queue = queue;
        this.sync = sync;
        this.workers = workers;
    }

    public synchronized void start() {
        for (int i = 0; i < workers; i++) {
            threads.add(Thread.ofVirtual().name(name + "-worker-" + i).start(this::work));
        }
    }

    private void work() {
        while (true) {
            Optional<String> next;
            try {
                next = queue.get();
            } catch (InterruptedException e) {
                return;
            }
            if (next.isEmpty()) {
                return;
            }
            String key = next.get();
            try {
                sync.sync(key);
                queue.forget(key);
            } catch (ClusterException.Conflict e) {
                // A stale read: the next sync sees the newer object.
                LOG.log(Level.DEBUG, "sync conflicted, retrying controller={0} key={1}: {2}", name, key,
                        e.getMessage());
                queue.addRateLimited(key);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "sync failed, retrying controller=" + name + " key=" + key + ": " + e.getMessage(),
                        e instanceof ClusterException ? null : e);
                queue.addRateLimited(key);
            } finally {
                queue.done(key);
            }
        }
    }

    @Override
    public void close() {
        queue.close();
        List<Thread> all;
        synchronized (this) {
            all = List.copyOf(threads);
        }
        for (Thread t : all) {
            t.interrupt();
        }
        for (Thread t : all) {
            try {
                t.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
