package dev.j8s.api;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Writes core/v1 Events for one reporting component as client-go's recorder and correlator do: named
 * {@code <object>.<hex>}, and a repeat of the same object, type, reason and message folded into the Event written
 * before ({@code count} and {@code lastTimestamp} grow). Events are sent in order on one background thread, so
 * the caller never waits on the API; a failed write is logged and dropped, as upstream drops it. Thread-safe.
 */
public final class EventSender implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EventSender.class.getName());
    private static final int MAX_REMEMBERED = 4096;

    private final UnaryOperator<Event> create;
    private final UnaryOperator<Event> update;
    private final String component;
    private final String host;
    private final Clock clock;
    private final ExecutorService sender;
    /** The last written Event per fold key, least recently used first (touched on the sender thread only). */
    private final Map<String, Event> written = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Event> eldest) {
            return size() > MAX_REMEMBERED;
        }
    };

    /**
     * @param create    writes a new Event (returns it as stored)
     * @param update    replaces an Event (returns it as stored)
     * @param component {@code source.component} and {@code reportingComponent} ({@code kubelet})
     * @param host      {@code source.host} and {@code reportingInstance}, empty for none
     */
    public EventSender(UnaryOperator<Event> create, UnaryOperator<Event> update, String component, String host,
                       Clock clock) {
        this.create = create;
        this.update = update;
        this.component = component;
        this.host = host;
        this.clock = clock;
        this.sender = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("events-" + component).factory());
    }

    /** Queues one event about {@code involved}; returns at once. */
    public void send(ObjectReference involved, String type, String reason, String message) {
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        try {
            sender.execute(() -> write(involved, type, reason, message, now));
        } catch (RejectedExecutionException e) {
            // closed: dropped, as upstream drops events on shutdown
        }
    }

    private void write(ObjectReference involved, String type, String reason, String message, String now) {
        String key = String.join("\u0000", Objects.toString(involved.getNamespace(), ""),
                Objects.toString(involved.getName(), ""), Objects.toString(involved.getUid(), ""),
                Objects.toString(involved.getFieldPath(), ""), type, reason, message);
        try {
            Event previous = written.get(key);
            if (previous != null) {
                Event bumped = new EventBuilder(previous)
                        .withCount((previous.getCount() == null ? 1 : previous.getCount()) + 1)
                        .withLastTimestamp(now).build();
                try {
                    written.put(key, update.apply(bumped));
                    return;
                } catch (RuntimeException e) {
                    written.remove(key); // expired or replaced: write a new one
                }
            }
            String ns = involved.getNamespace() == null || involved.getNamespace().isEmpty()
                    ? "default" : involved.getNamespace();
            EventBuilder event = new EventBuilder()
                    .withNewMetadata()
                    .withName(involved.getName() + "." + Long.toHexString(clock.millis() * 1_000_000L
                            + ThreadLocalRandom.current().nextInt(1_000_000)))
                    .withNamespace(ns).endMetadata()
                    .withInvolvedObject(involved)
                    .withType(type).withReason(reason).withMessage(message)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withReportingComponent(component).withReportingInstance(host);
            event = host.isEmpty() ? event.withNewSource().withComponent(component).endSource()
                    : event.withNewSource().withComponent(component).withHost(host).endSource();
            written.put(key, create.apply(event.build()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot write event component=" + component + " reason=" + reason + " object="
                    + involved.getNamespace() + "/" + involved.getName() + ": " + e.getMessage());
        }
    }

    /** Sends what is queued (at most 5 s) and stops. */
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
