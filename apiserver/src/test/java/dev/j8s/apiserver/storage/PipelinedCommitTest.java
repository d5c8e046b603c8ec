package dev.j8s.apiserver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipelined commit of {@link SqliteStore}: the next group is staged while the previous one's log sync runs,
 * yet no write is acknowledged or watched before a sync that began after its commit has finished, revisions are
 * published in order, and a failed sync fails its writers without losing anything acknowledged.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipelinedCommitTest {

    @TempDir
    Path dir;

    @Test
    void theNextGroupIsStagedWhileThePreviousGroupsSyncRuns() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("store.db"));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch syncing = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger syncs = new AtomicInteger();
            store.wrapLogSync(real -> () -> {
                if (syncs.incrementAndGet() == 1) {
                    syncing.countDown();
                    await(release);
                }
                real.sync();
            });
            RecordingSink watched = new RecordingSink();
            store.watch("configmaps", "", 0, watched);

            Future<ObjectNode> first = pool.submit(() -> store.create("configmaps", configMap("first")));
            assertThat(syncing.await(10, TimeUnit.SECONDS)).as("first sync started").isTrue();
            Future<ObjectNode> second = pool.submit(() -> store.create("configmaps", configMap("second")));
            awaitTrue("the second write staged while the first one syncs", () -> store.stagedRevision() == 2);

            assertThat(first.isDone()).as("first acknowledged before its sync finished").isFalse();
            assertThat(second.isDone()).isFalse();
            assertThat(store.durableRevision()).isZero();
            assertThat(store.get("configmaps", "default", "first")).as("visible before durable").isEmpty();
            assertThat(watched.drain()).as("watched before durable").isEmpty();

            release.countDown();
            assertThat(Json.text(first.get(10, TimeUnit.SECONDS), "metadata.resourceVersion")).isEqualTo("1");
            assertThat(Json.text(second.get(10, TimeUnit.SECONDS), "metadata.resourceVersion")).isEqualTo("2");
            assertThat(syncs.get()).as("the second write has its own sync, after its commit").isEqualTo(2);
            assertThat(watched.drain()).extracting(WatchEvent::revision).containsExactly(1L, 2L);
        }
    }

    @Test
    void concurrentWritersAreAcknowledgedAndWatchedInOrderOnlyAfterASyncCoveringThem() throws Exception {
        int writers = 8;
        int each = 60;
        try (SqliteStore store = SqliteStore.open(dir.resolve("store.db"))) {
            AtomicLong synced = new AtomicLong();
            AtomicInteger syncs = new AtomicInteger();
            store.wrapLogSync(real -> () -> {
                long covers = store.committedRevision(); // what SQLite has written when this sync starts
                real.sync();
                synced.accumulateAndGet(covers, Math::max);
                syncs.incrementAndGet();
            });
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            List<Long> seen = new CopyOnWriteArrayList<>();
            store.watch("configmaps", "", 0, e -> {
                if (synced.get() < e.revision()) {
                    problems.add("watched " + e.revision() + " before a sync covered it (synced " + synced.get() + ")");
                }
                seen.add(e.revision());
            });
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
                for (int w = 0; w < writers; w++) {
                    int writer = w;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < each; i++) {
                            ObjectNode created = store.create("configmaps", configMap("w" + writer + "-" + i));
                            long rev = Long.parseLong(Json.text(created, "metadata.resourceVersion"));
                            if (synced.get() < rev) {
                                problems.add("acknowledged " + rev + " before a sync covered it (synced " + synced.get() + ")");
                            }
                            ObjectNode changed = created.deepCopy();
                            changed.putObject("data").put("n", Integer.toString(i));
                            store.update("configmaps", changed);
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get();
                }
            }
            int writes = writers * each * 2;

            assertThat(problems).isEmpty();
            List<Long> expected = new ArrayList<>();
            for (long r = 1; r <= writes; r++) {
                expected.add(r);
            }
            assertThat(seen).as("every revision watched once, in order").isEqualTo(expected);
            assertThat(syncs.get()).as("syncs for %d concurrent writes", writes).isLessThan(writes);
            assertThat(store.durableRevision()).isEqualTo(writes);
        }
    }

    @Test
    void aFailedSyncFailsEveryWriterOfItsGroupAndLaterWritesAndLosesNothingAcknowledged() throws Exception {
        int groupOf = 5;
        Path db = dir.resolve("store.db");
        try (SqliteStore store = SqliteStore.open(db);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            store.create("configmaps", configMap("a"));
            CountDownLatch syncing = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger syncs = new AtomicInteger();
            store.wrapLogSync(real -> () -> {
                int n = syncs.incrementAndGet();
                if (n == 1) {
                    syncing.countDown();
                    await(release);
                } else if (n == 2) {
                    throw new IOException("injected EIO");
                }
                real.sync();
            });
            RecordingSink watched = new RecordingSink();
            store.watch("configmaps", "", 0, watched);

            Future<ObjectNode> b = pool.submit(() -> store.create("configmaps", configMap("b")));
            assertThat(syncing.await(10, TimeUnit.SECONDS)).isTrue();
            List<Future<ObjectNode>> group = new ArrayList<>();
            for (int i = 0; i < groupOf; i++) {
                String name = "c" + i;
                group.add(pool.submit(() -> store.create("configmaps", configMap(name))));
            }
            awaitTrue("the next group staged", () -> store.stagedRevision() == 2 + groupOf);
            release.countDown();

            assertThat(b.get(10, TimeUnit.SECONDS)).isNotNull();
            for (Future<ObjectNode> f : group) {
                assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ApiError.InternalError.class)
                        .hasMessageContaining("injected EIO");
            }
            assertThat(syncs.get()).as("the failed group had one sync").isEqualTo(2);
            assertThatThrownBy(() -> store.create("configmaps", configMap("d"))).isInstanceOf(ApiError.InternalError.class)
                    .hasMessageContaining("refuses writes");
            assertThat(watched.drain()).extracting(WatchEvent::name).containsExactly("a", "b");
            assertThat(store.list("configmaps", "default").items()).extracting(Json::name).containsExactly("a", "b");
            assertThat(store.revision()).isEqualTo(2);
        }
        try (SqliteStore reopened = SqliteStore.open(db)) {
            assertThat(reopened.get("configmaps", "default", "a")).isPresent();
            assertThat(reopened.get("configmaps", "default", "b")).isPresent();
            assertThat(reopened.get("configmaps", "default", "d")).isEmpty();
            reopened.create("configmaps", configMap("e"));
            assertThat(reopened.get("configmaps", "default", "e")).isPresent();
        }
    }

    private static void await(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(20, TimeUnit.SECONDS)) {
                throw new IOException("test latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("awaiting: %s", what).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    private static ObjectNode configMap(String name) {
        ObjectNode cm = Json.object();
        cm.put("apiVersion", "v1");
        cm.put("kind", "ConfigMap");
        cm.putObject("metadata").put("name", name).put("namespace", "default").put("uid", "uid-" + name);
        return cm;
    }
}
