package dev.j8s.kubelet;

import dev.j8s.api.Cluster;
import dev.j8s.api.EventSender;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.events.EventType;
import io.fabric8.kubernetes.api.model.ObjectReference;
import java.time.Clock;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Writes kubelet events as core/v1 Events through {@link Cluster} ({@code source.component=kubelet},
 * {@code source.host=<node>}), folding a repeat of the same object, type, reason and message into the existing
 * Event by bumping {@code count} and {@code lastTimestamp}, as upstream's event correlator; thread-safe. Events are
 * sent on one background thread in order ({@link EventSender}), so callers never wait on the API.
 *
 * <p>The events of one pod sync ({@link #batched}) are sent as one batch, written at the same time so that they share
 * the store's commits; the batch goes early when the sync is about to wait: after {@code Pulling} (the pull) and
 * {@code Killing} (the grace period), when a postStart hook starts ({@link #flush}), and right after a status write
 * (the status first: it is what a watcher of the pod waits for).
 */
public final class ClusterEventRecorder implements EventRecorder, AutoCloseable {

    /** Events after which a sync may wait long: what its batch holds is sent at once. */
    private static final Set<EventReason> BEFORE_A_WAIT = Set.of(EventReason.PULLING_IMAGE,
            EventReason.KILLING_CONTAINER);

    private final EventSender sender;

    public ClusterEventRecorder(Cluster cluster, String nodeName, Clock clock) {
        this.sender = new EventSender(cluster::createEvent, cluster::updateEvent, "kubelet", nodeName, clock);
    }

    @Override
    public void event(ObjectReference involved, EventType type, EventReason reason, String message) {
        sender.send(involved, type.value(), reason.value(), message);
        if (BEFORE_A_WAIT.contains(reason)) {
            sender.flush();
        }
    }

    @Override
    public <T> T batched(Supplier<T> work) {
        return sender.batched(work);
    }

    @Override
    public void flush() {
        sender.flush();
    }

    /** Sends what is queued (bounded wait) and stops. */
    @Override
    public void close() {
        sender.close();
    }
}
