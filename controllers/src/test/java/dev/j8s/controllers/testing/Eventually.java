package dev.j8s.controllers.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition a controller brings about, polling every 10 ms; never a fixed sleep. */
public final class Eventually {

    private Eventually() {}

    /** Waits until {@code condition} holds; an AssertionError naming {@code what} after {@code timeout}. */
    public static void await(String what, Duration timeout, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Boolean.TRUE.equals(condition.get())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }

    /** {@link #await(String, Duration, Supplier)} with 20 s. */
    public static void await(String what, Supplier<Boolean> condition) {
        await(what, Duration.ofSeconds(20), condition);
    }
}
