package dev.j8s.controllers.informers;

/**
 * Receives an informer's changes, in order, on the informer's thread; implementations must be quick (a
 * controller enqueues keys and returns). Objects are shared with the cache and must not be mutated.
 */
public interface ResourceEventHandler<T> {

    /** An object appeared (initial list, relist or watch). */
    void onAdd(T object);

    /**
     * An object changed; also called with {@code old == current} on every resync, so a controller re-checks
     * what it keeps in the level-triggered way.
     */
    void onUpdate(T old, T current);

    /** An object was deleted; {@code last} is its last known state (stale when a relist found it gone). */
    void onDelete(T last);

    /** A handler that calls {@code changed} for adds and updates (resyncs included) and {@code deleted} for deletions. */
    static <T extends io.fabric8.kubernetes.api.model.HasMetadata> ResourceEventHandler<T> of(
            java.util.function.Consumer<T> changed, java.util.function.Consumer<T> deleted) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                changed.accept(object);
            }

            @Override
            public void onUpdate(T old, T current) {
                changed.accept(current);
            }

            @Override
            public void onDelete(T last) {
                deleted.accept(last);
            }
        };
    }
}
