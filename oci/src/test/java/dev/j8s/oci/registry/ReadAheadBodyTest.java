package dev.j8s.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The read-ahead response body: order, bounded demand, errors, and a close from another thread. */
class ReadAheadBodyTest {
    /** Records demand and cancellation. */
    static final class FakeSubscription implements Flow.Subscription {
        final List<Long> requests = new CopyOnWriteArrayList<>();
        final AtomicBoolean cancelled = new AtomicBoolean();

        @Override
        public void request(long n) {
            requests.add(n);
        }

        @Override
        public void cancel() {
            cancelled.set(true);
        }

        long total() {
            return requests.stream().mapToLong(Long::longValue).sum();
        }
    }

    static HttpResponse.BodySubscriber<InputStream> subscriber(int depth) {
        return ReadAheadBody.handler(depth).apply(null);
    }

    static List<ByteBuffer> item(String s) {
        return List.of(ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII)), ByteBuffer.allocate(0));
    }

    @Test
    void bytesArriveInOrderAcrossItemsThenEndOfStream() throws Exception {
        var sub = subscriber(4);
        sub.onSubscribe(new FakeSubscription());
        sub.onNext(item("hello "));
        sub.onNext(List.of());
        sub.onNext(item("world"));
        sub.onComplete();
        InputStream in = sub.getBody().toCompletableFuture().get();
        assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello world");
        assertThat(in.read()).isEqualTo(-1);
    }

    @Test
    void demandIsBoundedByDepthAndRefilledInHalves() throws Exception {
        var sub = subscriber(4);
        FakeSubscription s = new FakeSubscription();
        sub.onSubscribe(s);
        assertThat(s.requests).as("one read until the reader shows up").containsExactly(1L);
        for (int i = 0; i < 4; i++) {
            sub.onNext(item("x"));
        }
        InputStream in = sub.getBody().toCompletableFuture().get();
        assertThat(in.read()).isEqualTo('x');
        assertThat(s.total()).as("first item taken: read ahead up to the depth").isEqualTo(4);
        assertThat(in.read()).isEqualTo('x');
        assertThat(s.total()).as("one more taken: no new demand yet").isEqualTo(4);
        assertThat(in.read()).isEqualTo('x');
        assertThat(s.total()).as("half the depth taken since: ask for that many again").isEqualTo(6);
        assertThat(s.cancelled).isFalse();
    }

    @Test
    void upstreamErrorFailsTheReadAfterTheBytesBeforeIt() throws Exception {
        var sub = subscriber(4);
        sub.onSubscribe(new FakeSubscription());
        sub.onNext(item("ab"));
        sub.onError(new IOException("connection reset"));
        InputStream in = sub.getBody().toCompletableFuture().get();
        assertThat(in.read(new byte[10], 0, 10)).isEqualTo(2);
        assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessage("connection reset");
        assertThatThrownBy(in::read).as("never a clean end after a failure").isInstanceOf(IOException.class);
    }

    @Test
    void closeFromAnotherThreadWakesABlockedReaderAndCancels() throws Exception {
        var sub = subscriber(4);
        FakeSubscription s = new FakeSubscription();
        sub.onSubscribe(s);
        InputStream in = sub.getBody().toCompletableFuture().get();
        CompletableFuture<Throwable> reader = CompletableFuture.supplyAsync(() -> {
            try {
                in.read();
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        Thread.sleep(100);
        assertThat(reader).isNotDone();
        in.close();
        assertThat(reader.get(5, TimeUnit.SECONDS)).isInstanceOf(IOException.class).hasMessage("stream closed");
        assertThat(s.cancelled).isTrue();
    }

    @Test
    void depthBelowTwoIsRejected() {
        assertThatThrownBy(() -> ReadAheadBody.handler(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("read-ahead depth must be at least 2");
    }
}
