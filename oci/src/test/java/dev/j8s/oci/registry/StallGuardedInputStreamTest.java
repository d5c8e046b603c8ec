package dev.j8s.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class StallGuardedInputStreamTest {
    /** Sends nothing until closed, then fails as a closed response body does. */
    static final class Silent extends InputStream {
        private final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public int read() throws IOException {
            return read(new byte[1], 0, 1);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("stream closed");
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    @Test
    void aSkipThatStallsFailsWithTheStallNotTheClosedStream() throws Exception {
        try (StallGuardedInputStream in = new StallGuardedInputStream(new Silent(), Duration.ofMillis(200), 1024,
                Duration.ofSeconds(60))) {
            assertThatThrownBy(() -> in.skipNBytes(10_000)).isInstanceOf(IOException.class)
                    .hasMessage("stalled: fewer than 1024 bytes in 200 ms");
        }
    }

    @Test
    void skippedBytesAreReadThroughTheGuard() throws Exception {
        byte[] data = new byte[200_000];
        data[150_000] = 42;
        try (StallGuardedInputStream in = new StallGuardedInputStream(new ByteArrayInputStream(data), Duration.ofSeconds(5), 1,
                Duration.ofSeconds(60))) {
            in.skipNBytes(150_000);
            assertThat(in.read()).isEqualTo(42);
        }
    }
}
