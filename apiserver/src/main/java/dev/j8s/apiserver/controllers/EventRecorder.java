package dev.j8s.apiserver.controllers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ObjectService;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes core/v1 Events as upstream's recorder does: named {@code <object>.<hex nanos>}, with
 * identical repeats folded into one event whose {@code count} and {@code lastTimestamp} grow.
 * Thread-safe.
 */
public final class EventRecorder {

    private final ObjectService objects;
    private final ConcurrentHashMap<String, String> seen = new ConcurrentHashMap<>();

    EventRecorder(ObjectService objects) {
        this.objects = objects;
    }

    /** Records an event about {@code object}; failures are returned to no one, as upstream drops them. */
    public void record(ObjectNode object, String fieldPath, String type, String reason, String message,
                       String component, String host) {
        String ns = Json.namespace(object).isEmpty() ? "default" : Json.namespace(object);
        String uid = Json.text(object, "metadata.uid");
        String key = String.join("\u0000", ns, uid, fieldPath, type, reason, message, component, host);
        String now = objects.now();
        String existing = seen.get(key);
        if (existing != null) {
            try {
                objects.store().guaranteedUpdate("events", ns, existing, ev -> {
                    ev.put("count", ev.path("count").asInt(1) + 1);
                    ev.put("lastTimestamp", now);
                    return ev;
                });
                return;
            } catch (ApiError.NotFound expired) {
                seen.remove(key);
            }
        }
        ObjectNode ev = Json.object();
        ev.put("apiVersion", "v1");
        ev.put("kind", "Event");
        ObjectNode meta = ev.putObject("metadata");
        String name = Json.name(object) + "." + Long.toHexString(System.currentTimeMillis() * 1_000_000L + System.nanoTime() % 1_000_000L);
        meta.put("name", name);
        meta.put("namespace", ns);
        ObjectNode involved = ev.putObject("involvedObject");
        involved.put("kind", Json.text(object, "kind"));
        if (!Json.namespace(object).isEmpty()) {
            involved.put("namespace", Json.namespace(object));
        }
        involved.put("name", Json.name(object));
        involved.put("uid", uid);
        involved.put("apiVersion", Json.text(object, "apiVersion"));
        involved.put("resourceVersion", Json.text(object, "metadata.resourceVersion"));
        if (!fieldPath.isEmpty()) {
            involved.put("fieldPath", fieldPath);
        }
        ev.put("reason", reason);
        ev.put("message", message);
        ObjectNode source = ev.putObject("source");
        source.put("component", component);
        if (!host.isEmpty()) {
            source.put("host", host);
        }
        ev.put("firstTimestamp", now);
        ev.put("lastTimestamp", now);
        ev.put("count", 1);
        ev.put("type", type);
        ev.putNull("eventTime");
        ev.put("reportingComponent", component);
        ev.put("reportingInstance", host.isEmpty() ? component : component + "-" + host);
        try {
            objects.create(objects.resources().find("", "v1", "events").orElseThrow(), ns, ev, false);
            seen.put(key, name);
        } catch (ApiError e) {
            System.getLogger(EventRecorder.class.getName()).log(System.Logger.Level.DEBUG,
                    "event dropped reason=" + reason + " error=" + e.getMessage());
        }
    }
}
