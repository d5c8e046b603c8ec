package dev.j8s.apiserver.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.api.PodEvent;
import dev.j8s.api.PodSource;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.selection.FieldSelector;
import dev.j8s.apiserver.selection.LabelSelector;
import dev.j8s.apiserver.storage.Store;
import dev.j8s.apiserver.storage.WatchEvent;
import io.fabric8.kubernetes.api.model.Pod;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A list+watch of the pods bound to one node over the store's watch, as client-go's reflector and shared
 * informer run one over HTTP; thread-safe.
 *
 * <p>One virtual thread does everything in order: it lists the pods with {@code spec.nodeName} equal to the
 * node (delivered as {@link PodEvent.Added}), watches from the list's revision, and turns each change into
 * Added, Updated or Deleted against its cache (a pod that becomes bound to the node arrives as Added).
 * The store's sink only queues, so a writer never waits for the kubelet. When the watch cannot go on
 * (its revision was compacted: 410 Gone, or the queue overflowed) it relists and diffs the list against the
 * cache: pods that vanished meanwhile are delivered as {@link PodEvent.Deleted} with
 * {@code finalStateUnknown}, as client-go's DeltaFIFO does.
 */
final class PodInformer implements PodSource {

    private static final System.Logger LOG = System.getLogger(PodInformer.class.getName());
    /** Changes buffered for a slow handler before the watch is dropped and the informer relists. */
    static final int MAX_QUEUED = 10_000;
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    /** What the store's sink hands to the informer's thread. */
    private sealed interface Signal {
        record Change(WatchEvent event) implements Signal {}

        /** The watch stopped delivering (overflow); relist. */
        record Relist() implements Signal {}

        /** {@link #close()} was called. */
        record Stop() implements Signal {}
    }

    private final ObjectService objects;
    private final ResourceType pods;
    private final String nodeName;
    private final Consumer<PodEvent> handler;
    private final Consumer<PodInformer> onClose;
    private final int maxQueued;
    /** The pods known, by namespace/name; written only by the informer's thread. */
    private final Map<String, Pod> cache = new ConcurrentHashMap<>();
    private final CountDownLatch synced = new CountDownLatch(1);
    private final LinkedBlockingQueue<Signal> queue = new LinkedBlockingQueue<>();
    private volatile boolean closed;
    private volatile Store.Watch watch;
    /** Set before the thread starts, so the handler may close the informer from its own thread. */
    private volatile Thread thread;

    private PodInformer(ObjectService objects, ResourceType pods, String nodeName, Consumer<PodEvent> handler,
                        Consumer<PodInformer> onClose, int maxQueued) {
        this.maxQueued = maxQueued;
        this.objects = objects;
        this.pods = pods;
        this.nodeName = nodeName;
        this.handler = handler;
        this.onClose = onClose;
    }

    /** Starts an informer that relists once more than {@code maxQueued} changes wait for the handler. */
    static PodInformer start(ObjectService objects, ResourceType pods, String nodeName, Consumer<PodEvent> handler,
                             Consumer<PodInformer> onClose, int maxQueued) {
        PodInformer informer = new PodInformer(objects, pods, nodeName, handler, onClose, maxQueued);
        informer.thread = Thread.ofVirtual().name("j8s-pod-informer-" + nodeName).unstarted(informer::run);
        informer.thread.start();
        return informer;
    }

