package dev.j8s.apiserver.storage;

import static dev.j8s.apiserver.storage.RecordingSink.describe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest {

    @TempDir
    Path dir;

    private final List<SqliteStore> opened = new ArrayList<>();

    @AfterEach
    void closeStores() {
        opened.forEach(SqliteStore::close);
    }

    private Path db() {
        return dir.resolve("state").resolve("store.db");
    }

    private SqliteStore open() {
        return track(SqliteStore.open(db()));
    }

    private SqliteStore track(SqliteStore s) {
        opened.add(s);
        return s;
    }

    static ObjectNode pod(String namespace, String name) {
        ObjectNode pod = Json.object();
        pod.put("apiVersion", "v1");
        pod.put("kind", "Pod");
        ObjectNode meta = pod.putObject("metadata");
        meta.put("name", name);
        if (!namespace.isEmpty()) {
            meta.put("namespace", namespace);
        }
        meta.put("uid", "uid-" + name);
        pod.putObject("spec").put("nodeName", "node1");
        return pod;
    }

    private static String rv(ObjectNode o) {
        return Json.text(o, "metadata.resourceVersion");
    }

    private void exec(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db()); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    // ---- CRUD and revisions ----

    @Test
    void writesAdvanceOneGlobalRevisionAndSetResourceVersion() {
        SqliteStore store = open();
        assertThat(store.revision()).isZero();

        ObjectNode a = store.create("pods", pod("default", "a"));
        ObjectNode ns = store.create("namespaces", pod("", "team"));
        ObjectNode a2 = store.update("pods", a.deepCopy());

        assertThat(rv(a)).isEqualTo("1");
        assertThat(rv(ns)).isEqualTo("2");
        assertThat(rv(a2)).isEqualTo("3");
        assertThat(store.revision()).isEqualTo(3);
        assertThat(rv(store.get("pods", "default", "a").orElseThrow())).isEqualTo("3");
        assertThat(store.get("namespaces", "", "team")).isPresent();
        assertThat(store.get("pods", "other", "a")).isEmpty();
    }

    @Test
    void returnedAndPassedTreesAreNotShared() {
        SqliteStore store = open();
        ObjectNode input = pod("default", "a");
        ObjectNode created = store.create("pods", input);
        input.put("kind", "Changed");
        created.put("kind", "Changed");
        store.get("pods", "default", "a").orElseThrow().put("kind", "Changed");

        assertThat(Json.text(store.get("pods", "default", "a").orElseThrow(), "kind")).isEqualTo("Pod");
        assertThat(input.path("metadata").has("resourceVersion")).isFalse();
    }

    @Test
    void createOfATakenNameIsAlreadyExists() {
        SqliteStore store = open();
        store.create("pods", pod("default", "a"));

        assertThatThrownBy(() -> store.create("pods", pod("default", "a")))
                .isInstanceOf(ApiError.AlreadyExists.class)
                .hasMessage("pods \"a\" already exists");
        assertThat(store.revision()).isEqualTo(1);
        // The same name in another namespace or resource is a different key.
        store.create("pods", pod("kube-system", "a"));
        store.create("services", pod("default", "a"));
        assertThat(store.revision()).isEqualTo(3);
    }

    @Test
    void updateWithAStaleResourceVersionIsConflict() {
        SqliteStore store = open();
        ObjectNode a = store.create("pods", pod("default", "a"));
        store.update("pods", a.deepCopy());

        assertThatThrownBy(() -> store.update("pods", a))
                .isInstanceOf(ApiError.Conflict.class)
                .hasMessage("Operation cannot be fulfilled on pods \"a\": the object has been modified; "
                        + "please apply your changes to the latest version and try again");
        assertThat(store.revision()).isEqualTo(2);
    }

    @Test
    void updateWithoutResourceVersionStoresWhatItIsGiven() {
        SqliteStore store = open();
        store.create("pods", pod("default", "a"));
        ObjectNode next = pod("default", "a");
        ((ObjectNode) next.get("metadata")).put("uid", "another");

        ObjectNode updated = store.update("pods", next);

        assertThat(Json.text(updated, "metadata.uid")).isEqualTo("another");
        assertThat(Json.text(store.get("pods", "default", "a").orElseThrow(), "metadata.uid")).isEqualTo("another");
        assertThat(rv(updated)).isEqualTo("2");
    }

    @Test
    void updateOfAMissingObjectIsNotFound() {
        SqliteStore store = open();
        assertThatThrownBy(() -> store.update("pods", pod("default", "ghost")))
                .isInstanceOf(ApiError.NotFound.class)
                .hasMessage("pods \"ghost\" not found");
    }

    @Test
    void guaranteedUpdateWritesTheChangedObjectAndSkipsAnUnchangedOne() {
        SqliteStore store = open();
        store.create("pods", pod("default", "a"));

        ObjectNode changed = store.guaranteedUpdate("pods", "default", "a", o -> {
            ((ObjectNode) o.get("spec")).put("nodeName", "node2");
            return o;
        });
        ObjectNode same = store.guaranteedUpdate("pods", "default", "a", o -> o);

        assertThat(Json.text(changed, "spec.nodeName")).isEqualTo("node2");
        assertThat(rv(changed)).isEqualTo("2");
        assertThat(rv(same)).isEqualTo("2");
        assertThat(store.revision()).isEqualTo(2);
    }

    @Test
    void guaranteedUpdateThatThrowsWritesNothing() {
        SqliteStore store = open();
        store.create("pods", pod("default", "a"));

        assertThatThrownBy(() -> store.guaranteedUpdate("pods", "default", "a", o -> {
            o.put("kind", "Mutated");
            throw new ApiError.BadRequest("nope");
        })).isInstanceOf(ApiError.BadRequest.class).hasMessage("nope");
        assertThatThrownBy(() -> store.guaranteedUpdate("pods", "default", "missing", o -> o))
                .isInstanceOf(ApiError.NotFound.class).hasMessage("pods \"missing\" not found");

        assertThat(store.revision()).isEqualTo(1);
        assertThat(Json.text(store.get("pods", "default", "a").orElseThrow(), "kind")).isEqualTo("Pod");
    }

    @Test
    void deleteReturnsTheLastStateWithTheRevisionOfTheDelete() {
        SqliteStore store = open();
        store.create("pods", pod("default", "a"));

        ObjectNode last = store.delete("pods", "default", "a", "", "");

        assertThat(rv(last)).isEqualTo("2");
        assertThat(Json.text(last, "metadata.uid")).isEqualTo("uid-a");
        assertThat(store.get("pods", "default", "a")).isEmpty();
        assertThatThrownBy(() -> store.delete("pods", "default", "a", "", ""))
                .isInstanceOf(ApiError.NotFound.class).hasMessage("pods \"a\" not found");
    }

    @Test
    void deleteWithAnotherUidIsConflictWithUpstreamsPreconditionText() {
        SqliteStore store = open();
        store.create("pods", pod("default", "a"));

        assertThatThrownBy(() -> store.delete("pods", "default", "a", "old-uid", ""))
                .isInstanceOf(ApiError.Conflict.class)
                .hasMessage("Operation cannot be fulfilled on pods \"a\": "
                        + "Precondition failed: UID in precondition: old-uid, UID in object meta: uid-a");
        assertThat(store.get("pods", "default", "a")).isPresent();
    }

    @Test
    void deleteWithAnotherResourceVersionIsConflictWithUpstreamsPreconditionText() {
        SqliteStore store = open();
        store.create("pods", pod("default", "a"));
        store.create("pods", pod("default", "b"));

        assertThatThrownBy(() -> store.delete("pods", "default", "a", "uid-a", "7"))
                .isInstanceOf(ApiError.Conflict.class)
                .hasMessage("Operation cannot be fulfilled on pods \"a\": "
                        + "Precondition failed: ResourceVersion in precondition: 7, ResourceVersion in object meta: 1");
        assertThat(rv(store.delete("pods", "default", "a", "uid-a", "1"))).isEqualTo("3");
    }

    @Test
    void listIsOrderedByNamespaceThenNameAndFiltersByNamespace() {
        SqliteStore store = open();
        store.create("pods", pod("default", "b"));
        store.create("pods", pod("default-x", "a"));
        store.create("pods", pod("default", "a"));
        store.create("pods", pod("alpha", "z"));
        store.create("services", pod("default", "s"));

        Store.Listing all = store.list("pods", "");
        Store.Listing inDefault = store.list("pods", "default");

        assertThat(all.revision()).isEqualTo(5);
        assertThat(all.items()).extracting(o -> Json.namespace(o) + "/" + Json.name(o))
                .containsExactly("alpha/z", "default/a", "default/b", "default-x/a");
        assertThat(inDefault.items()).extracting(Json::name).containsExactly("a", "b");
        assertThat(store.list("configmaps", "").items()).isEmpty();
    }

    // ---- watch ----

    @Test
    void watchFromZeroSendsAddedForCurrentObjectsThenLiveChanges() throws Exception {
        SqliteStore store = open();
        store.create("pods", pod("default", "a"));
        store.create("pods", pod("other", "b"));
        ObjectNode c = store.create("pods", pod("default", "c"));
        store.create("services", pod("default", "svc"));
        RecordingSink sink = new RecordingSink();

        store.watch("pods", "default", 0, sink);
        assertThat(describe(sink.drain())).containsExactly("ADDED default/a 1", "ADDED default/c 3");

        store.update("pods", c);
        store.create("pods", pod("other", "d"));
        store.delete("pods", "default", "a", "", "");
        assertThat(describe(sink.drain())).containsExactly("MODIFIED default/c 5", "DELETED default/a 7");
    }

    @Test
    void watchFromARevisionReplaysLaterChangesThenLiveOnes() throws Exception {
        SqliteStore store = open();
        store.create("pods", pod("default", "a"));
        store.create("pods", pod("default", "b"));
        store.delete("pods", "default", "a", "", "");
        RecordingSink sink = new RecordingSink();

        store.watch("pods", "", 1, sink);
        store.create("pods", pod("default", "c"));

        List<WatchEvent> events = sink.drain();
        assertThat(describe(events)).containsExactly("ADDED default/b 2", "DELETED default/a 3", "ADDED default/c 4");
        assertThat(rv(events.get(1).object())).isEqualTo("3");
    }

    @Test
    void watchFromTheCurrentRevisionSendsOnlyLiveChanges() {
        SqliteStore store = open();
        store.create("pods", pod("default", "a"));
        RecordingSink sink = new RecordingSink();

        store.watch("pods", "", store.revision(), sink);
        assertThat(sink.drain()).isEmpty();
        store.create("pods", pod("default", "b"));
        assertThat(describe(sink.drain())).containsExactly("ADDED default/b 2");
    }

    @Test
    void watchFromBeforeTheRetainedWindowIsGone() {
        SqliteStore store = track(SqliteStore.open(db(), 5));
        for (int i = 0; i < 10; i++) {
            store.create("pods", pod("default", "p" + i));
        }
        assertThat(store.compactedRevision()).isEqualTo(5);

        assertThatThrownBy(() -> store.watch("pods", "", 4, new RecordingSink()))
                .isInstanceOf(ApiError.Gone.class)
                .hasMessage("too old resource version: 4 (5)")
                .satisfies(e -> assertThat(((ApiError) e).code()).isEqualTo(410));
        RecordingSink sink = new RecordingSink();
        store.watch("pods", "", 5, sink);
        assertThat(sink.drain()).extracting(WatchEvent::revision).containsExactly(6L, 7L, 8L, 9L, 10L);
    }

    @Test
    void replayOlderThanTheMemoryTailReadsTheSqliteLog() {
        SqliteStore store = track(SqliteStore.open(db(), 100, 3));
        for (int i = 1; i <= 10; i++) {
            store.create("pods", pod(i % 2 == 0 ? "even" : "odd", "p" + i));
        }
        RecordingSink all = new RecordingSink();
        RecordingSink even = new RecordingSink();

        store.watch("pods", "", 2, all);
        store.watch("pods", "even", 2, even);
        store.create("pods", pod("even", "p11"));

        assertThat(all.drain()).extracting(WatchEvent::revision).containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
        assertThat(describe(even.drain())).containsExactly(
                "ADDED even/p4 4", "ADDED even/p6 6", "ADDED even/p8 8", "ADDED even/p10 10", "ADDED even/p11 11");
    }

    @Test
    void aSinkThatThrowsIsCancelledAndTheWriterCarriesOn() {
        SqliteStore store = open();
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger ended = new AtomicInteger();
        RecordingSink healthy = new RecordingSink();
        store.watch("pods", "", 0, e -> {
            calls.incrementAndGet();
            throw new IllegalStateException("client went away");
        }, ended::incrementAndGet);
        store.watch("pods", "", 0, healthy);

        store.create("pods", pod("default", "a"));
        store.create("pods", pod("default", "b"));

        assertThat(calls).hasValue(1);
        assertThat(ended).hasValue(1);
        assertThat(describe(healthy.drain())).containsExactly("ADDED default/a 1", "ADDED default/b 2");
    }

    @Test
    void aClosedWatchReceivesNothingMore() {
        SqliteStore store = open();
        RecordingSink sink = new RecordingSink();
        Store.Watch watch = store.watch("pods", "", 0, sink);
        store.create("pods", pod("default", "a"));
        watch.close();
        store.create("pods", pod("default", "b"));

        assertThat(describe(sink.drain())).containsExactly("ADDED default/a 1");
    }

    @Test
    void concurrentWritersAreWatchedInRevisionOrderWithoutGaps() throws Exception {
        SqliteStore store = open();
        RecordingSink sink = new RecordingSink();
        store.watch("pods", "", 0, sink);
        int writers = 8;
        int perWriter = 25;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        ObjectNode created = store.create("pods", pod("ns" + writer, "p" + i));
                        store.update("pods", created);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }

        List<WatchEvent> events = sink.take(writers * perWriter * 2);
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).revision()).isEqualTo(i + 1L);
            assertThat(rv(events.get(i).object())).isEqualTo(Long.toString(i + 1L));
        }
        assertThat(store.revision()).isEqualTo(writers * perWriter * 2L);
    }

    @Test
    void closingTheStoreEndsWatchesAndRefusesFurtherCalls() {
        SqliteStore store = SqliteStore.open(db());
        AtomicInteger ended = new AtomicInteger();
        store.watch("pods", "", 0, e -> {}, ended::incrementAndGet);

        store.close();
        store.close();

        assertThat(ended).hasValue(1);
        assertThatThrownBy(() -> store.create("pods", pod("default", "a")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }

    // ---- persistence ----

    @Test
    void objectsRevisionAndChangeLogSurviveReopening() {
        SqliteStore first = SqliteStore.open(db());
        ObjectNode a = first.create("pods", pod("default", "a"));
        first.create("pods", pod("default", "b"));
        first.update("pods", a);
        first.delete("pods", "default", "b", "", "");
        first.create("namespaces", pod("", "team"));
        first.close();

        SqliteStore second = open();
        RecordingSink sink = new RecordingSink();
        second.watch("pods", "", 1, sink);
        ObjectNode c = second.create("pods", pod("default", "c"));

        assertThat(second.revision()).isEqualTo(6);
        assertThat(rv(c)).isEqualTo("6");
        assertThat(rv(second.get("pods", "default", "a").orElseThrow())).isEqualTo("3");
        assertThat(second.get("pods", "default", "b")).isEmpty();
        assertThat(second.get("namespaces", "", "team")).isPresent();
        assertThat(describe(sink.drain()))
                .containsExactly("ADDED default/b 2", "MODIFIED default/a 3", "DELETED default/b 4", "ADDED default/c 6");
    }

    @Test
    void theTrimmedWindowSurvivesReopeningAndShrinksWithTheSetting() {
        SqliteStore first = SqliteStore.open(db(), 5);
        for (int i = 0; i < 8; i++) {
            first.create("pods", pod("default", "p" + i));
        }
        first.close();

        SqliteStore second = track(SqliteStore.open(db(), 2));
        assertThat(second.compactedRevision()).isEqualTo(6);
        assertThatThrownBy(() -> second.watch("pods", "", 5, new RecordingSink()))
                .isInstanceOf(ApiError.Gone.class).hasMessage("too old resource version: 5 (6)");
        RecordingSink sink = new RecordingSink();
        second.watch("pods", "", 6, sink);
        assertThat(sink.drain()).extracting(WatchEvent::revision).containsExactly(7L, 8L);
    }

    @Test
    void synchronousIsFullAndJournalIsWal() {
        SqliteStore store = open();
        assertThat(store.pragma("synchronous")).isEqualTo("2");
        assertThat(store.pragma("journal_mode")).isEqualTo("wal");
    }

    @Test
    void openCreatesTheParentDirectories() {
        Path deep = dir.resolve("a/b/c/store.db");
        track(SqliteStore.open(deep)).create("pods", pod("default", "a"));
        assertThat(deep).exists();
    }

    // ---- damaged rows and failed writes ----

    @Test
    void aFileThatIsNotADatabaseFailsToOpenNamingTheFile() throws Exception {
        Path garbage = dir.resolve("garbage.db");
        java.nio.file.Files.write(garbage, "this is not sqlite, just text long enough to fill a header".repeat(100).getBytes());

        assertThatThrownBy(() -> SqliteStore.open(garbage))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("open store " + garbage.toAbsolutePath() + ": ");
    }

    @Test
    void aCorruptRowIsReportedAndTheRestIsServed() throws Exception {
        SqliteStore first = SqliteStore.open(db());
        first.create("pods", pod("default", "a"));
        first.create("pods", pod("default", "b"));
        first.create("pods", pod("default", "c"));
        first.close();
        exec("UPDATE objects SET object = '{\"metadata\": {\"name\": \"b\", ' WHERE name = 'b'");
        exec("UPDATE objects SET object = '[1, 2]' WHERE name = 'c'");

        SqliteStore store = open();

        assertThat(store.get("pods", "default", "a")).isPresent();
        assertThatThrownBy(() -> store.get("pods", "default", "b"))
                .isInstanceOf(ApiError.InternalError.class)
                .hasMessageStartingWith("Internal error occurred: unable to decode stored object pods/default/b: invalid JSON at line 1")
                .satisfies(e -> assertThat(((ApiError) e).code()).isEqualTo(500));
        assertThatThrownBy(() -> store.get("pods", "default", "c"))
                .isInstanceOf(ApiError.InternalError.class)
                .hasMessage("Internal error occurred: unable to decode stored object pods/default/c: not a JSON object");
        assertThat(store.list("pods", "").items()).extracting(Json::name).containsExactly("a");
        RecordingSink sink = new RecordingSink();
        store.watch("pods", "", 0, sink);
        assertThat(describe(sink.drain())).containsExactly("ADDED default/a 1");
        assertThatThrownBy(() -> store.create("pods", pod("default", "b"))).isInstanceOf(ApiError.AlreadyExists.class);

        // The API can repair it: replace one, delete the other.
        store.update("pods", pod("default", "b"));
        ObjectNode deleted = store.delete("pods", "default", "c", "", "");
        assertThat(Json.name(store.get("pods", "default", "b").orElseThrow())).isEqualTo("b");
        assertThat(Json.name(deleted)).isEqualTo("c");
        assertThat(describe(sink.drain())).containsExactly("MODIFIED default/b 4", "DELETED default/c 5");
    }

    @Test
    void aFailedSqliteWriteLeavesMemoryUnchanged() throws Exception {
        SqliteStore first = SqliteStore.open(db());
        first.create("pods", pod("default", "a"));
        first.close();
        // A trigger on the second statement of the transaction: the object row is written, then rolled back.
        exec("CREATE TRIGGER fail_writes BEFORE INSERT ON changelog WHEN NEW.name = 'boom' OR NEW.type = 'MODIFIED'"
                + " BEGIN SELECT RAISE(ABORT, 'injected disk error'); END");

        SqliteStore store = SqliteStore.open(db());
        RecordingSink sink = new RecordingSink();
        store.watch("pods", "", 1, sink);
        ObjectNode a = store.get("pods", "default", "a").orElseThrow();
        ((ObjectNode) a.get("spec")).put("nodeName", "elsewhere");

        assertThatThrownBy(() -> store.create("pods", pod("default", "boom")))
                .isInstanceOf(ApiError.InternalError.class)
                .hasMessageContaining("create pods/default/boom in storage: ")
                .hasMessageContaining("injected disk error");
        assertThatThrownBy(() -> store.update("pods", a))
                .isInstanceOf(ApiError.InternalError.class).hasMessageContaining("injected disk error");

        assertThat(store.get("pods", "default", "boom")).isEmpty();
        assertThat(Json.text(store.get("pods", "default", "a").orElseThrow(), "spec.nodeName")).isEqualTo("node1");
        assertThat(store.revision()).isEqualTo(1);
        assertThat(sink.drain()).isEmpty();
        ObjectNode b = store.create("pods", pod("default", "b"));
        assertThat(rv(b)).isEqualTo("2");
        assertThat(describe(sink.drain())).containsExactly("ADDED default/b 2");
        store.close();

        SqliteStore reopened = open();
        assertThat(reopened.get("pods", "default", "boom")).isEmpty();
        assertThat(Json.text(reopened.get("pods", "default", "a").orElseThrow(), "spec.nodeName")).isEqualTo("node1");
        assertThat(reopened.revision()).isEqualTo(2);
    }
}
