package dev.j8s.apiserver.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A watch sink that queues what it receives, as a real watch handler would. Thread-safe. */
final class RecordingSink implements Store.WatchSink {
    private final BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();

    @Override
    public void accept(WatchEvent event) {
        events.add(event);
    }

    /** Everything received so far, without waiting. */
    List<WatchEvent> drain() {
        List<WatchEvent> out = new ArrayList<>();
        events.drainTo(out);
        return out;
    }

    /** Waits up to 10 s for {@code n} more events. */
    List<WatchEvent> take(int n) throws InterruptedException {
        List<WatchEvent> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (out.size() < n) {
            WatchEvent e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("received " + out.size() + " of " + n + " events: " + out);
            }
            out.add(e);
        }
        return out;
    }

    /** A short description per event: {@code ADDED default/a 3}. */
    static List<String> describe(List<WatchEvent> events) {
        return events.stream()
                .map(e -> e.type() + " " + (e.namespace().isEmpty() ? "" : e.namespace() + "/") + e.name() + " " + e.revision())
                .toList();
    }
}
