package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.oci.testing.CountingProxy;
import dev.j8s.oci.testing.OddLayers;
import dev.j8s.oci.testing.Tools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One process owns a data dir: a second {@code j8s server} on it refuses, naming the first one's pid; while the
 * server runs, {@code j8s images} runs in it — {@code ls} and {@code prune --all} during a running pod and a pull
 * held mid-layer break neither, an import is used at once by an {@code imagePullPolicy: Never} pod — and
 * {@code images pull} authenticates with {@code --creds}, {@code --authfile} or the node docker config the kubelet
 * reads, with or without a server.
 */
class ImagesWhileServingIT {
    private static final String USER = "puller";
    private static final String PASSWORD = "pull-s3cret";
    private static LocalRegistry secured;

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("images-node", ImagesWhileServingIT::nodeDockerConfig);

    @RegisterExtension
    static final BusyboxRegistry REGISTRY = BusyboxRegistry.pushing(SERVERS, "1.0");

    /**
     * Before the server starts: a registry that wants a password, and the node docker config
     * {@code <data-dir>/config.json} (where the kubelet looks first) with its credentials.
     */
    private static List<String> nodeDockerConfig(Path dataDir) {
        LocalRegistry.assumePodsCanRun();
        org.junit.jupiter.api.Assumptions.assumeTrue(LocalRegistry.htpasswdAvailable(), "htpasswd (apache2-utils) is needed");
        try {
            secured = LocalRegistry.startWithAuthInTempDir(USER, PASSWORD);
            secured.pushBusybox(List.of("auth"));
            Files.writeString(dataDir.resolve("config.json"), dockerConfig(secured.host(), USER, PASSWORD));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return List.of();
    }

    @AfterAll
    static void stopSecured() {
        if (secured != null) {
            secured.close();
        }
    }

    private static String dockerConfig(String host, String user, String password) {
        String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}";
    }

    private static String data() {
        return SERVERS.server().dataDir().toString();
    }

    @Test
    void aSecondServerOnTheSameDataDirRefusesNamingTheFirstOnesPid() {
        J8sServer.Cli second = J8sServer.cli("server", "--data-dir", data(), "--listen", "127.0.0.1:0",
                "--node-name", "second");
        assertThat(second.exitCode()).isEqualTo(1);
        assertThat(second.stderr()).contains("j8s server: data dir " + SERVERS.server().dataDir().toAbsolutePath().normalize()
                + " in use by pid " + SERVERS.server().pid() + " (j8s server)\n");
        assertThat(second.stdout()).doesNotContain("ready");
        assertThat(SERVERS.server().isAlive()).isTrue();
    }

    @Test
    void lsAndPruneAllDuringARunningPodAndAPullHeldMidLayerBreakNeither() throws Exception {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("run", "keeper", "--image=" + REGISTRY.image("1.0"), "--restart=Never", "--", "sleep", "3600").ok();
        Await.until(LocalRegistry.timeout(), "pod keeper is Running",
                () -> kubectl.run("get", "pod", "keeper").ok().cells(), cells -> cells.get(1).get(2).equals("Running"));

        REGISTRY.pushLayout(odd().layout, OddLayers.ODD, "odd/held:1");
        try (CountingProxy proxy = new CountingProxy(URI.create("http://" + REGISTRY.host() + "/"))) {
            proxy.holdAbove = 100_000; // the busybox base layer
            String held = proxy.host() + "/odd/held:1";
            Process pull = J8sServer.startCli("images", "--data-dir", data(), "pull", held);
            try {
                assertThat(proxy.awaitHeld(Duration.ofSeconds(60))).as("the pull reached the middle of a layer").isTrue();
                // the small layers finish; the held one stays half unpacked
                List<Path> unpacking = Await.until(Duration.ofSeconds(30), "only the held layer is unpacking",
                        ImagesWhileServingIT::tmpLayerDirs, dirs -> dirs.size() == 1);

                J8sServer.Cli ls = J8sServer.cli("images", "--data-dir", data(), "ls");
                assertThat(ls.exitCode()).as(ls.toString()).isZero();
                assertThat(ls.stdout()).startsWith("REFERENCE").contains(REGISTRY.image("1.0")).doesNotContain("odd/held");
                J8sServer.Cli prune = J8sServer.cli("images", "--data-dir", data(), "prune", "--all");
                assertThat(prune.exitCode()).as(prune.toString()).isZero();
                assertThat(prune.stdout()).startsWith("removed ");
                assertThat(tmpLayerDirs()).as("the unpacking layer is untouched").containsAll(unpacking);
                assertThat(J8sServer.cli("images", "--data-dir", data(), "ls").stdout())
                        .as("the running pod's image is kept").contains(REGISTRY.image("1.0"));
            } finally {
                proxy.releaseHeld();
            }
            J8sServer.Cli pulled = J8sServer.cliResult(pull);
            assertThat(pulled.exitCode()).as(pulled.toString()).isZero();
            assertThat(pulled.stdout()).contains("pulled " + held + " sha256:");
        }
        assertThat(kubectl.run("exec", "keeper", "--", "sh", "-c", "cat /bin/busybox | wc -c").ok().stdout().strip())
                .as("the pod still reads its image's files").isEqualTo(Long.toString(Files.size(LocalRegistry.BUSYBOX)));
        assertThat(kubectl.run("get", "pod", "keeper", "-o", "jsonpath={.status.phase} {.status.containerStatuses[0].restartCount}")
                .ok().stdout()).isEqualTo("Running 0");
    }

