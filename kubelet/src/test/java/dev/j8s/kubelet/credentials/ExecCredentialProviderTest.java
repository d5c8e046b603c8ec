package dev.j8s.kubelet.credentials;

import static dev.j8s.kubelet.credentials.TestSecrets.PLUGIN_PASS;
import static dev.j8s.kubelet.credentials.TestSecrets.produced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.Credentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.j8s.api.testing.ManualClock;

class ExecCredentialProviderTest {
    @TempDir
    Path tmp;
    private Path bin;
    private Path count;
    private final ManualClock clock = new ManualClock();

    @BeforeEach
    void setUp() throws Exception {
        bin = Files.createDirectories(tmp.resolve("bin"));
        TestSecrets.script("test-plugin", bin, "test-plugin");
        count = tmp.resolve("count");
    }

    private ExecCredentialProvider plugin(String extraEnv, Duration timeout) {
        String yaml = """
                apiVersion: kubelet.config.k8s.io/v1
                kind: CredentialProviderConfig
                providers:
                  - name: test-plugin
                    matchImages: ["*.example.com", "localhost:5000"]
                    defaultCacheDuration: 10m
                    apiVersion: credentialprovider.kubelet.k8s.io/v1
                    args: ["get-credentials"]
                    env:
                      - {name: COUNT_FILE, value: "%s"}
                      - {name: REQUEST_FILE, value: "%s"}
                      - {name: PLUGIN_USER, value: plugin-user}
                      - {name: PLUGIN_PASS, value: "%s"}
                %s
                """.formatted(count, tmp.resolve("request"), PLUGIN_PASS, extraEnv);
        CredentialProviderConfig cfg = CredentialProviderConfig.parse(yaml, "config.yaml");
        return ExecCredentialProvider.register(cfg, bin, timeout, clock).getFirst();
    }

    private static String env(String name, String value) {
        return "      - {name: " + name + ", value: \"" + value + "\"}";
    }

    private long runs() throws Exception {
        return Files.exists(count) ? Files.readAllLines(count).size() : 0;
    }

    @Test
    void pluginReceivesTheRequestAndItsAnswerBecomesKeyringEntries() throws Exception {
        ExecCredentialProvider p = plugin(env("AUTH_KEY", "*.example.com"), Duration.ofSeconds(5));
        assertThat(p.matches("registry.example.com/team/app")).isTrue();
        assertThat(p.matches("docker.io/library/nginx")).isFalse();
        Map<String, Credentials> auth = p.provide("registry.example.com/team/app");
        assertThat(auth).containsExactly(Map.entry("*.example.com",
                new Credentials.UsernamePassword("plugin-user", PLUGIN_PASS)));
        assertThat(Files.readString(tmp.resolve("request"))).isEqualTo("{\"kind\":\"CredentialProviderRequest\","
                + "\"apiVersion\":\"credentialprovider.kubelet.k8s.io/v1\",\"image\":\"registry.example.com/team/app\"}");
    }

    @Test
    void imageCacheKeyIsHonouredForDefaultCacheDuration() throws Exception {
        ExecCredentialProvider p = plugin(env("AUTH_KEY", "*.example.com") + "\n" + env("KEY_TYPE", "Image"),
                Duration.ofSeconds(5));
        p.provide("registry.example.com/team/app");
        p.provide("registry.example.com/team/app");
        assertThat(runs()).isEqualTo(1);
        p.provide("registry.example.com/team/other");
        assertThat(runs()).isEqualTo(2);
        clock.advance(Duration.ofMinutes(10));
        p.provide("registry.example.com/team/app");
        assertThat(runs()).isEqualTo(3);
    }