    @Override
    public boolean awaitSynced(Duration timeout) {
        try {
            return synced.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public List<Pod> pods() {
        return List.copyOf(cache.values());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Store.Watch w = watch;
        if (w != null) {
            w.close();
        }
        queue.offer(new Signal.Stop());
        onClose.accept(this);
        if (Thread.currentThread() == thread) {
            return; // closed from the handler: run() checks `closed` before the next delivery
        }
        try {
            if (!thread.join(CLOSE_WAIT)) {
                LOG.log(Level.WARNING, "pod informer did not stop in time node={0}", nodeName);
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (!closed) {
            try {
                long revision = relist();
                synced.countDown();
                if (!watchFrom(revision)) {
                    return;
                }
            } catch (ApiError.Gone e) {
                LOG.log(Level.DEBUG, "pod watch revision expired, relisting node={0}", nodeName);
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.log(Level.WARNING, "pod watch failed, retrying node={0} error={1}", nodeName, e.toString());
                try {
                    Thread.sleep(RETRY);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Lists this node's pods, replaces the cache with them, delivers the differences; the list's revision. */
    private long relist() {
        Store.Listing listing = objects.list(pods, "", LabelSelector.everything(),
                FieldSelector.parse("spec.nodeName=" + nodeName, pods));
        Map<String, Pod> listed = new LinkedHashMap<>();
        for (ObjectNode item : listing.items()) {
            listed.put(key(item), Trees.fromTree(item, Pod.class));
        }
        Map<String, Pod> vanished = new HashMap<>(cache);
        vanished.keySet().removeAll(listed.keySet());
        for (Pod gone : vanished.values()) {
            cache.remove(key(gone));
            deliver(new PodEvent.Deleted(gone, true));
        }
        for (Map.Entry<String, Pod> e : listed.entrySet()) {
            Pod old = cache.put(e.getKey(), e.getValue());
            if (old == null) {
                deliver(new PodEvent.Added(e.getValue()));
            } else if (!Objects.equals(resourceVersion(old), resourceVersion(e.getValue()))) {
                deliver(new PodEvent.Updated(old, e.getValue()));
            }
        }
        return listing.revision();
    }

    /** Watches from {@code revision} until the watch must be relisted (true) or the informer closed (false). */
    private boolean watchFrom(long revision) {
        queue.clear();
        // The sink runs on the writer's thread under the store's lock: it only queues.
        Store.Watch w = objects.store().watch(pods.storageKey(), "", revision, event -> {
            if (queue.size() >= maxQueued) {
                queue.clear();
                queue.offer(new Signal.Relist());
                throw new IllegalStateException("pod informer queue overflow node=" + nodeName);
            }
            queue.offer(new Signal.Change(event));
        });
        watch = w;
        try (w) {
            if (closed) {
                return false;
            }
            while (true) {
                Signal signal;
                try {
                    signal = queue.take();
                } catch (InterruptedException e) {
                    return false;
                }
                switch (signal) {
                    case Signal.Stop stop -> {
                        return false;
                    }
                    case Signal.Relist relist -> {
                        LOG.log(Level.WARNING, "pod watch fell behind, relisting node={0}", nodeName);
                        return true;
                    }
                    case Signal.Change change -> apply(change.event());
                }
                if (closed) {
                    return false;
                }
            }
        } finally {
            watch = null;
        }
    }

    /** Turns one store change into the informer's event, as the HTTP watch's field selection would. */
    private void apply(WatchEvent event) {
        ObjectNode object = event.object();
        String key = key(object);
        boolean matches = nodeName.equals(Json.text(object, "spec.nodeName"));
        Pod old = cache.get(key);
        switch (event.type()) {
            case ADDED, MODIFIED -> {
                if (matches) {
                    if (old != null && resourceVersion(old).equals(Json.text(object, "metadata.resourceVersion"))) {
                        return; // already delivered (a watch from revision 0 starts with every current object)
                    }
                    Pod pod = Trees.fromTree(object, Pod.class);
                    cache.put(key, pod);
                    deliver(old == null ? new PodEvent.Added(pod) : new PodEvent.Updated(old, pod));
                } else if (old != null) {
                    // no longer selected: the HTTP watch sends DELETED with the object as it now is
                    cache.remove(key);
                    deliver(new PodEvent.Deleted(Trees.fromTree(object, Pod.class), false));
                }
            }
            case DELETED -> {
                if (old != null) {
                    cache.remove(key);
                    deliver(new PodEvent.Deleted(Trees.fromTree(object, Pod.class), false));
                }
            }
        }
    }

    private void deliver(PodEvent event) {
        if (closed) {
            return;
        }
        try {
            handler.accept(event);
        } catch (RuntimeException e) {
            // One failing handler call must not end the watch.
            LOG.log(Level.ERROR, "pod event handler failed pod=" + key(event.pod()), e);
        }
    }

    private static String key(ObjectNode object) {
        return Json.namespace(object) + "/" + Json.name(object);
    }

    private static String key(Pod pod) {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    private static String resourceVersion(Pod pod) {
        return pod.getMetadata().getResourceVersion();
    }
}
