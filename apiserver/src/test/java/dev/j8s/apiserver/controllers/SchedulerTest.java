package dev.j8s.apiserver.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.testing.LocalCore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default scheduler over a real store: binding to nodes with room, FailedScheduling, and retries. */
class SchedulerTest {

    @TempDir
    Path dir;

    private LocalCore local;
    private ObjectService objects;

    @BeforeEach
    void setUp() {
        local = LocalCore.open(dir, true);
        objects = local.core().objects();
    }

    @AfterEach
    void tearDown() {
        local.close();
    }

    private ResourceType type(String plural) {
        return objects.resources().find("", "v1", plural).orElseThrow();
    }

    private static ObjectNode json(String compact) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(compact.replace('\'', '"'));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private void node(String name, String cpu, String taints) {
        objects.create(type("nodes"), "", json("{'apiVersion':'v1','kind':'Node','metadata':{'name':'" + name
                + "','labels':{'kubernetes.io/hostname':'" + name + "'}},'spec':{'taints':" + taints + "},"
                + "'status':{'allocatable':{'cpu':'" + cpu + "','memory':'4Gi','pods':'110'}}}"), false);
    }

    private void pod(String name, String cpu) {
        objects.create(type("pods"), "default", json("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'" + name
                + "'},'spec':{'containers':[{'name':'c','image':'busybox','resources':{'requests':{'cpu':'" + cpu
                + "'}}}]}}"), false);
    }

    private String nodeOf(String pod) {
        return Json.text(objects.store().get("pods", "default", pod).orElseThrow(), "spec.nodeName");
    }

    private static <T> T await(Supplier<Optional<T>> condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(10));
        while (Instant.now().isBefore(deadline)) {
            Optional<T> v = condition.get();
            if (v.isPresent()) {
                return v.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("condition not met within 10 s");
    }

    private List<String> events(String pod, String reason) {
        return objects.store().list("events", "default").items().stream()
                .filter(e -> Json.text(e, "involvedObject.name").equals(pod) && Json.text(e, "reason").equals(reason))
                .map(e -> Json.text(e, "message")).toList();
    }

    @Test
    void podsAreBoundToTheNodesWithRoomAndTheSchedulerSaysWhere() throws Exception {
        node("small", "1", "[]");
        node("big", "4", "[]");
        pod("first", "800m");
        await(() -> Optional.of(nodeOf("first")).filter(n -> !n.isEmpty()));
        assertThat(nodeOf("first")).isEqualTo("big");
        pod("second", "800m");
        await(() -> Optional.of(nodeOf("second")).filter(n -> !n.isEmpty()));
        assertThat(nodeOf("second")).as("small has 1 cpu free of 1, big 3.2 of 4").isEqualTo("big");
        assertThat(await(() -> events("first", "Scheduled").stream().findFirst()))
                .isEqualTo("Successfully assigned default/first to big");
    }

    @Test
    void aPodThatFitsNowhereIsUnschedulableUntilANodeWithRoomJoins() throws Exception {
        node("tainted", "8", "[{'key':'node.kubernetes.io/unreachable','effect':'NoSchedule'}]");
        node("small", "1", "[]");
        pod("large", "2");
        String message = "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint "
                + "{node.kubernetes.io/unreachable: }. preemption: 0/2 nodes are available: 1 No preemption victims"
                + " found for incoming pod, 1 Preemption is not helpful for scheduling.";
        assertThat(await(() -> events("large", "FailedScheduling").stream().findFirst())).isEqualTo(message);
        ObjectNode pending = objects.store().get("pods", "default", "large").orElseThrow();
        assertThat(pending.at("/status/conditions/0").toString()).contains("\"type\":\"PodScheduled\"",
                "\"status\":\"False\"", "\"reason\":\"Unschedulable\"");
        assertThat(nodeOf("large")).isEmpty();
        node("large-node", "4", "[]");
        await(() -> Optional.of(nodeOf("large")).filter(n -> !n.isEmpty()));
        assertThat(nodeOf("large")).isEqualTo("large-node");
    }

    @Test
    void aPendingPodIsRetriedWhenABoundPodGoesAway() throws Exception {
        node("only", "1", "[]");
        pod("holder", "800m");
        await(() -> Optional.of(nodeOf("holder")).filter(n -> !n.isEmpty()));
        pod("waiting", "500m");
        await(() -> events("waiting", "FailedScheduling").stream().findFirst());
        objects.store().delete("pods", "default", "holder", "", "");
        await(() -> Optional.of(nodeOf("waiting")).filter(n -> !n.isEmpty()));
        assertThat(nodeOf("waiting")).isEqualTo("only");
        assertThat(events("waiting", "FailedScheduling")).hasSize(1);
    }

    @Test
    void withoutANodeAPodWaitsAndIsBoundOnceTheNodeRegisters() throws Exception {
        pod("early", "100m");
        assertThat(await(() -> events("early", "FailedScheduling").stream().findFirst()))
                .isEqualTo("no nodes available to schedule pods");
        node("late", "1", "[]");
        await(() -> Optional.of(nodeOf("early")).filter(n -> !n.isEmpty()));
    }
}
