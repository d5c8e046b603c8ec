package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An acknowledged write survives SIGKILL of the server: ConfigMaps are created one after another,
 * the process is killed mid-stream, and after a restart on the same data directory every ConfigMap
 * that was answered with 201 is there.
 */
class DurabilityIT {

    static final String PATH = "/api/v1/namespaces/default/configmaps";
    static final int MAX_WRITES = 20_000;

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.perTest();

    @Test
    void everyAcknowledgedCreateSurvivesKillNine() throws InterruptedException {
        J8sServer server = SERVERS.startServer("durable-node");
        ApiClient api = server.api();
        List<Acked> acked = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<String> stoppedBy = new AtomicReference<>("not stopped");
        CountDownLatch enough = new CountDownLatch(200);

        Thread writer = Thread.ofVirtual().name("e2e-writer").start(() -> {
            for (int i = 0; i < MAX_WRITES; i++) {
                String name = "durable-" + i;
                ApiClient.Response response;
                try {
                    response = api.postJson(PATH, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                            + "\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"i\":\"" + i + "\",\"pad\":\""
                            + "p".repeat(512) + "\"}}");
                } catch (UncheckedIOException e) {
                    stoppedBy.set("I/O error at " + name + ": " + e.getCause());
                    return;
                }
                if (response.status() != 201) {
                    stoppedBy.set("answer " + response + " at " + name);
                    return;
                }
                acked.add(new Acked(name, Long.parseLong(response.json().at("/metadata/resourceVersion").asText())));
                enough.countDown();
            }
            stoppedBy.set("all " + MAX_WRITES + " writes done");
        });
        assertThat(enough.await(60, TimeUnit.SECONDS)).as("200 creates acknowledged within 60 s").isTrue();
        server.kill9();
        writer.join(Duration.ofSeconds(60));

        assertThat(writer.isAlive()).isFalse();
        assertThat(stoppedBy.get()).as("the writer was stopped by the kill").startsWith("I/O error");
        server.restart();
        Kubectl kubectl = Kubectl.dispatcher(server.kubeconfig(), SERVERS.home());
        Set<String> stored = kubectl.run("get", "configmaps", "-o", "name").ok().lines().stream()
                .map(l -> l.substring("configmap/".length())).collect(Collectors.toSet());
        List<String> ackedNames = acked.stream().map(Acked::name).toList();
        assertThat(stored).as("ConfigMaps after kill -9 and restart (%d acknowledged)", ackedNames.size())
                .containsAll(ackedNames);
        long highest = acked.stream().mapToLong(Acked::resourceVersion).max().orElseThrow();
        ApiClient.Response after = server.api().postJson(PATH,
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"after-restart\"}}");
        assertThat(after.status()).as("%s", after).isEqualTo(201);
        assertThat(Long.parseLong(after.json().at("/metadata/resourceVersion").asText()))
                .as("resourceVersion keeps growing across the restart").isGreaterThan(highest);
    }

    private record Acked(String name, long resourceVersion) {}
}
