package dev.j8s.kubelet;

import dev.j8s.api.Cluster;
import dev.j8s.api.EventSender;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.events.EventType;
import io.fabric8.kubernetes.api.model.ObjectReference;
import java.time.Clock;

/**
 * Writes kubelet events as core/v1 Events through {@link Cluster} ({@code source.component=kubelet},
 * {@code source.host=<node>}), folding a repeat of the same object, type, reason and message into the existing
 * Event by bumping {@code count} and {@code lastTimestamp}, as upstream's event correlator; thread-safe. Events are
 * sent on one background thread in order ({@link EventSender}), so callers never wait on the API.
 */
public final class ClusterEventRecorder implements EventRecorder, AutoCloseable {

    private final EventSender sender;

    public ClusterEventRecorder(Cluster cluster, String nodeName, Clock clock) {
        this.sender = new EventSender(cluster::createEvent, cluster::updateEvent, "kubelet", nodeName, clock);
    }

    @Override
    public void event(ObjectReference involved, EventType type, EventReason reason, String message) {
        sender.send(involved, type.value(), reason.value(), message);
    }

    /** Sends what is queued (bounded wait) and stops. */
    @Override
    public void close() {
        sender.close();
    }
}
