package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Private registry credentials end to end with the real kubectl: a registry with htpasswd auth on 127.0.0.1,
 * {@code kubectl create secret docker-registry} + {@code imagePullSecrets}, the service-account route, pull
 * failures without credentials, KEP-2535 tenancy of cached images, and no credential in any output.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrivateRegistryIT {

    @RegisterExtension
    static final ServerExtension SERVERS = ServerExtension.shared("creds-node");

    static final String USER = "e2e-user";
    static final String PASSWORD = "Pw-9f3Kq71zX";
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private static LocalRegistry registry;
    private static Path registryDir;

    @BeforeAll
    static void startRegistry() throws Exception {
        assumeTrue(LocalRegistry.available() && LocalRegistry.htpasswdAvailable(),
                "docker-registry, umoci, skopeo, htpasswd and /bin/busybox are needed");
        assumeTrue(Files.isWritable(Path.of("/run")), "running pods needs root");
        registryDir = Files.createTempDirectory("j8s-e2e-private-registry-");
        registry = LocalRegistry.startWithAuth(registryDir, USER, PASSWORD);
        registry.pushBusybox(List.of("secret", "nosecret", "sa", "tenancy"));
    }

    @AfterAll
    static void removePodsAndStopRegistry() throws IOException {
        if (registry != null) {
            SERVERS.kubectl().run("delete", "pods", "--all", "-A", "--grace-period=1", "--wait=true");
            registry.close();
            try (Stream<Path> walk = Files.walk(registryDir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String image(String tag) {
        return registry.host() + "/busybox:" + tag;
    }

    private static void createSecret(Kubectl kubectl, String namespace) {
        kubectl.run("create", "secret", "docker-registry", "regcred", "-n", namespace,
                "--docker-server=" + registry.host(), "--docker-username=" + USER, "--docker-password=" + PASSWORD).ok();
    }

    private static void applyPod(Kubectl kubectl, String namespace, String name, String tag, boolean withSecret) {
        String yaml = PodManifests.privateImagePod(namespace, name, image(tag), withSecret, "in " + namespace);
        kubectl.run("apply", "-f", SERVERS.file(namespace + "-" + name + ".yaml", yaml).toString()).ok();
    }

    private static void awaitCompleted(Kubectl kubectl, String namespace, String name) {
        Await.until(TIMEOUT, "pod " + namespace + "/" + name + " is Completed",
                () -> kubectl.run("get", "pod", name, "-n", namespace).ok().cells(),
                cells -> cells.size() > 1 && cells.get(1).get(2).equals("Completed"));
    }

    private static String waitingReason(Kubectl kubectl, String namespace, String name) {
        return kubectl.run("get", "pod", name, "-n", namespace, "-o",
                "jsonpath={.status.containerStatuses[0].state.waiting.reason}").ok().stdout();
    }

    private static String events(Kubectl kubectl, String namespace) {
        return kubectl.run("get", "events", "-n", namespace, "-o",
                "jsonpath={range .items[*]}{.involvedObject.name}|{.type}|{.reason}|{.message}{\"\\n\"}{end}").ok().stdout();
    }

    @Test
    @Order(1)
    void aDockerRegistrySecretInImagePullSecretsLetsThePodRunAndItsLogShowsOutput() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "namespace", "withsecret").ok();
        createSecret(kubectl, "withsecret");
        assertThat(kubectl.run("get", "secret", "regcred", "-n", "withsecret", "-o", "jsonpath={.type}").ok().stdout())
                .isEqualTo("kubernetes.io/dockerconfigjson");
        applyPod(kubectl, "withsecret", "private", "secret", true);

        awaitCompleted(kubectl, "withsecret", "private");
        assertThat(kubectl.run("logs", "private", "-n", "withsecret").ok().stdout())
                .isEqualTo("private image ran in withsecret\n");
        assertThat(events(kubectl, "withsecret")).contains("private|Normal|Pulled|Successfully pulled image \""
                + image("secret") + "\" in ");
    }

    @Test
    @Order(2)
    void theSamePodWithoutTheSecretFailsToPullWithAFailedEventNamingTheImage() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "namespace", "nosecret").ok();
        applyPod(kubectl, "nosecret", "private", "nosecret", false);

        String reason = Await.until(TIMEOUT, "pod nosecret/private waits for its image",
                () -> waitingReason(kubectl, "nosecret", "private"),
                r -> r.equals("ErrImagePull") || r.equals("ImagePullBackOff"));
        assertThat(reason).isIn("ErrImagePull", "ImagePullBackOff");
        String events = Await.until(TIMEOUT, "a Failed pull event", () -> events(kubectl, "nosecret"),
                e -> e.contains("|Warning|Failed|Failed to pull image \"" + image("nosecret") + "\": "));
        assertThat(events).contains("private|Warning|Failed|Failed to pull image \"" + image("nosecret") + "\": ");
        assertThat(kubectl.run("get", "pod", "private", "-n", "nosecret").ok().cells().get(1).get(2))
                .isIn("ErrImagePull", "ImagePullBackOff");
    }

    @Test
    @Order(3)
    void theDefaultServiceAccountsImagePullSecretsAreUsedByANewPod() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "namespace", "saroute").ok();
        createSecret(kubectl, "saroute");
        Await.until(TIMEOUT, "service account saroute/default exists",
                () -> kubectl.run("get", "serviceaccount", "default", "-n", "saroute").exitCode(), c -> c == 0);
        kubectl.run("patch", "serviceaccount", "default", "-n", "saroute", "-p",
                "{\"imagePullSecrets\":[{\"name\":\"regcred\"}]}").ok();
        applyPod(kubectl, "saroute", "viasa", "sa", false);

        assertThat(kubectl.run("get", "pod", "viasa", "-n", "saroute", "-o", "jsonpath={.spec.imagePullSecrets[0].name}")
                .ok().stdout()).isEqualTo("regcred");
        awaitCompleted(kubectl, "saroute", "viasa");
        assertThat(kubectl.run("logs", "viasa", "-n", "saroute").ok().stdout()).isEqualTo("private image ran in saroute\n");
    }

    @Test
    @Order(4)
    void aCachedPrivateImageIsRefusedToAnotherNamespaceUntilItHasValidCredentials() {
        Kubectl kubectl = SERVERS.kubectl();
        kubectl.run("create", "namespace", "tenant-a").ok();
        kubectl.run("create", "namespace", "tenant-b").ok();
        createSecret(kubectl, "tenant-a");
        applyPod(kubectl, "tenant-a", "owner", "tenancy", true);
        awaitCompleted(kubectl, "tenant-a", "owner");

        // tenant-b names a pull secret it does not have: the cached image must not be handed out.
        applyPod(kubectl, "tenant-b", "intruder", "tenancy", true);
        String reason = Await.until(TIMEOUT, "pod tenant-b/intruder is refused the cached image",
                () -> waitingReason(kubectl, "tenant-b", "intruder"),
                r -> r.equals("ErrImagePull") || r.equals("ImagePullBackOff"));
        assertThat(reason).isIn("ErrImagePull", "ImagePullBackOff");
        String events = events(kubectl, "tenant-b");
        assertThat(events).contains("intruder|Warning|FailedToRetrieveImagePullSecret|Unable to retrieve some image pull "
                + "secrets (regcred); attempting to pull the image may not succeed.");
        assertThat(events).doesNotContain("already present on machine");
        assertThat(kubectl.run("logs", "intruder", "-n", "tenant-b").stdout()).doesNotContain("private image ran");

        // With valid credentials of its own it may use the image.
        createSecret(kubectl, "tenant-b");
        awaitCompleted(kubectl, "tenant-b", "intruder");
        assertThat(kubectl.run("logs", "intruder", "-n", "tenant-b").ok().stdout())
                .isEqualTo("private image ran in tenant-b\n");
        assertThat(events(kubectl, "tenant-b")).contains("intruder|Normal|Pulled|Container image \"" + image("tenancy")
                + "\" already present on machine and can be accessed by the pod");
    }

    @Test
    @Order(5)
    void noCredentialAppearsInTheServerLogEventsOrDescribe() {
        Kubectl kubectl = SERVERS.kubectl();
        String basicAuth = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        String everything = SERVERS.server().logs()
                + kubectl.run("get", "events", "-A", "-o", "yaml").ok().stdout()
                + kubectl.run("describe", "pods", "-A").ok().stdout()
                + kubectl.run("get", "pods", "-A", "-o", "yaml").ok().stdout();
        assertThat(everything).contains(image("secret")); // the grep sees the pulls
        assertThat(everything).doesNotContain(PASSWORD).doesNotContain(basicAuth);
    }
}
