package dev.j8s.kubelet.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One handler run in progress on its own virtual thread: the caller waits for it as long as it may (a preStop for
 * the grace period, a postStart until the pod is deleted) and cancels it when it must not wait longer; cancelling
 * interrupts the run, which ends a sleep, an HTTP exchange or the wait for an {@code exec}. Thread-safe.
 */
public final class RunningHook {

    private final CompletableFuture<HookResult> result = new CompletableFuture<>();
    private final long startedNanos = System.nanoTime();
    private volatile Thread thread;

    private RunningHook() {}

    static RunningHook start(String name, Supplier<HookResult> run) {
        RunningHook hook = new RunningHook();
        hook.thread = Thread.ofVirtual().name(name).start(() -> {
            try {
                hook.result.complete(run.get());
            } catch (RuntimeException | Error e) {
                hook.result.completeExceptionally(e);
            }
        });
        return hook;
    }

    /** A hook that has already finished with {@code result} (for tests and for handlers that need no thread). */
    public static RunningHook completed(HookResult result) {
        RunningHook hook = new RunningHook();
        hook.result.complete(result);
        return hook;
    }

    /** The result if the run ends within {@code max}; empty when it still runs. */
    public Optional<HookResult> awaitFor(Duration max) {
        try {
            return Optional.of(result.get(Math.max(0, max.toNanos()), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException e) {
            throw rethrow(e);
        }
    }

    /** The result once the run ends, unless {@code stop} completes first (then empty and the run goes on). */
    public Optional<HookResult> awaitUnless(CompletableFuture<?> stop) {
        try {
            CompletableFuture.anyOf(result, stop).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException | CancellationException e) {
            // the stop signal failed or was cancelled: look at the result below
        }
        if (result.isDone()) {
            try {
                return Optional.of(result.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } catch (ExecutionException e) {
                throw rethrow(e);
            }
        }
        return Optional.empty();
    }

    /** Whole seconds since the run started, truncated (what upstream subtracts from the grace period). */
    public long elapsedSeconds() {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos);
    }

    /** Interrupts the run and waits briefly for it to end; its result, {@link HookResult.Cancelled} when it ended so. */
    public HookResult cancel() {
        Thread t = thread;
        if (t != null && !result.isDone()) {
            t.interrupt();
        }
        return awaitFor(Duration.ofSeconds(5)).orElse(new HookResult.Cancelled(List.of()));
    }

    private static RuntimeException rethrow(ExecutionException e) {
        if (e.getCause() instanceof RuntimeException r) {
            return r;
        }
        if (e.getCause() instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(e.getCause());
    }
}
