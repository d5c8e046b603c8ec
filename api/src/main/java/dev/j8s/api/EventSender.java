package dev.j8s.api;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReference;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Writes core/v1 Events for one reporting component as client-go's recorder and correlator do: named
 * {@code <object>.<hex>}, and a repeat of the same object, type, reason and message folded into the Event written
 * before ({@code count} and {@code lastTimestamp} grow). Events are sent in order on one background thread, so
 * the caller never waits on the API; a failed write is logged and dropped, as upstream drops it. Thread-safe.
 *
 * <p>A caller can gather the events of one unit of work ({@link #batched}, e.g. one pod sync) and have them sent
 * together: the events of a batch about different things are written at the same time, so the store commits them
 * with one fsync (its group commit) instead of one each; repeats of one event are still written in order.
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
    /** The events the current thread holds for its batch; null outside {@link #batched}. */
    private final ThreadLocal<List<Queued>> held = new ThreadLocal<>();
    /**
     * The last written Event per fold key, least recently used first (written to by the sender thread and the
     * writers of its batches; guarded by itself).
     */
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

    /** One event as sent, with the time it was sent. */
    private record Queued(ObjectReference involved, String type, String reason, String message, String now) {
        /** The correlator's fold key: a repeat of the same object, type, reason and message. */
        String key() {
            return String.join("\u0000", Objects.toString(involved.getNamespace(), ""),
                    Objects.toString(involved.getName(), ""), Objects.toString(involved.getUid(), ""),
                    Objects.toString(involved.getFieldPath(), ""), type, reason, message);
        }
    }

    /**
     * Queues one event about {@code involved}; returns at once. Inside {@link #batched} on this thread the event is
     * held for the batch instead.
     */
    public void send(ObjectReference involved, String type, String reason, String message) {
        String now = DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        Queued event = new Queued(involved, type, reason, message, now);
        List<Queued> batch = held.get();
        if (batch != null) {
            batch.add(event);
        } else {
            enqueue(List.of(event));
        }
    }

    /**
     * Runs {@code work} holding the events this thread sends meanwhile, then sends them as one batch (also when
     * {@code work} throws). Nested calls join the outer batch.
     */
    public <T> T batched(Supplier<T> work) {
        if (held.get() != null) {
            return work.get();
        }
        held.set(new ArrayList<>());
        try {
            return work.get();
        } finally {
            List<Queued> batch = held.get();
            held.remove();
            enqueue(batch);
        }
    }

    /** Sends what this thread holds for its batch now (before the work waits on something long); the batch goes on. */
    public void flush() {
        List<Queued> batch = held.get();
        if (batch != null && !batch.isEmpty()) {
            enqueue(List.copyOf(batch));
            batch.clear();
        }
    }

    private void enqueue(List<Queued> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            sender.execute(() -> writeAll(batch));
        } catch (RejectedExecutionException e) {
            // closed: dropped, as upstream drops events on shutdown
        }
    }

    /**
     * Writes a batch: the events of each fold key in order, different keys at the same time (so that their writes
     * share commits), returning when all are written.
     */
    private void writeAll(List<Queued> batch) {
        Map<String, List<Queued>> byKey = new LinkedHashMap<>();
        for (Queued q : batch) {
            byKey.computeIfAbsent(q.key(), k -> new ArrayList<>()).add(q);
        }
        if (byKey.size() == 1) {
            batch.forEach(this::write);
            return;
        }
        List<Thread> writers = new ArrayList<>(byKey.size());
        for (List<Queued> same : byKey.values()) {
            writers.add(Thread.ofVirtual().name("events-" + component + "-batch").start(() -> same.forEach(this::write)));
        }
        for (Thread t : writers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void write(Queued q) {
        ObjectReference involved = q.involved();
        String now = q.now();
        String key = q.key();
        try {
            Event previous;
            synchronized (written) {
                previous = written.get(key);
            }
            if (previous != null) {
                Event bumped = new EventBuilder(previous)
                        .withCount((previous.getCount() == null ? 1 : previous.getCount()) + 1)
                        .withLastTimestamp(now).build();
                try {
                    remember(key, update.apply(bumped));
                    return;
                } catch (RuntimeException e) {
                    synchronized (written) {
                        written.remove(key); // expired or replaced: write a new one
                    }
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
                    .withType(q.type()).withReason(q.reason()).withMessage(q.message())
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withReportingComponent(component).withReportingInstance(host);
            event = host.isEmpty() ? event.withNewSource().withComponent(component).endSource()
                    : event.withNewSource().withComponent(component).withHost(host).endSource();
            remember(key, create.apply(event.build()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot write event component=" + component + " reason=" + q.reason() + " object="
                    + involved.getNamespace() + "/" + involved.getName() + ": " + e.getMessage());
        }
    }

    private void remember(String key, Event stored) {
        synchronized (written) {
            written.put(key, stored);
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
