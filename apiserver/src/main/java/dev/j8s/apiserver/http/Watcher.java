package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.printers.TablePrinter;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.selection.FieldSelector;
import dev.j8s.apiserver.selection.LabelSelector;
import dev.j8s.apiserver.storage.Store;
import dev.j8s.apiserver.storage.WatchEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * Serves {@code ?watch=true} as upstream does: a chunked stream of one JSON event per line, or, when the client asks
 * for a WebSocket (fabric8's watches do, then fall back to HTTP only after the response ends), one text message per
 * event; filtered by label and field selectors (an object that stops matching is sent as DELETED, one that starts
 * matching as ADDED), with bookmarks on request, Tables when asked, and {@code timeoutSeconds}. Thread-safe; an
 * HTTP watch runs on its request's thread, a WebSocket watch on a virtual thread of its own.
 */
final class Watcher {

    /** Events buffered for a slow client before its watch is ended (it then re-lists). */
    private static final int MAX_QUEUED = 10_000;
    private static final Duration BOOKMARK_INTERVAL = Duration.ofSeconds(60);
    private static final WatchEvent CLOSED = new WatchEvent(WatchEvent.Type.DELETED, "", "", "", -1, Json.object());

    private final ObjectService objects;

    Watcher(ObjectService objects) {
        this.objects = objects;
    }

    /** What one watch asks for. */
    private record Query(ResourceType type, String namespace, LabelSelector labels, FieldSelector fields, long from,
                         boolean bookmarks, boolean table, TablePrinter.IncludeObject include, long timeoutSeconds) {}

    /** Where one watch's events go, one whole event (its JSON and a newline) per call. */
    @FunctionalInterface
    private interface Sink {
        void send(byte[] event) throws IOException;
    }

    void watch(ApiHandler.Exchange ex, ResourceType type, String namespace) {
        boolean table = Negotiation.forObjects(ex.header("Accept")) == Negotiation.Output.TABLE;
        Query query = new Query(type, namespace, LabelSelector.parse(ex.param("labelSelector")),
                FieldSelector.parse(ex.param("fieldSelector"), type), parseRevision(ex.param("resourceVersion")),
                ex.flag("allowWatchBookmarks"), table,
                table ? TablePrinter.IncludeObject.parse(ex.param("includeObject")) : TablePrinter.IncludeObject.METADATA,
                parseTimeout(ex.param("timeoutSeconds")));
        if (ex.header("Upgrade").equalsIgnoreCase("websocket")) {
            upgrade(ex, query);
            return;
        }
        // Subscribed before the response starts: a change made once a client has the headers is in the watch.
        Subscription subscription = subscribe(query);
        ex.request.getConnectionMetaData().getConnection().getEndPoint()
                .setIdleTimeout(TimeUnit.SECONDS.toMillis(query.timeoutSeconds()) + 60_000);
        ex.request.addFailureListener(failure -> subscription.queue().offer(CLOSED));
        try {
            OutputStream out = ex.startStream(200, "application/json");
            stream(query, subscription, event -> {
                out.write(event);
                out.flush();
            });
        } catch (IOException e) {
            // the client went away; closing the watch is all there is to do
        } finally {
            subscription.close();
        }
    }

    /** Upstream's WebSocket watch: the same events, each a text message of its JSON and a newline. */
    private void upgrade(ApiHandler.Exchange ex, Query query) {
        Subscription subscription = subscribe(query);
        boolean upgraded = false;
        try {
            ex.upgradeToWebSocket((request, response, callback) -> new WatchSocket(query, subscription));
            upgraded = true;
        } finally {
            if (!upgraded) {
                subscription.close();
            }
        }
    }

    /** The WebSocket of one watch. Public only because Jetty calls its listener methods reflectively. */
    public final class WatchSocket implements Session.Listener.AutoDemanding {

        private final Query query;
        private final Subscription subscription;

        private WatchSocket(Query query, Subscription subscription) {
            this.query = query;
            this.subscription = subscription;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            Thread.ofVirtual().name("j8s-watch-ws").start(() -> {
                try {
                    stream(query, subscription, event -> send(session, event));
                } catch (IOException e) {
                    // the client went away
                } finally {
                    subscription.close();
                    session.close(StatusCode.NORMAL, null, Callback.NOOP);
                }
            });
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            subscription.queue().offer(CLOSED);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            subscription.queue().offer(CLOSED);
        }

        private static void send(Session session, byte[] event) throws IOException {
            String text = new String(event, StandardCharsets.UTF_8);
            ExecChannels.sendAndWait(callback -> session.sendText(text, callback), "watch", ExecChannels.SEND_TIMEOUT);
        }
    }

    /**
     * One watch's registration with the store: the changes after its revision queue up from now on, and the keys
     * of the objects the client listed at that revision; {@code gone} when that revision is older than the change
     * log. Closing it ends the registration.
     */
    private record Subscription(LinkedBlockingQueue<WatchEvent> queue, Store.Watch watch, Set<String> matching,
                                long revision, ApiError.Gone gone) implements AutoCloseable {
        @Override
        public void close() {
            if (watch != null) {
                watch.close();
            }
        }
    }

    private Subscription subscribe(Query query) {
        ResourceType type = query.type();
        LinkedBlockingQueue<WatchEvent> queue = new LinkedBlockingQueue<>(MAX_QUEUED + 1);
        Set<String> matching = new HashSet<>();
        long from = query.from();
        if (from > 0) {
            // Objects that match now are the ones a client listed before asking for changes.
            for (ObjectNode o : objects.list(type, query.namespace(), query.labels(), query.fields()).items()) {
                matching.add(key(o));
            }
        }
        String storageKey = type.group().equals("events.k8s.io") ? "events" : type.storageKey();
        String nsKey = type.namespaced() ? query.namespace() : "";
        long revision = from > 0 ? from : objects.store().revision();
        try {
            Store.Watch watch = objects.store().watch(storageKey, nsKey, from, event -> {
                if (!queue.offer(event)) {
                    queue.clear();
                    queue.offer(CLOSED);
                    throw new IllegalStateException("watch queue overflow");
                }
            });
            return new Subscription(queue, watch, matching, revision, null);
        } catch (ApiError.Gone gone) {
            return new Subscription(queue, null, matching, revision, gone);
        }
    }

    /**
     * Streams the events of {@code subscription} to {@code sink} until the watch's timeout, a {@link #CLOSED} on
     * its queue (the client left) or a failed send; an expired revision is one ERROR event.
     */
    private void stream(Query query, Subscription subscription, Sink sink) throws IOException {
        ResourceType type = query.type();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(query.timeoutSeconds());
        if (subscription.gone() != null) {
            sink.send(event("ERROR", subscription.gone().toStatus()));
            return;
        }
        LinkedBlockingQueue<WatchEvent> queue = subscription.queue();
        Set<String> matching = subscription.matching();
        long lastRevision = subscription.revision();
        long nextBookmark = System.nanoTime() + BOOKMARK_INTERVAL.toNanos();
        boolean firstTableEvent = true;
        try {
            while (true) {
                long now = System.nanoTime();
                long remaining = deadline - now;
                if (remaining <= 0) {
                    return;
                }
                long wait = Math.min(remaining, query.bookmarks() ? Math.max(0, nextBookmark - now) : remaining);
                WatchEvent event = queue.poll(wait, TimeUnit.NANOSECONDS);
                if (event == CLOSED) {
                    return;
                }
                if (event == null) {
                    if (query.bookmarks() && System.nanoTime() >= nextBookmark) {
                        sink.send(event("BOOKMARK", bookmark(type, lastRevision)));
                        nextBookmark = System.nanoTime() + BOOKMARK_INTERVAL.toNanos();
                    }
                    continue;
                }
                lastRevision = Math.max(lastRevision, event.revision());
                ObjectNode served = objects.toServed(type, event.object());
                String k = key(served);
                boolean matches = query.labels().matches(served.path("metadata").path("labels"))
                        && query.fields().matches(served);
                String kind;
                switch (event.type()) {
                    case ADDED -> {
                        if (!matches) {
                            continue;
                        }
                        matching.add(k);
                        kind = "ADDED";
                    }
                    case MODIFIED -> {
                        if (matches) {
                            kind = matching.add(k) ? "ADDED" : "MODIFIED";
                        } else if (matching.remove(k)) {
                            kind = "DELETED";
                        } else {
                            continue;
                        }
                    }
                    case DELETED -> {
                        if (!matches && !matching.contains(k)) {
                            continue;
                        }
                        matching.remove(k);
                        kind = "DELETED";
                    }
                    default -> throw new IllegalStateException("unknown event type " + event.type());
                }
                ObjectNode payload = served;
                if (query.table()) {
                    payload = TablePrinter.table(type, java.util.List.of(served), query.include(),
                            objects.clock().instant(), Long.toString(event.revision()), firstTableEvent);
                    firstTableEvent = false;
                }
                sink.send(event(kind, payload));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String key(ObjectNode o) {
        return Json.namespace(o) + "/" + Json.name(o);
    }

    private static ObjectNode bookmark(ResourceType type, long revision) {
        ObjectNode b = Json.object();
        b.put("kind", type.kind());
        b.put("apiVersion", type.apiVersion());
        b.putObject("metadata").put("resourceVersion", Long.toString(revision));
        return b;
    }

    /** One watch event as it is sent: its JSON and a newline, in one piece (see {@link WholeChunks}). */
    private static byte[] event(String type, ObjectNode object) {
        ObjectNode event = Json.object();
        event.put("type", type);
        event.set("object", object);
        byte[] json = ApiHandler.Exchange.toJson(event);
        byte[] line = Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        return line;
    }

    static long parseRevision(String rv) {
        if (rv.isEmpty()) {
            return 0;
        }
        try {
            long v = Long.parseLong(rv);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ApiError.BadRequest("invalid resource version: " + rv);
        }
    }

    private static long parseTimeout(String value) {
        if (value.isEmpty()) {
            // Upstream picks a random duration between MinRequestTimeout and twice it.
            return 1800 + ThreadLocalRandom.current().nextLong(1800);
        }
        try {
            long t = Long.parseLong(value);
            return t <= 0 ? 1800 : t;
        } catch (NumberFormatException e) {
            throw new ApiError.BadRequest("invalid timeoutSeconds: " + value);
        }
    }
}
