package dev.j8s.apiserver.printers;

import static dev.j8s.apiserver.printers.Nodes.number;
import static dev.j8s.apiserver.printers.Nodes.object;
import static dev.j8s.apiserver.printers.Nodes.text;
import static dev.j8s.apiserver.printers.Nodes.time;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The event row for both core/v1 and events.k8s.io/v1 objects (read through the same field names upstream's
 * conversion to the internal Event uses), following upstream printEvent. Stateless and thread-safe.
 */
final class EventPrinter {

    static final List<Column> COLUMNS = List.of(
            Column.string("Last Seen", Descriptions.EVENT_LAST_TIMESTAMP),
            Column.string("Type", Descriptions.EVENT_TYPE),
            Column.string("Reason", Descriptions.EVENT_REASON),
            Column.string("Object", Descriptions.EVENT_INVOLVED_OBJECT),
            Column.string("Subobject", Descriptions.EVENT_FIELD_PATH).wide(),
            Column.string("Source", Descriptions.EVENT_SOURCE).wide(),
            Column.string("Message", Descriptions.EVENT_MESSAGE),
            Column.string("First Seen", Descriptions.EVENT_FIRST_TIMESTAMP).wide(),
            Column.string("Count", Descriptions.EVENT_COUNT).wide(),
            Column.nameColumn().wide());

    private EventPrinter() {}

    static Row row(JsonNode event, Instant now) {
        boolean v1 = text(event, "apiVersion").equals("events.k8s.io/v1");
        JsonNode involved = event.path(v1 ? "regarding" : "involvedObject");
        JsonNode source = event.path(v1 ? "deprecatedSource" : "source");
        String reportingController = text(event, v1 ? "reportingController" : "reportingComponent");
        String message = text(event, v1 ? "note" : "message");
        Optional<Instant> first = time(event, v1 ? "deprecatedFirstTimestamp" : "firstTimestamp");
        Optional<Instant> last = time(event, v1 ? "deprecatedLastTimestamp" : "lastTimestamp");
        long count = number(event, v1 ? "deprecatedCount" : "count");

        String firstTimestamp = first.isPresent()
                ? HumanDuration.since(first, now)
                : HumanDuration.since(time(event, "eventTime"), now);
        String lastTimestamp = last.isPresent() ? HumanDuration.since(last, now) : firstTimestamp;

        Optional<JsonNode> series = object(event, "series");
        if (series.isPresent()) {
            lastTimestamp = HumanDuration.since(time(series.get(), "lastObservedTime"), now);
            count = number(series.get(), "count");
        } else if (count == 0) {
            // Singleton events of the new API carry no count.
            count = 1;
        }

        String kind = text(involved, "kind").toLowerCase(Locale.ROOT);
        String name = text(involved, "name");
        String target = name.isEmpty() ? kind : kind + "/" + name;

        return Row.of(
                lastTimestamp,
                text(event, "type"),
                text(event, "reason"),
                target,
                text(involved, "fieldPath"),
                formatSource(firstNonEmpty(text(source, "component"), reportingController),
                        firstNonEmpty(text(source, "host"), text(event, "reportingInstance"))),
                message.strip(),
                firstTimestamp,
                count,
                text(event.path("metadata"), "name"));
    }

    private static String firstNonEmpty(String a, String b) {
        return a.isEmpty() ? b : a;
    }

    private static String formatSource(String component, String instance) {
        return instance.isEmpty() ? component : component + ", " + instance;
    }
}
