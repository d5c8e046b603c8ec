package dev.j8s.controllers.common;

import dev.j8s.api.client.Kind;
import dev.j8s.api.client.KubeClient;
import dev.j8s.api.client.ResourceClient;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Writes a controller's events as core/v1 Events ({@code source.component} the controller's name, e.g.
 * {@code deployment-controller}), folding a repeat of the same object, type, reason and message into the existing
 * Event ({@code count} and {@code lastTimestamp}), as client-go's record package with its correlator. Events are
 * sent in order on one background thread, so a sync never waits on them. Thread-safe.
 */
public final class EventRecorder implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EventRecorder.class.getName());
    private static final int MAX_REMEMBERED = 4096;

    /** Upstream's event types. */
    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";

    private final ResourceClient<Event> events;
    private final String component;
    private final Clock clock;
    private final ExecutorService sender;
    /** The last written Event per fold key, least recently used first (touched on the sender thread only). */
    private final Map<String, Event> written = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Event> eldest) {
            return size() > MAX_REMEMBERED;
        }
    };

    public EventRecorder(KubeClient client, String component, Clock clock) {
        this.events = client.resource(Kind.EVENTS);
        this.component = component;
        this.clock = clock;
        this.sender = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("events-" + component).factory());
    }

    /** Records an event about {@code object} (its kind and apiVersion as it carries them). */
    public void event(HasMetadata object, String type, String reason, String message) {
        ObjectReference involved = new ObjectReferenceBuilder()
                .withApiVersion(object.getApiVersion())
                .withKind(object.getKind())
                .withNamespace(object.getMetadata().getNamespace())
                .withName(object.getMetadata().getName())
                .withUid(object.getMetadata().getUid())
                .withResourceVersion(object.getMetadata().getResourceVersion())
                .build();
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        try {
            sender.execute(() -> send(involved, type, reason, message, now));
        } catch (RejectedExecutionException e) {
            // closed: dropped, as upstream drops events on shutdown
        }
    }

    private void send(ObjectReference involved, String type, String reason, String message, String now) {
        String key = String.join("\u0000", String.valueOf(involved.getNamespace()), involved.getName(),
                String.valueOf(involved.getUid()), type, reason, message);
        try {
            Event previous = written.get(key);
            if (previous != null) {
                Event bumped = new EventBuilder(previous)
                        .withCount((previous.getCount() == null ? 1 : previous.getCount()) + 1)
                        .withLastTimestamp(now).build();
                try {
                    written.put(key, events.update(bumped));
                    return;
                } catch (RuntimeException e) {
                    written.remove(key); // expired or changed: write a new one
                }
            }
            String ns = involved.getNamespace() == null || involved.getNamespace().isEmpty()
                    ? "default" : involved.getNamespace();
            Event event = new EventBuilder()
                    .withNewMetadata()
                    .withName(involved.getName() + "." + Long.toHexString(clock.millis() * 1_000_000L
                            + ThreadLocalRandom.current().nextInt(1_000_000)))
                    .withNamespace(ns).endMetadata()
                    .withInvolvedObject(involved)
                    .withType(type).withReason(reason).withMessage(message)
                    .withNewSource().withComponent(component).endSource()
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withReportingComponent(component).withReportingInstance("")
                    .build();
            written.put(key, events.create(event));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot write event component=" + component + " reason=" + reason + " object="
                    + involved.getNamespace() + "/" + involved.getName() + ": " + e.getMessage());
        }
    }

    /** Sends what is queued (bounded wait) and stops. */
    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