    @Test
    void registryAndGlobalCacheKeysCoverOtherImages() throws Exception {
        ExecCredentialProvider registry = plugin(env("AUTH_KEY", "*.example.com") + "\n" + env("KEY_TYPE", "Registry")
                + "\n" + env("DURATION", "1m"), Duration.ofSeconds(5));
        registry.provide("registry.example.com/a");
        registry.provide("registry.example.com/b");
        assertThat(runs()).isEqualTo(1);
        registry.provide("other.example.com/a");
        assertThat(runs()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(61));
        registry.provide("registry.example.com/a");
        assertThat(runs()).isEqualTo(3);

        Files.delete(count);
        ExecCredentialProvider global = plugin(env("AUTH_KEY", "*.example.com") + "\n" + env("KEY_TYPE", "Global"),
                Duration.ofSeconds(5));
        global.provide("registry.example.com/a");
        global.provide("other.example.com/b");
        global.provide("localhost:5000/c");
        assertThat(runs()).isEqualTo(1);
    }

    @Test
    void zeroCacheDurationMeansNoCaching() throws Exception {
        ExecCredentialProvider p = plugin(env("AUTH_KEY", "*.example.com") + "\n" + env("DURATION", "0s"),
                Duration.ofSeconds(5));
        p.provide("registry.example.com/a");
        p.provide("registry.example.com/a");
        assertThat(runs()).isEqualTo(2);
    }

