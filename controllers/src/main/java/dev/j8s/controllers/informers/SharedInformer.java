package dev.j8s.controllers.informers;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.ObjectList;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.api.client.Watch;
import dev.j8s.api.client.WatchEvent;
import dev.j8s.api.client.Watcher;
import dev.j8s.controllers.common.Owners;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A list+watch of one resource in every namespace kept as an indexed cache, as client-go's reflector and shared
 * index informer; thread-safe.
 *
 * <p>One virtual thread lists (replacing the cache and delivering the differences to the handlers: objects that
 * vanished meanwhile as deletions), then watches from the list's resourceVersion. When the watch ends (410 Gone:
 * the version was compacted, the watcher fell behind, or the connection dropped) it lists again, after a back-off
 * unless the end was a Gone. Changes are applied to the cache and handed to the handlers under one lock, in order,
 * so a handler sees the cache already holding the change. Every {@code resync} period each cached object is handed
 * to the handlers again as an update of itself, so controllers re-check their state.
 */
public final class SharedInformer<T extends HasMetadata> implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(SharedInformer.class.getName());
    /** The index every informer has: objects by namespace. */
    public static final String NAMESPACE_INDEX = "namespace";
    private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final ResourceClient<T> client;
    private final Duration resync;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, T> cache = new ConcurrentHashMap<>();
    private final Map<String, Function<T, Collection<String>>> indexers = new LinkedHashMap<>();
    /**
     * Index name, then index value, then the keys of the objects with that value; written under {@link #lock},
     * read without it (a handler may read another informer's cache while that one delivers).
     */
    private final Map<String, Map<String, Set<String>>> indices = new ConcurrentHashMap<>();
    private final List<ResourceEventHandler<T>> handlers = new CopyOnWriteArrayList<>();
    private final CountDownLatch synced = new CountDownLatch(1);
    private final LinkedBlockingQueue<ClusterException> watchEnded = new LinkedBlockingQueue<>();
    private volatile String lastSyncResourceVersion = "";
    private volatile boolean closed;
    private volatile Thread thread;
    private volatile Thread resyncThread;
    private volatile Watch watch;

    /**
     * @param resync how often every cached object is handed to the handlers again; {@link Duration#ZERO} never
     */
    public SharedInformer(ResourceClient<T> client, Duration resync) {
        this.client = client;
        this.resync = resync;
        indexers.put(NAMESPACE_INDEX, o -> List.of(namespace(o)));
        indices.put(NAMESPACE_INDEX, new ConcurrentHashMap<>());
    }

    /** The resource this informer follows. */
    public dev.j8s.api.client.Kind<T> kind() {
        return client.kind();
    }

    /**
     * Adds a handler. Added after the informer started, it first receives every cached object as an add (as
     * client-go does for a late handler), under the lock, so it misses nothing and sees nothing twice.
     */
    public void addEventHandler(ResourceEventHandler<T> handler) {
        lock.lock();
        try {
            handlers.add(handler);
            if (thread != null) {
                for (T object : cache.values()) {
                    deliver(() -> handler.onAdd(object));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Adds an index (before {@link #start}): {@code function} gives the values an object is found under. */
    public void addIndexer(String name, Function<T, Collection<String>> function) {
        lock.lock();
        try {
            if (thread != null) {
                throw new IllegalStateException("add index " + name + " to the " + kind() + " informer: already started");
            }
            if (indexers.putIfAbsent(name, function) != null) {
                throw new IllegalArgumentException("the " + kind() + " informer already has an index " + name);
            }
            indices.put(name, new ConcurrentHashMap<>());
        } finally {
            lock.unlock();
        }
    }

    /** Whether an index of this name exists. */
    public boolean hasIndexer(String name) {
        return indices.containsKey(name);
    }

    /** Starts listing and watching (once). */
    public void start() {
        lock.lock();
        try {
            if (thread != null) {
                return;
            }
            thread = Thread.ofVirtual().name("informer-" + kind()).start(this::run);
            if (!resync.isZero()) {
                resyncThread = Thread.ofVirtual().name("informer-resync-" + kind()).start(this::resyncLoop);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether the first list has been delivered. */
    public boolean hasSynced() {
        return synced.getCount() == 0;
    }

    /** Waits until the first list has been delivered; false when {@code timeout} passed first. */
    public boolean awaitSynced(Duration timeout) {
        try {
            return synced.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The resourceVersion of the last list or watch event applied. */
    public String lastSyncResourceVersion() {
        return lastSyncResourceVersion;
    }

    /** The cached object, if any. */
    public Optional<T> get(String namespace, String name) {
        return Optional.ofNullable(cache.get(key(namespace, name)));
    }

    /** The cached object under a key made by {@link #key(HasMetadata)}, if any. */
    public Optional<T> getByKey(String key) {
        return Optional.ofNullable(cache.get(key));
    }

    /**
     * The cached object that {@code child}'s controller reference names, if the reference is to an
     * {@code apiVersion}/{@code kind} and the cache has that object with the reference's uid (not a namesake made
     * after the owner was deleted).
     */
    public Optional<T> controllerOf(HasMetadata child, String apiVersion, String kind) {
        return Owners.controllerOf(child).flatMap(ref -> resolve(namespace(child), ref, apiVersion, kind));
    }

    /** The cached object an owner reference in {@code namespace} names, under the same conditions. */
    public Optional<T> resolve(String namespace, OwnerReference ref, String apiVersion, String kind) {
        if (!kind.equals(ref.getKind()) || !apiVersion.equals(ref.getApiVersion())) {
            return Optional.empty();
        }
        return get(namespace, ref.getName()).filter(o -> Owners.uid(o).equals(ref.getUid()));
    }

    /** Every cached object. */
    public List<T> list() {
        return List.copyOf(cache.values());
    }

    /** The cached objects of one namespace. */
    public List<T> list(String namespace) {
        return byIndex(NAMESPACE_INDEX, namespace);
    }

    /** The cached objects an index holds under {@code value}. */
    public List<T> byIndex(String index, String value) {
        Map<String, Set<String>> byValue = indices.get(index);
        if (byValue == null) {
            throw new IllegalArgumentException("the " + kind() + " informer has no index " + index);
        }
        Set<String> keys = byValue.getOrDefault(value, Set.of());
        List<T> out = new ArrayList<>(keys.size());
        for (String k : keys) {
            T o = cache.get(k);
            if (o != null) {
                out.add(o);
            }
        }
        return out;
    }

    /** {@code namespace/name}, or {@code name} for cluster-scoped objects: the key controllers queue. */
    public static String key(HasMetadata object) {
        return key(namespace(object), object.getMetadata().getName());
    }

    public static String key(String namespace, String name) {
        return namespace.isEmpty() ? name : namespace + "/" + name;
    }

    /** The namespace of an object, empty for cluster-scoped ones. */
    public static String namespace(HasMetadata object) {
        String ns = object.getMetadata() == null ? null : object.getMetadata().getNamespace();
        return ns == null ? "" : ns;
    }

    @Override
    public void close() {
        closed = true;
        Watch w = watch;
        if (w != null) {
            w.close();
        }
        for (Thread t : new Thread[] {thread, resyncThread}) {
            if (t != null) {
                t.interrupt();
                try {
                    t.join(Duration.ofSeconds(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private void run() {
        Duration backoff = MIN_BACKOFF;
        while (!closed) {
            boolean gone = false;
            try {
                ObjectList<T> listed = client.list("", ListOptions.EVERYTHING);
                replace(listed.items(), listed.resourceVersion());
                synced.countDown();
                watchEnded.clear();
                Watch w = client.watch("", ListOptions.EVERYTHING, listed.resourceVersion(), new Watcher<>() {
                    @Override
                    public void event(WatchEvent<T> event) {
                        apply(event);
                    }

                    @Override
                    public void ended(ClusterException cause) {
                        watchEnded.offer(cause);
                    }
                });
                watch = w;
                ClusterException cause;
                try {
                    cause = watchEnded.take();
                } finally {
                    watch = null;
                    w.close();
                }
                gone = cause instanceof ClusterException.Gone;
                LOG.log(gone ? Level.DEBUG : Level.INFO, "watch ended, relisting kind={0} cause={1}", kind(),
                        cause.getMessage());
                if (gone) {
                    backoff = MIN_BACKOFF;
                    continue;
                }
            } catch (InterruptedException e) {
                return;
            } catch (ClusterException e) {
                if (closed) {
                    return;
                }
                gone = e instanceof ClusterException.Gone;
                LOG.log(Level.WARNING, "list or watch failed, retrying kind={0} error={1}", kind(), e.getMessage());
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.log(Level.ERROR, "informer failed, retrying kind=" + kind(), e);
            }
            if (gone) {
                continue;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** Replaces the cache with a list and delivers the differences. */
    private void replace(List<T> items, String resourceVersion) {
        lock.lock();
        try {
            Map<String, T> listed = new LinkedHashMap<>();
            for (T item : items) {
                listed.put(key(item), item);
            }
            for (String gone : new ArrayList<>(cache.keySet())) {
                if (!listed.containsKey(gone)) {
                    T last = cache.remove(gone);
                    unindex(gone, last);
                    handlers.forEach(h -> deliver(() -> h.onDelete(last)));
                }
            }
            for (Map.Entry<String, T> e : listed.entrySet()) {
                T old = cache.put(e.getKey(), e.getValue());
                if (old != null) {
                    unindex(e.getKey(), old);
                }
                index(e.getKey(), e.getValue());
                if (old == null) {
                    handlers.forEach(h -> deliver(() -> h.onAdd(e.getValue())));
                } else if (!Objects.equals(resourceVersion(old), resourceVersion(e.getValue()))) {
                    handlers.forEach(h -> deliver(() -> h.onUpdate(old, e.getValue())));
                }
            }
            lastSyncResourceVersion = resourceVersion;
        } finally {
            lock.unlock();
        }
    }

    private void apply(WatchEvent<T> event) {
        T object = event.object();
        String k = key(object);
        lock.lock();
        try {
            if (closed) {
                return;
            }
            switch (event.type()) {
                case ADDED, MODIFIED -> {
                    T old = cache.put(k, object);
                    if (old != null) {
                        unindex(k, old);
                    }
                    index(k, object);
                    if (old == null) {
                        handlers.forEach(h -> deliver(() -> h.onAdd(object)));
                    } else if (!Objects.equals(resourceVersion(old), resourceVersion(object))) {
                        handlers.forEach(h -> deliver(() -> h.onUpdate(old, object)));
                    }
                }
                case DELETED -> {
                    T old = cache.remove(k);
                    if (old != null) {
                        unindex(k, old);
                        handlers.forEach(h -> deliver(() -> h.onDelete(object)));
                    }
                }
            }
            String rv = resourceVersion(object);
            if (!rv.isEmpty()) {
                lastSyncResourceVersion = rv;
            }
        } finally {
            lock.unlock();
        }
    }

    private void resyncLoop() {
        while (!closed) {
            try {
                Thread.sleep(resync);
            } catch (InterruptedException e) {
                return;
            }
            lock.lock();
            try {
                for (T object : cache.values()) {
                    handlers.forEach(h -> deliver(() -> h.onUpdate(object, object)));
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private void index(String key, T object) {
        indexers.forEach((name, function) -> {
            Map<String, Set<String>> byValue = indices.get(name);
            for (String value : values(function, object)) {
                byValue.computeIfAbsent(value, v -> ConcurrentHashMap.newKeySet()).add(key);
            }
        });
    }

    private void unindex(String key, T object) {
        indexers.forEach((name, function) -> {
            Map<String, Set<String>> byValue = indices.get(name);
            for (String value : values(function, object)) {
                byValue.computeIfPresent(value, (v, keys) -> {
                    keys.remove(key);
                    return keys.isEmpty() ? null : keys;
                });
            }
        });
    }

    private Collection<String> values(Function<T, Collection<String>> function, T object) {
        try {
            Collection<String> values = function.apply(object);
            return values == null ? List.of() : values;
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "index function failed kind=" + kind() + " object=" + key(object), e);
            return List.of();
        }
    }

    private void deliver(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            // One failing handler must not stop the informer or the other handlers.
            LOG.log(Level.ERROR, "event handler failed kind=" + kind(), e);
        }
    }

    private static String resourceVersion(HasMetadata object) {
        String rv = object.getMetadata() == null ? null : object.getMetadata().getResourceVersion();
        return rv == null ? "" : rv;
    }
}
