package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What {@code j8s server} promises about its kubeconfig and about a stop and a start on the same data directory. */
class ServerLifecycleIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.perTest();

    @Test
    void theKubeconfigIsPrivateTrustsTheClusterCaAndIsNamedOnStdout() throws IOException {
        J8sServer server = SERVERS.startServer("lifecycle-node");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(server.kubeconfig())))
                .isEqualTo("rw-------");
        assertThat(server.currentLog()).contains(server.kubeconfig().toString());
        String kubeconfig = Files.readString(server.kubeconfig());
        assertThat(kubeconfig).contains("certificate-authority-data:").doesNotContain("insecure-skip-tls-verify");
        assertThat(server.access().server().toString()).matches("https://127\\.0\\.0\\.1:\\d+");
        // kubectl verifies the serving certificate against that CA (no --insecure-skip-tls-verify anywhere).
        Kubectl kubectl = Kubectl.dispatcher(server.kubeconfig(), SERVERS.home());
        assertThat(kubectl.run("get", "--raw", "/healthz").ok().stdout()).isEqualTo("ok");
    }

    @Test
    void objectsSurviveAGracefulStopAndStart() {
        J8sServer server = SERVERS.startServer("restart-node");
        Kubectl kubectl = Kubectl.dispatcher(server.kubeconfig(), SERVERS.home());
        kubectl.run("create", "namespace", "kept").ok();
        kubectl.run("create", "configmap", "kept", "-n", "kept", "--from-literal=k=v").ok();
        JsonNode before = Await.json(kubectl.run("get", "configmap", "kept", "-n", "kept", "-o", "json"));

        assertThat(server.stop()).as("the server exits on SIGTERM within 15 s").isTrue();
        server.restart();

        JsonNode after = Await.json(kubectl.run("get", "configmap", "kept", "-n", "kept", "-o", "json"));
        assertThat(after).isEqualTo(before);
        assertThat(kubectl.run("get", "namespace", "kept", "-o", "jsonpath={.status.phase}").ok().stdout())
                .isEqualTo("Active");
        assertThat(kubectl.run("get", "nodes", "-o", "name").ok().stdout()).isEqualTo("node/restart-node\n");
        // kubectl 1.27+ says "error: failed to create configmap: ...", older ones "Error from server (AlreadyExists): ...".
        assertThat(kubectl.run("create", "configmap", "kept", "-n", "kept").failed().stderr())
                .endsWith(": configmaps \"kept\" already exists\n");
    }
}
