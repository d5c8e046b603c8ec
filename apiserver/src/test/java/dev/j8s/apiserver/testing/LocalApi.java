package dev.j8s.apiserver.testing;

import dev.j8s.apiserver.admission.ServiceIpAllocator;
import dev.j8s.apiserver.controllers.Controllers;
import dev.j8s.apiserver.local.InProcessKubeClient;
import dev.j8s.apiserver.registry.Resources;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.storage.SqliteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;

/**
 * The API server's verbs over a real SQLite store in {@code dir}, without HTTP: built-in namespaces and their
 * default service accounts created, no controllers running (tests run the ones they exercise), and an
 * {@link InProcessKubeClient} over it. Not thread-safe to open or close; the verbs and the client are.
 */
public final class LocalApi implements AutoCloseable {

    private final SqliteStore store;
    private final ObjectService objects;
    private final InProcessKubeClient client;

    private LocalApi(SqliteStore store, ObjectService objects) {
        this.store = store;
        this.objects = objects;
        this.client = InProcessKubeClient.of(objects);
    }

    /** Opens {@code dir/state.db} keeping the default number of revisions for watch replay. */
    public static LocalApi open(Path dir) {
        return open(dir, SqliteStore.DEFAULT_RETAINED_REVISIONS, Clock.systemUTC());
    }

    /** Opens {@code dir/state.db} keeping {@code retainedRevisions} changes (small: watches expire fast). */
    public static LocalApi open(Path dir, int retainedRevisions, Clock clock) {
        SqliteStore store = SqliteStore.open(dir.resolve("state.db"), retainedRevisions);
        ObjectService objects = ObjectService.over(store, Resources.builtin(), new ServiceIpAllocator("10.96.0.0/12"), Set.of(),
                clock);
        try (Controllers controllers = new Controllers(objects, "node1", "10.96.0.1", 6443, "",
                TestTokens.over(store, clock))) {
            controllers.bootstrap(); // namespaces and their default service accounts
        }
        return new LocalApi(store, objects);
    }

    public SqliteStore store() {
        return store;
    }

    public ObjectService objects() {
        return objects;
    }

    public InProcessKubeClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
        store.close();
    }
}
