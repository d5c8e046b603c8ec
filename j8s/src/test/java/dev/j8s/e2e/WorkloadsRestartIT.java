package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The controllers survive a SIGKILL of {@code j8s server} in the middle of a rollout: after the restart the rollout
 * completes with exactly the Deployment's replicas of the new template and no ReplicaSet left without its owner.
 */
class WorkloadsRestartIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("restart-node");

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0", "2.0");

    private static Kubectl kubectl() {
        return SERVERS.kubectl();
    }

    private static JsonNode json(String... args) {
        return Await.json(kubectl().run(args));
    }

    @Test
    void aRolloutInterruptedByKill9CompletesAfterTheRestartWithExactlyTheReplicasAndNoOrphans() {
        kubectl().run("apply", "-f", SERVERS.file("big.yaml",
                WorkloadsIT.deployment("big", 10, REGISTRY.image("1.0"), "")).toString()).ok();
        kubectl().run("rollout", "status", "deployment/big", "--timeout=180s").ok();

        kubectl().run("set", "image", "deployment/big", "main=" + REGISTRY.image("2.0")).ok();
        Await.until(Duration.ofSeconds(120), "the rollout under way", () -> json("get", "deployment", "big", "-o", "json"),
                d -> d.at("/status/observedGeneration").asInt() == 2 && d.at("/status/updatedReplicas").asInt() >= 1
                        && d.at("/status/updatedReplicas").asInt() < 10);
        SERVERS.server().kill9();
        SERVERS.server().restart();

        assertThat(kubectl().run("rollout", "status", "deployment/big", "--timeout=180s").ok().stdout())
                .endsWith("deployment \"big\" successfully rolled out\n");
        List<JsonNode> pods = Await.until(Duration.ofSeconds(120), "only the 10 new pods left",
                () -> items(json("get", "pods", "-l", "app=big", "-o", "json")), p -> p.size() == 10);
        assertThat(pods).allSatisfy(p -> {
            assertThat(p.at("/spec/containers/0/image").asText()).isEqualTo(REGISTRY.image("2.0"));
            assertThat(p.at("/metadata/deletionTimestamp").isMissingNode()).isTrue();
        });

        String deploymentUid = json("get", "deployment", "big", "-o", "json").at("/metadata/uid").asText();
        List<JsonNode> replicaSets = items(json("get", "replicasets", "-l", "app=big", "-o", "json"));
        assertThat(replicaSets).hasSize(2).allSatisfy(rs -> assertThat(rs.at("/metadata/ownerReferences/0/uid").asText())
                .as("owned by the Deployment").isEqualTo(deploymentUid));
        assertThat(replicaSets).extracting(rs -> rs.at("/spec/replicas").asInt()).containsExactlyInAnyOrder(0, 10);
        assertThat(replicaSets).extracting(rs -> rs.at("/status/replicas").asInt()).containsExactlyInAnyOrder(0, 10);
        kubectl().run("delete", "deployment", "big").ok();
        Await.until(Duration.ofSeconds(120), "the pods gone",
                () -> kubectl().run("get", "pods", "-l", "app=big", "-o", "name").ok().stdout(), String::isEmpty);
    }

    private static List<JsonNode> items(JsonNode list) {
        List<JsonNode> out = new ArrayList<>();
        list.path("items").forEach(out::add);
        return out;
    }
}
