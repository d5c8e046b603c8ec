package dev.j8s.apiserver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit in {@link SqliteStore}: concurrent writers share commits, yet no write is acknowledged, listed or
 * watched before the commit that holds it has returned (with {@code synchronous=FULL}, after its fsync).
 */
class GroupCommitTest {

    private static final int WRITERS = 16;
    private static final int WRITES_EACH = 40;

    @TempDir
    Path dir;

    @Test
    void concurrentWritersShareCommitsAndEachIsDurableBeforeItIsAcknowledgedOrWatched() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("store.db"))) {
            ConcurrentLinkedQueue<String> early = new ConcurrentLinkedQueue<>();
            store.watch("configmaps", "", 0, e -> {
                if (store.durableRevision() < e.revision()) {
                    early.add("watched " + e.revision() + " before durable " + store.durableRevision());
                }
            });
            long commitsBefore = store.commits();
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(WRITERS)) {
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < WRITES_EACH; i++) {
                            ObjectNode created = store.create("configmaps", configMap("w" + writer + "-" + i));
                            long rev = Long.parseLong(Json.text(created, "metadata.resourceVersion"));
                            if (store.durableRevision() < rev) {
                                early.add("acknowledged " + rev + " before durable " + store.durableRevision());
                            }
                            ObjectNode changed = created.deepCopy();
                            changed.putObject("data").put("n", Integer.toString(i));
                            store.update("configmaps", changed); // validated against the staged create
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : done) {
                    f.get();
                }
            }
            int writes = WRITERS * WRITES_EACH * 2;

            assertThat(early).isEmpty();
            assertThat(store.revision()).isEqualTo(writes);
            assertThat(store.durableRevision()).isEqualTo(writes);
            assertThat(store.list("configmaps", "default").items()).hasSize(WRITERS * WRITES_EACH)
                    .allSatisfy(cm -> assertThat(cm.path("data").has("n")).isTrue());
            assertThat(store.commits() - commitsBefore).as("commits for %d concurrent writes", writes)
                    .isLessThan(writes);
        }
    }

    @Test
    void aWriteRefusedWhileOthersAreStagedFailsAloneAndTheGroupCommits() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir.resolve("store.db"))) {
            store.create("configmaps", configMap("taken"));
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> outcomes = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(WRITERS)) {
                for (int w = 0; w < WRITERS; w++) {
                    String name = w % 2 == 0 ? "taken" : "free-" + w;
                    outcomes.add(pool.submit(() -> {
                        start.await();
                        try {
                            store.create("configmaps", configMap(name));
                            return "created " + name;
                        } catch (ApiError.AlreadyExists e) {
                            return "exists " + name;
                        }
                    }));
                }
                start.countDown();
                for (Future<String> f : outcomes) {
                    String outcome = f.get();
                    assertThat(outcome).isIn(outcome.endsWith("taken") ? "exists taken" : outcome.replace("exists", "created"));
                }
            }
            assertThat(store.list("configmaps", "default").items()).hasSize(1 + WRITERS / 2);
        }
        try (SqliteStore reopened = SqliteStore.open(dir.resolve("store.db"))) {
            assertThat(reopened.list("configmaps", "default").items()).hasSize(1 + WRITERS / 2);
            assertThat(reopened.revision()).isEqualTo(1 + WRITERS / 2);
        }
    }

    @Test
    void writesStagedWhenTheStoreClosesFailAndAreNotKept() throws Exception {
        Path db = dir.resolve("store.db");
        SqliteStore store = SqliteStore.open(db);
        store.create("configmaps", configMap("kept"));
        store.close();

        assertThatThrownBy(() -> store.create("configmaps", configMap("late"))).isInstanceOf(RuntimeException.class);
        try (SqliteStore reopened = SqliteStore.open(db)) {
            assertThat(reopened.get("configmaps", "default", "late")).isEmpty();
            assertThat(reopened.get("configmaps", "default", "kept")).isPresent();
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
