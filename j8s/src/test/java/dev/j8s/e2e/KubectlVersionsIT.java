package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A smaller flow (create -f, apply -f, get, describe, delete, create secret docker-registry) with the
 * oldest and newest kubectl on the machine, called directly rather than through the dispatcher:
 * 1.27 needs OpenAPI v2 as protobuf and aggregated discovery v2beta1; 1.33 sends protobuf bodies.
 */
class KubectlVersionsIT {

    static final String NODE = "versions-node";

    @RegisterExtension
    static final ServerExtension CLUSTER = ServerExtension.shared(NODE);

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.33"})
    void theSmallFlowWorks(String version) throws IOException {
        Kubectl kubectl = CLUSTER.kubectl(version);
        String ns = "v" + version.replace('.', '-');

        assertThat(kubectl.run("version").ok().stdout())
                // 1.27 prints version.Info{… GitVersion:"v1.27.16" …}, later versions just the GitVersion.
                .containsPattern("(?m)^Client Version: .*v" + version.replace(".", "\\.") + "\\.\\d+")
                .containsPattern("(?m)^Server Version: .*v1\\.32\\.\\d+");
        assertThat(kubectl.run("create", "namespace", ns).ok().stdout()).isEqualTo("namespace/" + ns + " created\n");

        Kubectl.Result created = kubectl.run("create", "-n", ns, "-f", CLUSTER.resource("pod.yaml").toString());
        assertThat(created.ok().stdout()).isEqualTo("pod/web created\n");
        assertThat(kubectl.run("apply", "-n", ns, "-f", CLUSTER.resource("configmap.yaml").toString()).ok().stdout())
                .isEqualTo("configmap/settings created\n");
        assertThat(kubectl.run("apply", "-n", ns, "-f", CLUSTER.resource("configmap-changed.yaml").toString()).ok()
                .stdout()).isEqualTo("configmap/settings configured\n");
        assertThat(kubectl.run("apply", "-n", ns, "-f", CLUSTER.resource("configmap-changed.yaml").toString()).ok()
                .stdout()).isEqualTo("configmap/settings unchanged\n");
        JsonNode configMap = Await.json(kubectl.run("get", "configmap", "settings", "-n", ns, "-o", "json"));
        assertThat(configMap.at("/data/color").asText()).isEqualTo("green");
        assertThat(configMap.at("/data/mode").asText()).isEqualTo("fast");

        Kubectl.Result pods = kubectl.run("get", "pods", "-n", ns).ok();
        assertThat(pods.cells().getFirst()).containsExactly("NAME", "READY", "STATUS", "RESTARTS", "AGE");
        List<String> row = pods.cells().get(1);
        assertThat(row.get(0)).isEqualTo("web");
        assertThat(row.get(1)).isEqualTo("0/1");
        assertThat(row.get(2)).matches(KubectlWorkflowIT.POD_STATUS);

        Kubectl.Result describe = Await.until(Duration.ofSeconds(20), "describe shows the Scheduled event",
                () -> kubectl.run("describe", "pod", "web", "-n", ns),
                r -> r.exitCode() == 0 && r.stdout().contains("Scheduled"));
        assertThat(describe.stdout())
                .containsPattern("(?m)^Name:\\s+web$")
                .containsPattern("(?m)^Namespace:\\s+" + ns + "$")
                .containsPattern("(?m)^Events:$")
                .contains("Successfully assigned " + ns + "/web to " + NODE);

        Kubectl.Result deleted = kubectl.run("delete", "pod", "web", "-n", ns).ok();
        assertThat(deleted.stdout()).isEqualTo("pod \"web\" deleted\n");
        assertThat(deleted.elapsed()).isLessThan(Duration.ofSeconds(10));
        assertThat(kubectl.run("get", "pod", "web", "-n", ns).failed().stderr())
                .isEqualTo("Error from server (NotFound): pods \"web\" not found\n");

        assertThat(kubectl.run("create", "secret", "docker-registry", "regcred", "-n", ns,
                "--docker-server=registry.example:5000", "--docker-username=robot",
                "--docker-password=pa55", "--docker-email=robot@example.com").ok().stdout())
                .isEqualTo("secret/regcred created\n");
        KubectlWorkflowIT.assertDockerConfig(kubectl, ns, "regcred");
    }
}
