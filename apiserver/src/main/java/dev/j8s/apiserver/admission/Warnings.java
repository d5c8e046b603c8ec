package dev.j8s.apiserver.admission;

import java.util.function.Consumer;

/**
 * Where admission puts the warnings of the request it serves (upstream's {@code warning.AddWarning} on the request
 * context): the HTTP layer binds a sink for each request, which becomes {@code Warning: 299 - "…"} headers; without
 * one (the in-process kubelet's writes) warnings are dropped. Thread-safe.
 */
public final class Warnings {

    private static final ScopedValue<Consumer<String>> SINK = ScopedValue.newInstance();

    private Warnings() {}

    /** Runs {@code request} with {@code sink} receiving the warnings admission adds meanwhile. */
    public static void collecting(Consumer<String> sink, Runnable request) {
        ScopedValue.where(SINK, sink).run(request);
    }

    /** Adds a warning to the current request, if it takes warnings. */
    static void add(String warning) {
        if (SINK.isBound()) {
            SINK.get().accept(warning);
        }
    }
}
