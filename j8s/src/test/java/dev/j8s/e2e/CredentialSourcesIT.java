package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The node-side credential sources end to end with the real kubectl against a registry with htpasswd auth on
 * 127.0.0.1: the node {@code config.json} in the data dir, a malformed {@code .dockerconfigjson} rejected, the
 * AlwaysPullImages admission plugin, an exec credential-provider plugin with its cache, and
 * {@code j8s credentials explain}. Two servers: one with the node config and AlwaysPullImages, one with the plugin.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CredentialSourcesIT {

    static final String USER = "e2e-user";
    static final String PASSWORD = "Pw-Cs-51qLm08Z";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private static LocalRegistry registry;
    private static Path work;
    private static J8sServer nodeServer;
    private static J8sServer pluginServer;
    private static Path pluginCalls;

    @BeforeAll
    static void startRegistryAndServers() throws Exception {
        assumeTrue(LocalRegistry.available() && LocalRegistry.htpasswdAvailable(),
                "docker-registry, umoci, skopeo, htpasswd and /bin/busybox are needed");
        assumeTrue(Files.isWritable(Path.of("/run")), "running pods needs root");
        work = Files.createTempDirectory("j8s-e2e-credential-sources-");
        registry = LocalRegistry.startWithAuth(Files.createDirectories(work.resolve("registry")), USER, PASSWORD);
        registry.pushBusybox(List.of("node", "always", "plugin", "explain"));

        String basic = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        nodeServer = J8sServer.start("node-config", dataDir -> {
            write(dataDir.resolve("config.json"), "{\"auths\":{\"" + registry.host() + "\":{\"auth\":\"" + basic + "\"}}}");
            return List.of("--enable-admission-plugins=AlwaysPullImages");
        });

        Path bin = Files.createDirectories(work.resolve("plugins"));
        pluginCalls = work.resolve("plugin-calls");
        Path plugin = bin.resolve("e2e-registry-plugin");
        write(plugin, """
                #!/bin/sh
                cat > /dev/null
                echo call >> %s
                printf '%%s' '{"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1",\
                "cacheKeyType":"Registry","cacheDuration":"10m","auth":{"%s":{"username":"%s","password":"%s"}}}'
                """.formatted(pluginCalls, registry.host(), USER, PASSWORD));
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path config = write(work.resolve("credential-provider-config.yaml"), """
                apiVersion: kubelet.config.k8s.io/v1
                kind: CredentialProviderConfig
                providers:
                - name: e2e-registry-plugin
                  matchImages:
                  - "%s"
                  defaultCacheDuration: "1m"
                  apiVersion: credentialprovider.kubelet.k8s.io/v1
                """.formatted(registry.host()));
        pluginServer = J8sServer.start("plugin-node", dataDir -> List.of(
                "--image-credential-provider-config", config.toString(),
                "--image-credential-provider-bin-dir", bin.toString()));
    }

    @AfterAll
    static void removePodsAndStop() {
        AssertionError unclean = null;
        for (J8sServer server : new J8sServer[] {nodeServer, pluginServer}) {
            if (server != null) {
                kubectl(server).run("delete", "pods", "--all", "-A", "--grace-period=1", "--wait=true");
                try {
                    server.close();
                } catch (AssertionError e) {
                    unclean = e; // the other server and the registry are still torn down
                }
            }
        }
        if (registry != null) {
            registry.close();
        }
        if (work != null) {
            J8sServer.deleteRecursively(work);
        }
        if (unclean != null) {
            throw unclean;
        }
    }

    private static Path write(Path file, String content) {
        try {
            return Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("write " + file, e);
        }
    }

    private static Kubectl kubectl(J8sServer server) {
        return Kubectl.dispatcher(server.kubeconfig(), server.scratch("home"));
    }

    private static String image(String tag) {
        return registry.host() + "/busybox:" + tag;
    }

    private static void applyPod(J8sServer server, String namespace, String name, String tag, boolean withSecret) {
        String yaml = PodManifests.privateImagePod(namespace, name, image(tag), withSecret, "as " + name);
        Path file = write(server.scratch("manifests").resolve(namespace + "-" + name + ".yaml"), yaml);
        kubectl(server).run("apply", "-f", file.toString()).ok();
    }

    private static void awaitCompleted(J8sServer server, String namespace, String name) {
        Kubectl kubectl = kubectl(server);
        Await.until(TIMEOUT, "pod " + namespace + "/" + name + " is Completed",
                () -> kubectl.run("get", "pod", name, "-n", namespace).ok().cells(),
                cells -> cells.size() > 1 && cells.get(1).get(2).equals("Completed"));
    }

    @Test
    @Order(1)
    void theNodeConfigJsonInTheDataDirLetsAPodWithoutPullSecretsRunThePrivateImage() {
        applyPod(nodeServer, "default", "fromnode", "node", false);

        awaitCompleted(nodeServer, "default", "fromnode");
        assertThat(kubectl(nodeServer).run("logs", "fromnode").ok().stdout())
                .isEqualTo("private image ran as fromnode\n");
    }

    @Test
    @Order(2)
    void aMalformedDockerConfigJsonSecretIsRejectedWithTheContentsRedacted() {
        Path broken = write(nodeServer.scratch("secrets").resolve("broken.json"), "{\"auths\": " + PASSWORD);
        Kubectl.Result result = kubectl(nodeServer).run("create", "secret", "generic", "bad",
                "--type=kubernetes.io/dockerconfigjson", "--from-file=.dockerconfigjson=" + broken).failed();

        assertThat(result.stderr()).contains("Secret \"bad\" is invalid: data[.dockerconfigjson]: Invalid value: "
                + "\"<secret contents redacted>\": ");
        assertThat(result.stderr()).doesNotContain(PASSWORD);
        assertThat(kubectl(nodeServer).run("get", "secret", "bad").exitCode()).isNotZero();
    }

    @Test
    @Order(3)
    void alwaysPullImagesStoresAPodCreatedWithIfNotPresentAsAlways() {
        applyPod(nodeServer, "default", "forced", "always", false);

        assertThat(kubectl(nodeServer).run("get", "pod", "forced", "-o",
                "jsonpath={.spec.containers[0].imagePullPolicy}").ok().stdout()).isEqualTo("Always");
        awaitCompleted(nodeServer, "default", "forced");
    }

    @Test
    @Order(4)
    void anExecCredentialProviderPluginLetsTwoPodsPullAndRunsOnceThanksToItsCache() throws IOException {
        applyPod(pluginServer, "default", "plugin-a", "plugin", false);
        awaitCompleted(pluginServer, "default", "plugin-a");
        applyPod(pluginServer, "default", "plugin-b", "plugin", false);
        awaitCompleted(pluginServer, "default", "plugin-b");

        assertThat(kubectl(pluginServer).run("logs", "plugin-b").ok().stdout()).isEqualTo("private image ran as plugin-b\n");
        assertThat(Files.readAllLines(pluginCalls)).containsExactly("call");
        assertThat(pluginServer.logs()).doesNotContain(PASSWORD);
    }

    @Test
    @Order(5)
    void credentialsExplainListsThePodsSecretThenTheNodeConfigAndNoPassword() throws Exception {
        Kubectl kubectl = kubectl(nodeServer);
        kubectl.run("create", "namespace", "explain").ok();
        kubectl.run("create", "secret", "docker-registry", "regcred", "-n", "explain",
                "--docker-server=" + registry.host(), "--docker-username=" + USER, "--docker-password=" + PASSWORD).ok();
        applyPod(nodeServer, "explain", "explained", "explain", true);

        String out = j8s("credentials", "explain", "--data-dir", nodeServer.dataDir().toString(),
                "--namespace", "explain", "--pod", "explained", "--check");

        assertThat(out).isEqualTo("""
                image %1$s (%2$s):
                  1. pull secret explain/regcred (kubernetes.io/dockerconfigjson) key %3$s username %4$s password <redacted>
                  2. node config %5$s key %3$s username %4$s password <redacted>
                  check 1. pull secret explain/regcred (kubernetes.io/dockerconfigjson): allowed
                  check 2. node config %5$s: allowed
                """.formatted(image("explain"), registry.host() + "/busybox", registry.host(), USER,
                nodeServer.dataDir().resolve("config.json")));
        String basic = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        assertThat(out).doesNotContain(PASSWORD).doesNotContain(basic);
    }

    /** Runs {@code java -jar j8s.jar ARGS} and returns its stdout; fails on a non-zero exit. */
    private static String j8s(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(J8sServer.java().toString(), "-jar", J8sServer.jar().toString()));
        command.addAll(List.of(args));
        Path out = work.resolve("j8s-out");
        Path err = work.resolve("j8s-err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish within 60s");
        }
        String stdout = Files.readString(out);
        assertThat(p.exitValue()).as(command + "\nstdout:\n" + stdout + "\nstderr:\n" + Files.readString(err)).isZero();
        return stdout;
    }
}
