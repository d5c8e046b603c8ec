package dev.j8s.controllers.common;

import dev.j8s.api.EventSender;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import java.time.Clock;

/**
 * Records a controller's events as core/v1 Events ({@code source.component} the controller's name, e.g.
 * {@code deployment-controller}), repeats folded into one with a count ({@link EventSender}); a sync never waits
 * on them. Thread-safe.
 */
public final class EventRecorder implements AutoCloseable {

    /** Upstream's event types. */
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";

    private final EventSender sender;

    public EventRecorder(KubeClient client, String component, Clock clock) {
        ResourceClient<Event> events = client.resource(Kind.EVENTS);
        this.sender = new EventSender(events::create, events::update, component, "", clock);
    }

    /** Records an event about {@code object} (its kind and apiVersion as it carries them). */
    public void event(HasMetadata object, String type, String reason, String message) {
        sender.send(new ObjectReferenceBuilder()
                .withApiVersion(object.getApiVersion())
                .withKind(object.getKind())
                .withNamespace(object.getMetadata().getNamespace())
                .withName(object.getMetadata().getName())
                .withUid(object.getMetadata().getUid())
                .withResourceVersion(object.getMetadata().getResourceVersion())
                .build(), type, reason, message);
    }

    /** Sends what is queued (bounded wait) and stops. */
    @Override
    public void close() {
        sender.close();
    }
}