    /**
     * The import is an image the kubelet never pulled (an image ID it pulled under another name would need the
     * registry's word for the new name, as upstream's KEP-2535 check asks).
     */
    @Test
    void anImportWhileTheServerRunsIsUsedAtOnceByANeverPod() throws Exception {
        Path archive = SERVERS.server().scratch("import").resolve("imported.tar");
        Tools.run(archive.getParent(), "/usr/bin/skopeo", "--insecure-policy", "copy", "-q",
                "oci:" + odd().layout + ":" + OddLayers.ODD, "docker-archive:" + archive + ":team/imported:1");

        J8sServer.Cli imported = J8sServer.cli("images", "--data-dir", data(), "import", archive.toString());
        assertThat(imported.exitCode()).as(imported.toString()).isZero();
        assertThat(imported.stdout()).startsWith("imported ").contains("docker.io/team/imported:1, ");

        Kubectl kubectl = SERVERS.kubectl();
        kubectl.runWithStdin("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: never
                spec:
                  restartPolicy: Never
                  containers:
                  - name: app
                    image: team/imported:1
                    imagePullPolicy: Never
                    command: ["sh", "-c", "echo ran the imported image"]
                """, "apply", "-f", "-").ok();
        Await.until(LocalRegistry.timeout(), "pod never is Completed",
                () -> kubectl.run("get", "pod", "never").ok().cells(), cells -> cells.get(1).get(2).equals("Completed"));
        assertThat(kubectl.run("logs", "never").ok().stdout()).isEqualTo("ran the imported image\n");
        assertThat(kubectl.run("get", "events", "--field-selector", "involvedObject.name=never,reason=Pulled",
                "-o", "jsonpath={.items[*].message}").ok().stdout())
                .contains("Container image \"team/imported:1\" already present on machine");
    }

    @Test
    void pullAuthenticatesWithCredsAuthfileOrTheNodeDockerConfigInTheServer() throws IOException {
        String image = secured.host() + "/busybox:auth";
        J8sServer.Cli node = J8sServer.cli("images", "--data-dir", data(), "pull", image);
        assertThat(node.exitCode()).as("with <data-dir>/config.json: " + node).isZero();
        assertThat(node.stdout()).contains("pulled " + image + " sha256:");

        J8sServer.Cli creds = J8sServer.cli("images", "--data-dir", data(), "pull", "--creds", USER + ":" + PASSWORD, image);
        assertThat(creds.exitCode()).as(creds.toString()).isZero();

        Path authfile = Files.writeString(SERVERS.server().scratch("auth").resolve("auth.json"),
                dockerConfig(secured.host(), USER, PASSWORD));
        J8sServer.Cli file = J8sServer.cli("images", "--data-dir", data(), "pull", "--authfile", authfile.toString(), image);
        assertThat(file.exitCode()).as(file.toString()).isZero();

        J8sServer.Cli wrong = J8sServer.cli("images", "--data-dir", data(), "pull", "--creds", USER + ":wrong-pw-4711", image);
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.stderr()).startsWith("j8s pull: failed to pull and unpack image \"" + image + "\": ")
                .doesNotContain("wrong-pw-4711");
        assertThat(wrong.stdout() + wrong.stderr()).doesNotContain(PASSWORD);
    }

    @Test
    void withoutAServerPullAuthenticatesTooAndTheDataDirIsLockedForTheCommandOnly() throws IOException {
        Path offline = SERVERS.server().scratch("offline-data");
        String image = secured.host() + "/busybox:auth";
        try {
            J8sServer.Cli anonymous = J8sServer.cli("images", "--data-dir", offline.toString(), "pull", image);
            assertThat(anonymous.exitCode()).as("no credentials anywhere: " + anonymous).isEqualTo(1);

            J8sServer.Cli creds = J8sServer.cli("images", "--data-dir", offline.toString(), "pull", "--creds",
                    USER + ":" + PASSWORD, image);
            assertThat(creds.exitCode()).as(creds.toString()).isZero();

            Files.writeString(offline.resolve("config.json"), dockerConfig(secured.host(), USER, PASSWORD));
            J8sServer.Cli node = J8sServer.cli("images", "--data-dir", offline.toString(), "pull", image);
            assertThat(node.exitCode()).as(node.toString()).isZero();
            assertThat(J8sServer.cli("images", "--data-dir", offline.toString(), "ls").stdout()).contains(image);
            assertThat(Files.readString(offline.resolve("j8s.lock"))).as("the last holder").contains("j8s images ls");
        } finally {
            J8sServer.Cli reset = J8sServer.cli("reset", "--data-dir", offline.toString(), "--delete-data");
            assertThat(reset.exitCode()).as(reset.toString()).isZero();
        }
    }

    private static List<Path> tmpLayerDirs() {
        try (Stream<Path> dirs = Files.list(SERVERS.server().dataDir().resolve("images/layers"))) {
            return dirs.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static OddLayers odd;

    /** The odd-layers image layout, built once for the class. */
    private static synchronized OddLayers odd() {
        if (odd == null) {
            odd = OddLayers.build(SERVERS.server().scratch("odd"));
        }
        return odd;
    }
}
