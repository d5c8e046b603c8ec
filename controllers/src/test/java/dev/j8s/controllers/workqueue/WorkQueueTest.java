package dev.j8s.controllers.workqueue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkQueueTest {

    private final WorkQueue queue = new WorkQueue("test", RateLimiter.defaults());

    @AfterEach
    void close() {
        queue.close();
    }

    @Test
    void aKeyAddedSeveralTimesBeforeAWorkerTakesItIsProcessedOnce() throws Exception {
        queue.add("ns/a");
        queue.add("ns/b");
        queue.add("ns/a");
        assertThat(queue.length()).isEqualTo(2);
        assertThat(queue.get()).contains("ns/a");
        assertThat(queue.get()).contains("ns/b");
        assertThat(queue.length()).isZero();
    }

    @Test
    void aKeyAddedWhileProcessedComesBackOnlyAfterDoneSoNoTwoWorkersSyncIt() throws Exception {
        queue.add("ns/a");
        String taken = queue.get().orElseThrow();
        queue.add("ns/a");
        assertThat(queue.length()).as("not handed to a second worker while processed").isZero();
        queue.done(taken);
        assertThat(queue.length()).isEqualTo(1);
        assertThat(queue.get()).contains("ns/a");
    }

    @Test
    void addAfterQueuesTheKeyOnceItsDelayPassed() throws Exception {
        long start = System.nanoTime();
        queue.addAfter("ns/late", Duration.ofMillis(150));
        assertThat(queue.length()).isZero();
        Optional<String> key = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.get();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }).get(10, TimeUnit.SECONDS);
        assertThat(key).contains("ns/late");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(140));
    }

    @Test
    void failuresBackOffExponentiallyPerKeyUntilForgotten() {
        RateLimiter limiter = new RateLimiter(Duration.ofMillis(5), Duration.ofSeconds(1), 1000, 1000);
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(10));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(20));
        assertThat(limiter.when("b")).as("per key").isEqualTo(Duration.ofMillis(5));
        assertThat(limiter.numRequeues("a")).isEqualTo(3);
        for (int i = 0; i < 20; i++) {
            limiter.when("a");
        }
        assertThat(limiter.when("a")).as("capped").isEqualTo(Duration.ofSeconds(1));
        limiter.forget("a");
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void theGlobalBucketSpacesRetriesOnceItsBurstIsSpent() {
        RateLimiter limiter = new RateLimiter(Duration.ofMillis(1), Duration.ofSeconds(1), 10, 2);
        limiter.when("a");
        limiter.when("b");
        assertThat(limiter.when("c")).as("third retry within the burst of two waits for a token")
                .isGreaterThan(Duration.ofMillis(50));
    }

    @Test
    void aClosedQueueHandsOutNothing() throws Exception {
        queue.add("ns/a");
        queue.close();
        queue.add("ns/b");
        assertThat(queue.get()).contains("ns/a");
        assertThat(queue.get()).isEmpty();
    }
}
