package dev.j8s.apiserver.selection;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.storage.WatchEvent;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What a selected watch sends for each store change, as upstream's watch cache filters: an object that stops
 * matching the selectors is sent as DELETED, one that starts matching as ADDED, changes of objects that match
 * neither before nor after are dropped. Not thread-safe: one per watch.
 */
public final class WatchSelection {

    private final LabelSelector labels;
    private final FieldSelector fields;
    /** {@code namespace/name} of the objects the watcher holds as matching. */
    private final Set<String> matching;

    /**
     * @param initiallyMatching keys ({@code namespace/name}) of the objects the watcher listed before a watch
     *                          that resumes from a revision (empty for a watch from revision 0)
     */
    public WatchSelection(LabelSelector labels, FieldSelector fields, Collection<String> initiallyMatching) {
        this.labels = labels;
        this.fields = fields;
        this.matching = new HashSet<>(initiallyMatching);
    }

    /** {@code namespace/name} of a served object. */
    public static String key(JsonNode object) {
        return Json.namespace(object) + "/" + Json.name(object);
    }

    /** The event type to send for a change of {@code served} (the object after it), empty to send nothing. */
    public Optional<WatchEvent.Type> translate(WatchEvent.Type type, JsonNode served) {
        String key = key(served);
        boolean matches = labels.matches(served.path("metadata").path("labels")) && fields.matches(served);
        return switch (type) {
            case ADDED -> {
                if (!matches) {
                    yield Optional.empty();
                }
                matching.add(key);
                yield Optional.of(WatchEvent.Type.ADDED);
            }
            case MODIFIED -> {
                if (matches) {
                    yield Optional.of(matching.add(key) ? WatchEvent.Type.ADDED : WatchEvent.Type.MODIFIED);
                }
                yield matching.remove(key) ? Optional.of(WatchEvent.Type.DELETED) : Optional.empty();
            }
            case DELETED -> {
                if (!matches && !matching.contains(key)) {
                    yield Optional.empty();
                }
                matching.remove(key);
                yield Optional.of(WatchEvent.Type.DELETED);
            }
        };
    }
}
