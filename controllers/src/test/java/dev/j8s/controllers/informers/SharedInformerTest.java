package dev.j8s.controllers.informers;

import static dev.j8s.controllers.testing.Eventually.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.api.ClusterException;
import dev.j8s.api.client.DeleteOptions;
import dev.j8s.api.client.Kind;
import dev.j8s.api.client.ListOptions;
import dev.j8s.api.client.ObjectList;
import dev.j8s.api.client.PatchType;
import dev.j8s.api.client.ResourceClient;
import dev.j8s.api.client.Watch;
import dev.j8s.api.client.Watcher;
import dev.j8s.apiserver.testing.LocalApi;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SharedInformer} over the in-process client of a real API server on SQLite. */
class SharedInformerTest {

    @TempDir
    Path dir;

    private LocalApi api;
    private ResourceClient<ConfigMap> configMaps;
    private SharedInformer<ConfigMap> informer;
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void open() {
        api = LocalApi.open(dir);
        configMaps = api.client().resource(Kind.CONFIG_MAPS);
        // the tests count what they create: the bootstrap's kube-root-ca.crt of every namespace goes
        for (ConfigMap c : configMaps.list("", ListOptions.EVERYTHING).items()) {
            configMaps.delete(c.getMetadata().getNamespace(), c.getMetadata().getName(), DeleteOptions.defaults());
        }
    }

    @AfterEach
    void close() {
        if (informer != null) {
            informer.close();
        }
        api.close();
    }

    private ConfigMap create(String name, String team) {
        return configMaps.create(new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace("default")
                .addToLabels("team", team).endMetadata().addToData("k", "v").build());
    }

