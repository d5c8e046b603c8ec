package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@link SpdySession.Transport} for tests: parses what the session writes as the client would, keeps the frames in
 * order, and lets a test wait for one. Thread-safe.
 */
final class RecordingTransport implements SpdySession.Transport {

    final SpdyFrames.Parser parser = new SpdyFrames.Parser();
    private final List<SpdyFrames.Frame> frames = new ArrayList<>();
    private ByteBuffer pending = ByteBuffer.allocate(1 << 20).flip();
    volatile Duration writeDelay = Duration.ZERO;

    @Override
    public void write(ByteBuffer[] buffers, Duration timeout) throws IOException {
        try {
            Thread.sleep(writeDelay); // a client that reads slowly
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        synchronized (this) {
            pending.compact();
            for (ByteBuffer b : buffers) {
                pending.put(b);
            }
            pending.flip();
            for (Optional<SpdyFrames.Frame> f = parser.next(pending); f.isPresent(); f = parser.next(pending)) {
                frames.add(f.get());
            }
            notifyAll();
        }
    }

    synchronized List<SpdyFrames.Frame> frames() {
        return List.copyOf(frames);
    }

    synchronized void await(Predicate<SpdyFrames.Frame> wanted) throws InterruptedException {
        assertThat(awaitAtMost(Duration.ofSeconds(10), wanted)).as("frame seen in " + frames).isTrue();
    }

    synchronized boolean awaitAtMost(Duration timeout, Predicate<SpdyFrames.Frame> wanted) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (frames.stream().noneMatch(wanted)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void resumeReading() {
    }

    @Override
    public void close() {
    }
}
