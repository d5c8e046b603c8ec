package dev.j8s.controllers.informers;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@link SharedInformer} per kind, shared by every controller that asks for it (client-go's
 * SharedInformerFactory); thread-safe.
 */
public final class InformerFactory implements AutoCloseable {

    private final KubeClient client;
    private final Duration resync;
    private final Map<Kind<?>, SharedInformer<?>> informers = new LinkedHashMap<>();
    private boolean started;

    public InformerFactory(KubeClient client, Duration resync) {
        this.client = client;
        this.resync = resync;
    }

    /** The informer of a kind, created on first use; started by {@link #start} (or at once after it). */
    @SuppressWarnings("unchecked")
    public synchronized <T extends HasMetadata> SharedInformer<T> informer(Kind<T> kind) {
        SharedInformer<T> informer = (SharedInformer<T>) informers.get(kind);
        if (informer == null) {
            informer = new SharedInformer<>(client.resource(kind), resync);
            informers.put(kind, informer);
            if (started) {
                informer.start();
            }
        }
        return informer;
    }

    /** Starts every informer made so far, and those made later as they are made. */
    public synchronized void start() {
        started = true;
        informers.values().forEach(SharedInformer::start);
    }

    /** Waits until every informer has delivered its first list; false when {@code timeout} passed first. */
    public boolean awaitSynced(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<SharedInformer<?>> all;
        synchronized (this) {
            all = new ArrayList<>(informers.values());
        }
        for (SharedInformer<?> informer : all) {
            if (!informer.awaitSynced(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        List<SharedInformer<?>> all;
        synchronized (this) {
            all = new ArrayList<>(informers.values());
        }
        all.forEach(SharedInformer::close);
    }
}
