package dev.j8s.oci.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Aborts a body that delivers fewer than {@code minBytes} in any {@code window}, or that outlives its deadline:
 * a watchdog closes the underlying stream, so a blocked read returns promptly with an error.
 *
 * <p>One reader thread; the watchdog is internal.
 */
final class StallGuardedInputStream extends FilterInputStream {
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "j8s-registry-stall-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final long minBytes;
    private final Duration window;
    private final long deadlineNanos;
    private final ScheduledFuture<?> task;
    private volatile long count;
    private long countAtLastCheck;
    private volatile String abortReason;

    StallGuardedInputStream(InputStream in, Duration window, long minBytes, Duration deadline) {
        super(in);
        this.minBytes = minBytes;
        this.window = window;
        this.deadlineNanos = System.nanoTime() + deadline.toNanos();
        long ms = Math.max(1, window.toMillis());
        this.task = WATCHDOG.scheduleAtFixedRate(this::check, ms, ms, TimeUnit.MILLISECONDS);
    }

    private void check() {
        long now = count;
        if (now - countAtLastCheck < minBytes) {
            abort("stalled: fewer than " + minBytes + " bytes in " + window.toMillis() + " ms");
        } else if (System.nanoTime() > deadlineNanos) {
            abort("deadline exceeded");
        }
        countAtLastCheck = now;
    }

    private void abort(String reason) {
        abortReason = reason;
        task.cancel(false);
        try {
            in.close();
        } catch (IOException ignored) {
            // the reader sees the abort reason
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (abortReason != null) {
            throw new IOException(abortReason);
        }
        int n;
        try {
            n = in.read(b, off, len);
        } catch (IOException e) {
            if (abortReason != null) {
                throw new IOException(abortReason, e);
            }
            throw e;
        }
        if (abortReason != null) {
            throw new IOException(abortReason);
        }
        if (n > 0) {
            count += n;
        } else if (n < 0) {
            task.cancel(false);
        }
        return n;
    }

    /**
     * Skips by reading through {@link #read(byte[], int, int)}: skipped bytes count as progress, and a skip the
     * watchdog aborts fails with its reason (a resumed blob without {@code Range} support skips what it has).
     */
    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(Math.max(n, 0), 64 * 1024)];
        int r = read(buf, 0, buf.length);
        return Math.max(r, 0);
    }

    @Override
    public void close() throws IOException {
        task.cancel(false);
        super.close();
    }
}