    private ResourceEventHandler<ConfigMap> recorder() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap object) {
                seen.add("add " + object.getMetadata().getName());
            }

            @Override
            public void onUpdate(ConfigMap old, ConfigMap current) {
                seen.add("update " + current.getMetadata().getName() + " " + current.getData().get("k"));
            }

            @Override
            public void onDelete(ConfigMap last) {
                seen.add("delete " + last.getMetadata().getName());
            }
        };
    }

    private void start(ResourceClient<ConfigMap> client, Duration resync) {
        informer = new SharedInformer<>(client, resync);
        informer.addIndexer("team", c -> List.of(c.getMetadata().getLabels().get("team")));
        informer.addEventHandler(recorder());
        informer.start();
        assertThat(informer.awaitSynced(Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void listsWhatExistsThenDeliversEveryChangeInOrderWithTheCacheAlreadyUpdated() {
        create("a", "red");
        start(configMaps, Duration.ZERO);
        assertThat(seen).containsExactly("add a");

        create("b", "blue");
        configMaps.patch("default", "a", PatchType.MERGE, "{\"data\":{\"k\":\"w\"}}");
        configMaps.delete("default", "b", DeleteOptions.defaults());
        await("three changes delivered", () -> seen.size() == 4);

        assertThat(seen).containsExactly("add a", "add b", "update a w", "delete b");
        assertThat(informer.get("default", "a")).map(c -> c.getData().get("k")).contains("w");
        assertThat(informer.get("default", "b")).isEmpty();
        assertThat(informer.byIndex("team", "red")).extracting(c -> c.getMetadata().getName()).containsExactly("a");
        assertThat(informer.byIndex("team", "blue")).isEmpty();
        assertThat(informer.list("default")).hasSize(1);
    }

    @Test
    void aHandlerThatSeesAChangeFindsItInTheIndexes() {
        start(configMaps, Duration.ZERO);
        AtomicReference<List<String>> indexed = new AtomicReference<>();
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap object) {
                indexed.set(informer.byIndex("team", "green").stream().map(c -> c.getMetadata().getName()).toList());
            }

            @Override
            public void onUpdate(ConfigMap old, ConfigMap current) { }

            @Override
            public void onDelete(ConfigMap last) { }
        });
        create("g", "green");
        await("the add delivered", () -> indexed.get() != null);
        assertThat(indexed.get()).containsExactly("g");
    }

    @Test
    void whenItsWatchExpiresItRelistsAndDeliversWhatChangedMeanwhileIncludingDeletions() {
        create("stays", "red");
        create("goes", "red");
        ExpiringClient client = new ExpiringClient(configMaps);
        start(client, Duration.ZERO);
        await("watching", () -> client.watcher.get() != null);

        // While the watch is down (no event reaches the informer) one object goes and another comes.
        client.suspended = true;
        configMaps.delete("default", "goes", DeleteOptions.defaults());
        create("new", "blue");
        Watcher<ConfigMap> first = client.watcher.getAndSet(null);
        client.suspended = false;
        first.ended(ClusterException.of("watch configmaps: too old resource version", 410, "Expired", null));

        await("relisted", () -> seen.contains("delete goes") && seen.contains("add new"));
        assertThat(client.lists).isGreaterThanOrEqualTo(2);
        assertThat(informer.list()).extracting(c -> c.getMetadata().getName()).containsExactlyInAnyOrder("stays", "new");
        assertThat(seen).doesNotHaveDuplicates();
    }

    @Test
    void everyResyncHandsEachCachedObjectToTheHandlersAgain() {
        create("a", "red");
        start(configMaps, Duration.ofMillis(50));
        await("two resyncs", () -> seen.stream().filter(s -> s.equals("update a v")).count() >= 2);
    }

    @Test
    void aHandlerAddedLateFirstReceivesEveryCachedObject() {
        create("a", "red");
        create("b", "red");
        informer = new SharedInformer<>(configMaps, Duration.ZERO);
        informer.start();
        assertThat(informer.awaitSynced(Duration.ofSeconds(10))).isTrue();
        informer.addEventHandler(recorder());
        assertThat(seen).containsExactlyInAnyOrder("add a", "add b");
    }

    /** The real client, with a watch the test can end (as a server ends an expired one) and pause. */
    private static final class ExpiringClient implements ResourceClient<ConfigMap> {
        private final ResourceClient<ConfigMap> real;
        final AtomicReference<Watcher<ConfigMap>> watcher = new AtomicReference<>();
        volatile boolean suspended;
        volatile int lists;

        ExpiringClient(ResourceClient<ConfigMap> real) {
            this.real = real;
        }

        @Override
        public Kind<ConfigMap> kind() {
            return real.kind();
        }

        @Override
        public Optional<ConfigMap> get(String namespace, String name) {
            return real.get(namespace, name);
        }

        @Override
        public ObjectList<ConfigMap> list(String namespace, ListOptions options) {
            lists++;
            return real.list(namespace, options);
        }

        @Override
        public Watch watch(String namespace, ListOptions options, String resourceVersion, Watcher<ConfigMap> w) {
            Watch inner = real.watch(namespace, options, resourceVersion, new Watcher<>() {
                @Override
                public void event(dev.j8s.api.client.WatchEvent<ConfigMap> event) {
                    if (!suspended) {
                        w.event(event);
                    }
                }

                @Override
                public void ended(ClusterException cause) {
                    w.ended(cause);
                }
            });
            watcher.set(w);
            return inner;
        }

        @Override
        public ConfigMap create(ConfigMap object) {
            return real.create(object);
        }

        @Override
        public ConfigMap update(ConfigMap object) {
            return real.update(object);
        }

        @Override
        public ConfigMap updateStatus(ConfigMap object) {
            return real.updateStatus(object);
        }

        @Override
        public ConfigMap patch(String namespace, String name, PatchType type, String patch) {
            return real.patch(namespace, name, type, patch);
        }

        @Override
        public ConfigMap patchStatus(String namespace, String name, PatchType type, String patch) {
            return real.patchStatus(namespace, name, type, patch);
        }

        @Override
        public Optional<ConfigMap> delete(String namespace, String name, DeleteOptions options) {
            return real.delete(namespace, name, options);
        }
    }
}
