package dev.j8s.apiserver.storage;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The durable object store with one global revision, the role etcd plays upstream (and kine's
 * SQLite backend in k3s). Implementations are thread-safe.
 *
 * <p>Objects are JSON trees exactly as served (with {@code apiVersion}/{@code kind}); the store
 * owns {@code metadata.resourceVersion} and sets it to the revision of the write. Trees passed in
 * are not retained and trees returned are copies, so callers may change what they get.
 *
 * <p>{@code resource} is {@link dev.j8s.apiserver.registry.ResourceType#storageKey()} (e.g.
 * {@code pods}); it is also the word used in error messages. {@code namespace} is the empty
 * string for cluster-scoped objects, and in {@link #list}/{@link #watch} the empty string means
 * every namespace.
 *
 * <p>Every mutating method returns only after the write is durable (SQLite commit with
 * {@code synchronous=FULL}); errors are {@link dev.j8s.apiserver.errors.ApiError}s worded as
 * upstream ({@code NotFound}, {@code AlreadyExists}, {@code Conflict}, {@code Gone},
 * {@code InternalError} for unreadable rows).
 */
public interface Store extends AutoCloseable {

    /** The revision of the latest write (0 for an empty store). */
    long revision();

    Optional<ObjectNode> get(String resource, String namespace, String name);

    /** Every object of a resource in a namespace (or all), ordered by namespace then name. */
    Listing list(String resource, String namespace);

    /** Stores a new object; AlreadyExists when the name is taken. */
    default ObjectNode create(String resource, ObjectNode object) {
        return createOwned(resource, object.deepCopy()).object().deepCopy();
    }

    /**
     * As {@link #create}, for an object the caller hands over: the store keeps {@code object} itself (the caller
     * must not touch it afterwards) and returns what it stored, that same tree, with the JSON text it stored, which
     * is the tree's JSON as {@code Json.MAPPER} writes it. The returned tree is the stored one, which its watchers
     * see too: it is only read (a caller that changes it copies it first).
     */
    Written createOwned(String resource, ObjectNode object);

    /**
     * An object as written and its stored JSON text; the object is read only (it may be the stored tree itself,
     * which a create's response sends as the text and an in-process client converts without a copy).
     */
    record Written(ObjectNode object, String json) {}

    /**
     * Replaces an object. When {@code metadata.resourceVersion} of {@code object} is non-empty it
     * must equal the stored one, else Conflict. NotFound when absent.
     */
    ObjectNode update(String resource, ObjectNode object);

    /**
     * Atomically reads, transforms and writes one object: {@code change} receives a copy of the
     * current object and returns the next state (or the same instance unchanged to write
     * nothing). It runs under the store's write lock, so it must be quick and must not call the
     * store. Exceptions it throws propagate and nothing is written. NotFound when absent.
     */
    ObjectNode guaranteedUpdate(String resource, String namespace, String name, UnaryOperator<ObjectNode> change);

    /**
     * Removes an object and returns its last state, carrying the revision of the delete.
     * When {@code expectedUid} or {@code expectedResourceVersion} is non-empty and differs,
     * Conflict with upstream's precondition text. NotFound when absent.
     */
    ObjectNode delete(String resource, String namespace, String name, String expectedUid, String expectedResourceVersion);

    /**
     * Starts a watch. With {@code fromRevision} 0 the watcher first receives ADDED for every
     * current object (then live changes); otherwise every change after that revision is replayed
     * from the change log, then live changes follow. Gone when {@code fromRevision} is older than
     * the retained log. Events are delivered in revision order, on the writer's thread, so the
     * sink must not block (queue and return); a sink that throws is cancelled.
     */
    Watch watch(String resource, String namespace, long fromRevision, WatchSink sink);

    @Override
    void close();

    /** A list result and the revision it was read at. */
    record Listing(long revision, List<ObjectNode> items) {
        public Listing {
            items = List.copyOf(items);
        }
    }

    /** Receives watch events; must not block. */
    @FunctionalInterface
    interface WatchSink {
        void accept(WatchEvent event);
    }

    /** A running watch; closing it stops delivery. */
    interface Watch extends AutoCloseable {
        @Override
        void close();
    }
}
