package dev.j8s.kubelet;

import dev.j8s.api.Cluster;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.events.EventType;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes kubelet events as core/v1 Events through {@link Cluster} ({@code source.component=kubelet},
 * {@code source.host=<node>}), folding a repeat of the same object, type, reason and message into the
 * existing Event by bumping {@code count} and {@code lastTimestamp}, as upstream's event correlator;
 * thread-safe. Events are sent on one background thread in order, so callers never wait on the API.
 */
public final class ClusterEventRecorder implements EventRecorder, AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ClusterEventRecorder.class.getName());
    private static final int MAX_REMEMBERED = 4096;

    private final Cluster cluster;
    private final String nodeName;
    private final Clock clock;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(
            Thread.ofVirtual().name("kubelet-events").factory());
    /** The last written Event per fold key, oldest first (accessed on the sender thread only). */
    private final Map<String, Event> written = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Event> eldest) {
            return size() > MAX_REMEMBERED;
        }
    };

    public ClusterEventRecorder(Cluster cluster, String nodeName, Clock clock) {
        this.cluster = cluster;
        this.nodeName = nodeName;
        this.clock = clock;
    }

    @Override
    public void event(ObjectReference involved, EventType type, EventReason reason, String message) {
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        try {
            sender.execute(() -> send(involved, type, reason, message, now));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: the event is dropped, as upstream drops events on shutdown
        }
    }

    private void send(ObjectReference involved, EventType type, EventReason reason, String message, String now) {
        String key = String.join("\u0000", Objects.toString(involved.getNamespace(), ""),
                Objects.toString(involved.getName(), ""), Objects.toString(involved.getUid(), ""),
                Objects.toString(involved.getFieldPath(), ""), type.value(), reason.value(), message);
        try {
            Event previous = written.get(key);
            if (previous != null) {
                Event bumped = new EventBuilder(previous)
                        .withCount((previous.getCount() == null ? 1 : previous.getCount()) + 1)
                        .withLastTimestamp(now).build();
                try {
                    written.put(key, cluster.updateEvent(bumped));
                    return;
                } catch (RuntimeException e) {
                    written.remove(key); // expired or replaced: create a new one
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
                    .withType(type.value()).withReason(reason.value()).withMessage(message)
                    .withNewSource().withComponent("kubelet").withHost(nodeName).endSource()
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withReportingComponent("kubelet").withReportingInstance(nodeName)
                    .build();
            written.put(key, cluster.createEvent(event));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot write event reason=" + reason + " object=" + involved.getNamespace() + "/"
                    + involved.getName() + ": " + e.getMessage());
        }
    }

    /** Sends what is queued (bounded wait) and stops. */
    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
