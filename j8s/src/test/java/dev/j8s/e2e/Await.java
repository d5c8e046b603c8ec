package dev.j8s.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polling for conditions that become true asynchronously (binder, events), and JSON parsing of output. */
final class Await {

    private Await() {}

    /**
     * Calls {@code probe} every 100 ms until {@code done} accepts its value; after {@code timeout}
     * fails with the last value, so the failure shows what was seen instead.
     */
    static <T> T until(Duration timeout, String what, Supplier<T> probe, Predicate<T> done) {
        Instant deadline = Instant.now().plus(timeout);
        T last = probe.get();
        while (!done.test(last)) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + timeout + ": " + what + "; last seen:\n" + last);
            }
            J8sServer.sleep(Duration.ofMillis(100));
            last = probe.get();
        }
        return last;
    }

    /** kubectl's {@code -o json} output, parsed. */
    static JsonNode json(Kubectl.Result result) {
        try {
            return Json.MAPPER.readTree(result.ok().stdout());
        } catch (IOException e) {
            throw new UncheckedIOException("kubectl printed no JSON: " + result, e);
        }
    }
}
