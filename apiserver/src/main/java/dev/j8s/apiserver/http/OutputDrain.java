package dev.j8s.apiserver.http;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How long a command's output still flows to the client after the command exited: its pumps are waited for as long as
 * they move bytes, and given up only after {@code quiet} without any (a background child holding the pipe open), so a
 * slow client gets all of a large output before the exit status, however long that takes. Thread-safe: pumps report
 * progress from their own threads.
 */
final class OutputDrain {

    /** Upstream waits without limit; a pipe held open by a child that writes nothing is given up after this. */
    static final Duration QUIET = Duration.ofSeconds(5);

    private final Duration quiet;
    private final AtomicLong lastProgress = new AtomicLong(System.nanoTime());

    OutputDrain(Duration quiet) {
        this.quiet = quiet;
    }

    /** A pump handed bytes to the client. */
    void progressed() {
        lastProgress.set(System.nanoTime());
    }

    /**
     * Waits until every pump ended, or until no output moved for {@code quiet}; returns whether all ended. Called once
     * the command exited.
     */
    boolean await(Thread... pumps) throws InterruptedException {
        progressed(); // the quiet is counted from the exit at the earliest
        for (Thread pump : pumps) {
            while (pump.isAlive()) {
                long left = quiet.toNanos() - (System.nanoTime() - lastProgress.get());
                if (left <= 0) {
                    return false;
                }
                pump.join(Duration.ofNanos(left));
            }
        }
        return true;
    }
}