    @Test
    void brokenPluginsFailClearlyAndNeverHang() throws Exception {
        assertThatThrownBy(() -> plugin(env("MODE", "fail"), Duration.ofSeconds(5)).provide("r.example.com/a"))
                .hasMessage(produced("credential provider plugin \"test-plugin\" failed for image \"r.example.com/a\": "
                        + "exit status 3: plugin broke on purpose"));
        assertThatThrownBy(() -> plugin(env("MODE", "badjson"), Duration.ofSeconds(5)).provide("r.example.com/a"))
                .hasMessage(produced("credential provider plugin \"test-plugin\" failed for image \"r.example.com/a\": "
                        + "error decoding credential provider plugin response from stdout: invalid JSON"));
        assertThatThrownBy(() -> plugin(env("MODE", "wrongversion"), Duration.ofSeconds(5)).provide("r.example.com/a"))
                .hasMessage(produced("credential provider plugin \"test-plugin\" failed for image \"r.example.com/a\": "
                        + "apiVersion from credential plugin response did not match expected apiVersion:"
                        + "credentialprovider.kubelet.k8s.io/v1, actual apiVersion:credentialprovider.kubelet.k8s.io/v1beta1"));
        assertThatThrownBy(() -> plugin(env("KEY_TYPE", "Pod"), Duration.ofSeconds(5)).provide("r.example.com/a"))
                .hasMessageEndingWith("invalid cacheKeyType \"Pod\" in response, must be one of Image, Registry, Global");
        long start = System.nanoTime();
        assertThatThrownBy(() -> plugin(env("MODE", "hang"), Duration.ofMillis(500)).provide("r.example.com/a"))
                .hasMessage(produced("credential provider plugin \"test-plugin\" failed for image \"r.example.com/a\": "
                        + "timed out after 500ms"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void failingPluginContributesNothingAndThePullGoesOn() throws Exception {
        ExecCredentialProvider broken = plugin(env("MODE", "fail"), Duration.ofSeconds(5));
        PodCredentials pc = new PodCredentials((ns, n) -> Optional.empty(), Optional.empty(),
                new CredentialHelpers(List.of(), Duration.ofSeconds(1)), List.of(broken), EventRecorder.DISCARD);
        Resolution r = pc.resolveWithoutPod(ImageReference.parse("registry.example.com/a:1"));
        assertThat(r.anonymous()).isTrue();
        assertThat(r.problems()).singleElement().asString().contains("exit status 3");
    }

    @Test
    void pluginAnswersAreMatchedLikeAnyKeyringEntry() throws Exception {
        ExecCredentialProvider p = plugin(env("AUTH_KEY", "registry.example.com/other"), Duration.ofSeconds(5));
        PodCredentials pc = new PodCredentials((ns, n) -> Optional.empty(), Optional.empty(),
                new CredentialHelpers(List.of(), Duration.ofSeconds(1)), List.of(p), EventRecorder.DISCARD);
        assertThat(pc.resolveWithoutPod(ImageReference.parse("registry.example.com/team/app")).anonymous()).isTrue();
        assertThat(pc.resolveWithoutPod(ImageReference.parse("registry.example.com/other/app")).candidates())
                .singleElement().satisfies(c -> assertThat(c.source().describe())
                        .isEqualTo("credential provider plugin test-plugin"));
    }

    @Test
    void configIsDecodedStrictlyAndValidatedWithUpstreamMessages() {
        assertThatThrownBy(() -> CredentialProviderConfig.parse("""
                {"apiVersion":"kubelet.config.k8s.io/v1","kind":"CredentialProviderConfig",
                 "providers":[{"name":"a","matchImages":["x.io"],"defaultCacheDuration":"1m",
                   "apiVersion":"credentialprovider.kubelet.k8s.io/v1","colour":"red"}]}
                """, "c.json")).hasMessage("error decoding credential provider config c.json: strict decoding error: "
                + "unknown field \"providers[0].colour\"");
        assertThatThrownBy(() -> CredentialProviderConfig.parse(
                "apiVersion: kubelet.config.k8s.io/v1\nkind: CredentialProviderConfig\nproviders: []\n", "c"))
                .hasMessage("providers: Required value: at least 1 item in plugins is required");
        assertThatThrownBy(() -> CredentialProviderConfig.parse("""
                apiVersion: kubelet.config.k8s.io/v1
                kind: CredentialProviderConfig
                providers:
                  - name: a/b
                    matchImages: []
                    apiVersion: credentialprovider.kubelet.k8s.io/v2
                """, "c")).hasMessage("[providers.name: Invalid value: \"a/b\": provider name cannot contain '/', "
                + "providers.apiVersion: Unsupported value: \"credentialprovider.kubelet.k8s.io/v2\": supported values: "
                + "\"credentialprovider.kubelet.k8s.io/v1\", \"credentialprovider.kubelet.k8s.io/v1alpha1\", "
                + "\"credentialprovider.kubelet.k8s.io/v1beta1\", "
                + "providers.matchImages: Required value: at least 1 item in matchImages is required, "
                + "providers.defaultCacheDuration: Required value]");
        assertThatThrownBy(() -> CredentialProviderConfig.parse("""
                apiVersion: kubelet.config.k8s.io/v1
                kind: CredentialProviderConfig
                providers:
                  - {name: a, matchImages: [x.io], defaultCacheDuration: 1m, apiVersion: credentialprovider.kubelet.k8s.io/v1}
                  - {name: a, matchImages: [x.io], defaultCacheDuration: 1m, apiVersion: credentialprovider.kubelet.k8s.io/v1}
                """, "c")).hasMessage("providers.name: Duplicate value: \"a\"");
    }

    @Test
    void registrationChecksBinDirAndExecutables() {
        CredentialProviderConfig cfg = CredentialProviderConfig.parse("""
                apiVersion: kubelet.config.k8s.io/v1
                kind: CredentialProviderConfig
                providers:
                  - {name: nothere, matchImages: [x.io], defaultCacheDuration: 1m, apiVersion: credentialprovider.kubelet.k8s.io/v1}
                """, "c");
        assertThatThrownBy(() -> ExecCredentialProvider.register(cfg, tmp.resolve("nodir"), Duration.ofSeconds(1), clock))
                .hasMessage("plugin binary directory " + tmp.resolve("nodir") + " did not exist");
        assertThatThrownBy(() -> ExecCredentialProvider.register(cfg, bin, Duration.ofSeconds(1), clock))
                .hasMessage("plugin binary executable " + bin.resolve("nothere") + " did not exist");
    }
}
