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
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Serves {@code ?watch=true} as upstream does: a chunked stream of one JSON event per line,
 * filtered by label and field selectors (an object that stops matching is sent as DELETED, one
 * that starts matching as ADDED), with bookmarks on request, Tables when asked, and
 * {@code timeoutSeconds}. Thread-safe; each watch runs on its request's thread.
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

    void watch(ApiHandler.Exchange ex, ResourceType type, String namespace) {
        LabelSelector labels = LabelSelector.parse(ex.param("labelSelector"));
        FieldSelector fields = FieldSelector.parse(ex.param("fieldSelector"), type);
        long from = parseRevision(ex.param("resourceVersion"));
        boolean bookmarks = ex.flag("allowWatchBookmarks");
        boolean table = Negotiation.forObjects(ex.header("Accept")) == Negotiation.Output.TABLE;
        TablePrinter.IncludeObject include = table
                ? TablePrinter.IncludeObject.parse(ex.param("includeObject")) : TablePrinter.IncludeObject.METADATA;
        long timeoutSeconds = parseTimeout(ex.param("timeoutSeconds"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);

        LinkedBlockingQueue<WatchEvent> queue = new LinkedBlockingQueue<>(MAX_QUEUED + 1);
        Set<String> matching = new HashSet<>();
        String storageKey = type.group().equals("events.k8s.io") ? "events" : type.storageKey();
        String nsKey = type.namespaced() ? namespace : "";
        if (from > 0) {
            // Objects that match now are the ones a client listed before asking for changes.
            for (ObjectNode o : objects.list(type, namespace, labels, fields).items()) {
                matching.add(key(o));
            }
        }
        Store.Watch watch;
        try {
            watch = objects.store().watch(storageKey, nsKey, from, event -> {
                if (!queue.offer(event)) {
                    queue.clear();
                    queue.offer(CLOSED);
                    throw new IllegalStateException("watch queue overflow");
                }
            });
        } catch (ApiError.Gone gone) {
            try {
                OutputStream out = ex.startStream(200, "application/json");
                writeEvent(out, "ERROR", gone.toStatus());
            } catch (IOException e) {
                // the client left
            }
            return;
        }
        ex.request.getConnectionMetaData().getConnection().getEndPoint()
                .setIdleTimeout(TimeUnit.SECONDS.toMillis(timeoutSeconds) + 60_000);
        ex.request.addFailureListener(failure -> queue.offer(CLOSED));
        long lastRevision = from > 0 ? from : objects.store().revision();
        long nextBookmark = System.nanoTime() + BOOKMARK_INTERVAL.toNanos();
        boolean firstTableEvent = true;
        try (watch) {
            OutputStream out = ex.startStream(200, "application/json");
            while (true) {
                long now = System.nanoTime();
                long remaining = deadline - now;
                if (remaining <= 0) {
                    return;
                }
                long wait = Math.min(remaining, bookmarks ? Math.max(0, nextBookmark - now) : remaining);
                WatchEvent event = queue.poll(wait, TimeUnit.NANOSECONDS);
                if (event == CLOSED) {
                    return;
                }
                if (event == null) {
                    if (bookmarks && System.nanoTime() >= nextBookmark) {
                        writeEvent(out, "BOOKMARK", bookmark(type, lastRevision));
                        nextBookmark = System.nanoTime() + BOOKMARK_INTERVAL.toNanos();
                    }
                    continue;
                }
                lastRevision = Math.max(lastRevision, event.revision());
                ObjectNode served = objects.toServed(type, event.object());
                String k = key(served);
                boolean matches = labels.matches(served.path("metadata").path("labels")) && fields.matches(served);
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
                if (table) {
                    payload = TablePrinter.table(type, java.util.List.of(served), include, objects.clock().instant(),
                            Long.toString(event.revision()), firstTableEvent);
                    firstTableEvent = false;
                }
                writeEvent(out, kind, payload);
            }
        } catch (IOException e) {
            // the client went away; closing the watch is all there is to do
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

    private static void writeEvent(OutputStream out, String type, ObjectNode object) throws IOException {
        ObjectNode event = Json.object();
        event.put("type", type);
        event.set("object", object);
        // The object and its newline in one write: one chunk, so a reader splitting on newlines gets the event now.
        byte[] json = ApiHandler.Exchange.toJson(event);
        byte[] line = Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        out.write(line);
        out.flush();
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
