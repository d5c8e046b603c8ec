package dev.j8s.apiserver.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.admission.ServiceIpAllocator;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.Resources;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.storage.SqliteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControllersTest {

    private static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    @TempDir
    Path dir;

    private SqliteStore store;
    private ObjectService objects;
    private Controllers controllers;

    @BeforeEach
    void setUp() {
        store = SqliteStore.open(dir.resolve("state.db"));
        objects = ObjectService.over(store, Resources.builtin(), new ServiceIpAllocator("10.96.0.0/12"), Set.of(),
                Clock.fixed(T0, ZoneOffset.UTC));
        controllers = new Controllers(objects, "node1", "10.96.0.1", 6443, "",
                dev.j8s.apiserver.testing.TestTokens.over(store, Clock.fixed(T0, ZoneOffset.UTC)));
        controllers.bootstrap();
    }

    @AfterEach
    void tearDown() {
        controllers.close();
        store.close();
    }

    @Test
    void bootstrapCreatesTheBuiltinNamespacesServiceAccountsAndServiceButLeavesTheNodeToTheKubelet() {
        for (String ns : Controllers.BUILTIN_NAMESPACES) {
            assertThat(store.get("namespaces", "", ns)).isPresent();
            assertThat(store.get("serviceaccounts", ns, "default")).isPresent();
        }
        ObjectNode svc = store.get("services", "default", "kubernetes").orElseThrow();
        assertThat(Json.text(svc, "spec.clusterIP")).isEqualTo("10.96.0.1");
        assertThat(svc.at("/spec/ports/0/name").asText()).isEqualTo("https");
        assertThat(svc.at("/spec/ports/0/port").asInt()).isEqualTo(443);
        assertThat(store.get("nodes", "", "node1")).isEmpty();
    }

    @Test
    void bootstrapIsIdempotent() {
        long before = store.revision();
        controllers.bootstrap();
        assertThat(store.revision()).isEqualTo(before);
    }

    @Test
    void repeatedEventsAreFoldedAndExpireAfterAnHour() {
        ObjectNode pod = Json.object();
        pod.put("apiVersion", "v1");
        pod.put("kind", "Pod");
        pod.putObject("metadata").put("name", "p").put("namespace", "default").put("uid", "u1");
        controllers.events().record(pod, "", "Warning", "BackOff", "Back-off pulling image", "kubelet", "node1");
        controllers.events().record(pod, "", "Warning", "BackOff", "Back-off pulling image", "kubelet", "node1");
        List<ObjectNode> events = store.list("events", "default").items();
        assertThat(events).hasSize(1);
        assertThat(events.getFirst().get("count").asInt()).isEqualTo(2);
        assertThat(controllers.expireEventsOnce(T0.plus(Duration.ofMinutes(59)))).isZero();
        assertThat(controllers.expireEventsOnce(T0.plus(Duration.ofMinutes(61)))).isEqualTo(1);
        assertThat(store.list("events", "default").items()).isEmpty();
    }
}
