package dev.j8s.kubelet.credentials;

import static dev.j8s.kubelet.credentials.TestSecrets.HELPER_PASS;
import static dev.j8s.kubelet.credentials.TestSecrets.NODE_PASS;
import static dev.j8s.kubelet.credentials.TestSecrets.PLUGIN_PASS;
import static dev.j8s.kubelet.credentials.TestSecrets.SECRET_PASS;
import static dev.j8s.kubelet.credentials.TestSecrets.SECRET_PASS_2;
import static dev.j8s.kubelet.credentials.TestSecrets.auth;
import static dev.j8s.kubelet.credentials.TestSecrets.produced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.kubelet.events.RecordingEventRecorder;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.Credentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.j8s.api.testing.ManualClock;

class PodCredentialsTest {
    @TempDir
    Path tmp;

    private final RecordingEventRecorder events = new RecordingEventRecorder();
    private final TestSecrets.Secrets secrets = new TestSecrets.Secrets();
    private NodeDockerConfig node;
    private CredentialHelpers helpers;
    private final List<DynamicCredentialProvider> providers = new ArrayList<>();
    private static final ImageReference IMAGE = ImageReference.parse("registry.example.com/team/app:1");

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(tmp.resolve("bin"));
        TestSecrets.script("docker-credential-testhelper", tmp.resolve("bin"), "docker-credential-testhelper");
        node = NodeDockerConfig.upstreamOrder(tmp.resolve("root"), tmp.resolve("none"), tmp.resolve("none"),
                tmp.resolve("none"), new ManualClock());
        helpers = new CredentialHelpers(List.of(tmp.resolve("missing-dir"), tmp.resolve("bin")), Duration.ofSeconds(2));
    }

    private PodCredentials credentials() {
        return new PodCredentials(secrets, Optional.of(node), helpers, providers, events);
    }

    private static DynamicCredentialProvider fixedProvider(String name, Map<String, Credentials> auth) {
        return new DynamicCredentialProvider() {
            @Override
            public CredentialSource source() {
                return new CredentialSource.Plugin(name);
            }

            @Override
            public boolean matches(String repository) {
                return true;
            }

            @Override
            public Map<String, Credentials> provide(String repository) {
                return auth;
            }
        };
    }

    private static List<String> sources(Resolution r) {
        return r.candidates().stream().map(c -> c.source().describe() + " " + c.key() + " "
                + produced(c.toString()).contains("<redacted>")).toList();
    }

    @Test
    void podSecretsComeBeforeNodeConfigBeforePlugins() throws Exception {
        secrets.put("team-a", TestSecrets.dockerConfigJson("regcred", "uid-1",
                "{\"auths\":{\"registry.example.com\":{\"auth\":\"" + auth("alice", SECRET_PASS) + "\"}}}"));
        secrets.put("team-a", TestSecrets.secret("legacy", PodCredentials.TYPE_DOCKERCFG, ".dockercfg",
                "{\"https://registry.example.com/team\":{\"auth\":\"" + auth("bob", SECRET_PASS_2) + "\"}}"));
        Files.writeString(tmp.resolve("root/config.json"),
                "{\"auths\":{\"*.example.com\":{\"auth\":\"" + auth("node", NODE_PASS) + "\"}}}");
        providers.add(fixedProvider("p1", Map.of("registry.example.com",
                new Credentials.UsernamePassword("plugin", PLUGIN_PASS))));
        Resolution r = credentials().forPod(TestSecrets.pod("team-a", "regcred", "legacy")).resolve(IMAGE);
        assertThat(sources(r)).containsExactly(
                "pull secret team-a/legacy (kubernetes.io/dockercfg) registry.example.com/team true",
                "pull secret team-a/regcred (kubernetes.io/dockerconfigjson) registry.example.com true",
                "node config " + tmp.resolve("root/config.json") + " *.example.com true",
                "credential provider plugin p1 registry.example.com true");
        assertThat(r.candidates().getFirst().credentials())
                .isEqualTo(new Credentials.UsernamePassword("bob", SECRET_PASS_2));
        assertThat(r.anonymous()).isFalse();
        assertThat(events.lines()).isEmpty();
    }

    @Test
    void missingSecretsEmitUpstreamEventAndThePullProceedsWithTheRest() {
        secrets.put("team-a", TestSecrets.dockerConfigJson("regcred", "uid-1",
                "{\"auths\":{\"registry.example.com\":{\"auth\":\"" + auth("alice", SECRET_PASS) + "\"}}}"));
        // The same name exists in another namespace: never used.
        secrets.put("team-b", TestSecrets.dockerConfigJson("gone", "uid-x",
                "{\"auths\":{\"registry.example.com\":{\"auth\":\"" + auth("mallory", SECRET_PASS_2) + "\"}}}"));
        Resolution r = credentials().forPod(TestSecrets.pod("team-a", "gone", "", "regcred", "other")).resolve(IMAGE);
        assertThat(events.lines()).containsExactly("Warning FailedToRetrieveImagePullSecret Unable to retrieve some "
                + "image pull secrets (gone, other); attempting to pull the image may not succeed.");
        assertThat(events.events().getFirst().involved().getKind()).isEqualTo("Pod");
        assertThat(events.events().getFirst().involved().getFieldPath()).isNull();
        assertThat(r.candidates()).extracting(c -> c.credentials().identity()).containsExactly("user:alice");
        events.lines().forEach(TestSecrets::produced);
    }

    @Test
    void secretsOfOtherTypesOrKeysAreSilentlyIgnoredAndNothingMatchedMeansAnonymous() {
        String json = "{\"auths\":{\"registry.example.com\":{\"auth\":\"" + auth("alice", SECRET_PASS) + "\"}}}";
        secrets.put("team-a", TestSecrets.secret("opaque", "Opaque", ".dockerconfigjson", json));
        secrets.put("team-a", TestSecrets.secret("wrongkey", PodCredentials.TYPE_DOCKER_CONFIG_JSON, ".dockercfg", json));
        secrets.put("team-a", TestSecrets.secret("legacyinjson", PodCredentials.TYPE_DOCKER_CONFIG_JSON,
                ".dockerconfigjson", "{\"registry.example.com\":{\"auth\":\"" + auth("a", SECRET_PASS) + "\"}}"));
        Resolution r = credentials().forPod(TestSecrets.pod("team-a", "opaque", "wrongkey", "legacyinjson"))
                .resolve(IMAGE);
        assertThat(r.anonymous()).isTrue();
        assertThat(r.credentials("registry.example.com", "team/app")).isEmpty();
        assertThat(events.lines()).isEmpty();
    }

    @Test
    void malformedPullSecretFailsThePullWithAValueFreeError() {
        secrets.put("team-a", TestSecrets.dockerConfigJson("bad", "uid-1",
                "{\"auths\":{\"registry.example.com\":{\"auth\":\"" + TestSecrets.b64("nocolon" + SECRET_PASS_2) + "\"}}}"));
        PodCredentials.PodKeyring keyring = credentials().forPod(TestSecrets.pod("team-a", "bad"));
        assertThatThrownBy(() -> keyring.resolve(IMAGE))
                .hasMessage(produced("secret team-a/bad: auths[\"registry.example.com\"]: unable to parse auth field, "
                        + "must be formatted as base64(username:password)"));
    }

    @Test
    void supplierViewsHandOutCredentialsOnlyForTheMatchedRegistryAndRepository() {
        secrets.put("team-a", TestSecrets.dockerConfigJson("regcred", "uid-1",
                "{\"auths\":{\"*.example.com\":{\"auth\":\"" + auth("alice", SECRET_PASS) + "\"}}}"));
        Resolution r = credentials().forPod(TestSecrets.pod("team-a", "regcred")).resolve(IMAGE);
        CredentialSupplier view = r.candidates().getFirst().supplierFor(IMAGE);
        assertThat(view.credentials("registry.example.com", "team/app")).isPresent();
        assertThat(view.credentials("other.example.com", "team/app")).isEmpty();
        assertThat(view.credentials("registry.example.com", "team/other")).isEmpty();
        assertThat(r.credentials("registry.example.com", "team/app")).isPresent();
    }

    @Test
    void everyCandidateIsTriedInOrderAndFailuresAreAggregatedWithoutAnonymousFallback() {
        secrets.put("team-a", TestSecrets.dockerConfigJson("a", "uid-a",
                "{\"auths\":{\"registry.example.com\":{\"auth\":\"" + auth("alice", SECRET_PASS) + "\"}}}"));
        secrets.put("team-a", TestSecrets.dockerConfigJson("b", "uid-b",
                "{\"auths\":{\"registry.example.com/team\":{\"auth\":\"" + auth("bob", SECRET_PASS_2) + "\"}}}"));
        Resolution r = credentials().forPod(TestSecrets.pod("team-a", "a", "b")).resolve(IMAGE);
        List<String> tried = new ArrayList<>();
        Resolution.Attempted<String> ok = r.tryInOrder(s -> {
            String who = s.credentials(IMAGE.domain(), IMAGE.path()).map(Credentials::identity).orElse("anonymous");
            tried.add(who);
            if (who.equals("user:bob")) {
                throw new IllegalStateException("denied for bob");
            }
            return "pulled by " + who;
        });
        assertThat(tried).containsExactly("user:bob", "user:alice");
        assertThat(ok.value()).isEqualTo("pulled by user:alice");
        assertThat(ok.used().orElseThrow().source().describe()).isEqualTo("pull secret team-a/a (kubernetes.io/dockerconfigjson)");

        tried.clear();
        assertThatThrownBy(() -> r.tryInOrder(s -> {
            tried.add(s.credentials(IMAGE.domain(), IMAGE.path()).map(Credentials::identity).orElse("anonymous"));
            throw new IllegalStateException("denied " + tried.size());
        })).hasMessage("[denied 1, denied 2]");
        assertThat(tried).containsExactly("user:bob", "user:alice");

        Resolution none = credentials().forPod(TestSecrets.pod("team-a")).resolve(IMAGE);
        assertThat(none.tryInOrder(s -> s == CredentialSupplier.ANONYMOUS).value()).isTrue();
        assertThatThrownBy(() -> none.tryInOrder(s -> {
            throw new IllegalStateException("only one");
        })).hasMessage("only one");
    }

    @Test
    void credentialHelpersAndCredsStoreSupplyNodeCredentials() throws Exception {
        Files.writeString(tmp.resolve("root/config.json"), """
                {"auths":{"store.example.com":{}, "tokenhost.example.com":{}},
                 "credsStore":"testhelper",
                 "credHelpers":{"registry.example.com":"testhelper","broken.example.com":"testhelper",
                                "missing.example.com":"testhelper","nohelper.example.com":"absent"}}
                """);
        PodCredentials pc = credentials();
        Resolution r = pc.resolveWithoutPod(IMAGE);
        assertThat(r.candidates()).singleElement().satisfies(c -> {
            assertThat(c.credentials()).isEqualTo(new Credentials.UsernamePassword("helperuser", HELPER_PASS));
            assertThat(c.source().describe()).isEqualTo("credential helper docker-credential-testhelper (from "
                    + tmp.resolve("root/config.json") + ")");
        });
        assertThat(pc.resolveWithoutPod(ImageReference.parse("store.example.com/x")).candidates()).hasSize(1);
        assertThat(pc.resolveWithoutPod(ImageReference.parse("tokenhost.example.com/x")).candidates().getFirst()
                .credentials()).isEqualTo(new Credentials.IdentityToken("<token>", TestSecrets.HELPER_TOKEN));
        Resolution missing = pc.resolveWithoutPod(ImageReference.parse("missing.example.com/x"));
        assertThat(missing.anonymous()).isTrue();
        assertThat(missing.problems()).isEmpty();
        Resolution broken = pc.resolveWithoutPod(ImageReference.parse("broken.example.com/x"));
        assertThat(broken.problems()).containsExactly(produced("credential helper docker-credential-testhelper "
                + "for broken.example.com: exit status 2: helper exploded"));
        Resolution absent = pc.resolveWithoutPod(ImageReference.parse("nohelper.example.com/x"));
        assertThat(absent.problems()).containsExactly(produced("credential helper docker-credential-absent for "
                + "nohelper.example.com: executable docker-credential-absent not found"));
    }

    @Test
    void slowOrGarbledHelpersFailClearlyWithinTheirDeadline() throws Exception {
        CredentialHelpers fast = new CredentialHelpers(List.of(tmp.resolve("bin")), Duration.ofMillis(500));
        long start = System.nanoTime();
        assertThatThrownBy(() -> fast.get("testhelper", "slow.example.com"))
                .hasMessage(produced("credential helper docker-credential-testhelper for slow.example.com: "
                        + "timed out after 500ms"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThatThrownBy(() -> fast.get("testhelper", "badjson.example.com"))
                .hasMessage(produced("credential helper docker-credential-testhelper for badjson.example.com: "
                        + "invalid JSON on stdout"));
    }
}
