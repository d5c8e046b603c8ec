package dev.j8s.kubelet.pods;

import io.fabric8.kubernetes.api.model.Pod;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiPredicate;

/**
 * Runs one worker per pod UID, each on its own virtual thread: updates are applied in order, and when
 * several arrive during a sync only the latest pod state is synced next (upstream {@code podWorkers.UpdatePod});
 * thread-safe.
 */
public final class PodWorkers implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(PodWorkers.class.getName());

    private final PodSyncHandler handler;
    /** Whether an update of a pod (the pod last synced, the update) calls for a sync at all. */
    private final BiPredicate<Pod, Pod> needsSync;
    private final Map<String, Worker> workers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    public PodWorkers(PodSyncHandler handler) {
        this(handler, (synced, updated) -> true);
    }

    /**
     * With {@code needsSync}, an update that comes to the worker alone (no resync asked, no removal, no resync time
     * reached) is only taken as the pod's latest state when it says no: upstream's reconcile of an update that
     * changes nothing the kubelet acts on.
     */
    public PodWorkers(PodSyncHandler handler, BiPredicate<Pod, Pod> needsSync) {
        this.handler = handler;
        this.needsSync = needsSync;
    }

    /** Queues the latest state of a pod; starts its worker if it has none. */
    public void updatePod(Pod pod) {
        worker(pod).offer(pod, false);
    }

    /** The pod was removed from the API: its worker tears it down and ends. */
    public void removePod(Pod pod) {
        worker(pod).offer(pod, true);
    }

    /** Asks the worker of a pod UID to sync again (a container changed state); ignored for unknown UIDs. */
    public void resync(String uid) {
        Worker w = workers.get(uid);
        if (w != null) {
            w.poke();
        }
    }

    /** The UIDs that have a worker. */
    public Set<String> uids() {
        return Set.copyOf(workers.keySet());
    }

    public boolean isEmpty() {
        return workers.isEmpty();
    }

    private Worker worker(Pod pod) {
        String uid = pod.getMetadata().getUid();
        return workers.computeIfAbsent(uid, u -> {
            Worker w = new Worker(u, pod);
            if (!closed) {
                Thread.ofVirtual().name("pod-worker-" + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName())
                        .start(w::run);
            }
            return w;
        });
    }

    /** Stops every worker after its current sync; pods keep running on the node. */
    @Override
    public void close() {
        closed = true;
        workers.values().forEach(Worker::poke);
    }

    /** One pod's queue: the latest pod, whether it was removed, and whether a sync is due. */
    private final class Worker {
        private final String uid;
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private Pod latest;
        private boolean removed;
        private boolean pending = true;
        /** A sync is due whatever the update: the first one, a resync asked for, a removal. */
        private boolean forced = true;

        Worker(String uid, Pod pod) {
            this.uid = uid;
            this.latest = pod;
        }

        void offer(Pod pod, boolean remove) {
            lock.lock();
            try {
                if (!removed) {
                    latest = pod;
                }
                removed |= remove;
                forced |= remove;
                pending = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void poke() {
            lock.lock();
            try {
                pending = true;
                forced = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        void run() {
            // the System.nanoTime() at which the last outcome asked for a resync; empty for none
            Optional<Long> resyncAt = Optional.empty();
            Pod synced = null;
            try {
                while (!closed) {
                    Pod pod;
                    boolean remove;
                    boolean due;
                    lock.lock();
                    try {
                        boolean timeUp = false;
                        while (!pending && !closed) {
                            long waitNanos = resyncAt.map(at -> at - System.nanoTime()).orElse(Long.MAX_VALUE);
                            if (waitNanos <= 0) {
                                timeUp = true;
                                break;
                            }
                            changed.awaitNanos(Math.min(waitNanos, TimeUnit.MINUTES.toNanos(10)));
                        }
                        if (closed) {
                            return;
                        }
                        due = forced || timeUp || synced == null
                                || resyncAt.map(at -> at - System.nanoTime() <= 0).orElse(false);
                        pending = false;
                        forced = false;
                        pod = latest;
                        remove = removed;
                    } finally {
                        lock.unlock();
                    }
                    if (!due && !remove && !needsSync.test(synced, pod)) {
                        // taken as the latest state; the resync time stays as it was
                        LOG.log(Level.DEBUG, () -> "update taken without a sync pod=" + pod.getMetadata().getNamespace()
                                + "/" + pod.getMetadata().getName() + " resourceVersion="
                                + pod.getMetadata().getResourceVersion());
                        continue;
                    }
                    PodSyncHandler.Outcome outcome;
                    try {
                        outcome = handler.sync(pod, remove);
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "sync of pod " + pod.getMetadata().getNamespace() + "/"
                                + pod.getMetadata().getName() + " failed, retrying: " + e, e);
                        outcome = new PodSyncHandler.Outcome.Continue(Optional.of(Duration.ofSeconds(2)));
                    }
                    synced = pod;
                    switch (outcome) {
                        case PodSyncHandler.Outcome.Finished f -> {
                            lock.lock();
                            try {
                                if (!pending || removed) {
                                    workers.remove(uid, this);
                                    return;
                                }
                                forced = true; // what came meanwhile is synced, as before the pod finished
                            } finally {
                                lock.unlock();
                            }
                            resyncAt = Optional.empty();
                        }
                        case PodSyncHandler.Outcome.Continue c -> {
                            long now = System.nanoTime();
                            resyncAt = c.resyncAfter().map(d -> now + d.toNanos());
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
