package dev.j8s.kubelet.credentials;

import static dev.j8s.kubelet.credentials.TestSecrets.NODE_PASS;
import static dev.j8s.kubelet.credentials.TestSecrets.SECRET_PASS;
import static dev.j8s.kubelet.credentials.TestSecrets.SECRET_PASS_2;
import static dev.j8s.kubelet.credentials.TestSecrets.auth;
import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.kubelet.events.RecordingEventRecorder;
import dev.j8s.oci.reference.ImageReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.j8s.api.testing.ManualClock;

/**
 * Produces every kind of output this package has — toString of every value, events, errors, explain output,
 * plus whatever other tests in this JVM recorded — and fails if any secret value used in the tests appears.
 */
class NoSecretLeakTest {
    @TempDir
    Path tmp;

    @Test
    void noProducedStringContainsASecretValue() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        TestSecrets.script("docker-credential-testhelper", bin, "docker-credential-testhelper");
        Files.writeString(root.resolve("config.json"), "{\"auths\":{\"registry.example.com\":{\"auth\":\""
                + auth("node", NODE_PASS) + "\"},\"tok.example.com\":{\"identitytoken\":\"" + TestSecrets.NODE_TOKEN
                + "\"}},\"credHelpers\":{\"registry.example.com\":\"testhelper\",\"broken.example.com\":\"testhelper\"}}");
        Files.writeString(root.resolve(".dockercfg"), "{oops " + NODE_PASS);
        NodeDockerConfig node = NodeDockerConfig.upstreamOrder(root, tmp.resolve("x"), tmp.resolve("x"),
                tmp.resolve("x"), new ManualClock());
        TestSecrets.Secrets secrets = new TestSecrets.Secrets()
                .put("team-a", TestSecrets.dockerConfigJson("regcred", "uid-1",
                        "{\"auths\":{\"registry.example.com\":{\"auth\":\"" + auth("alice", SECRET_PASS) + "\"}}}"))
                .put("team-a", TestSecrets.dockerConfigJson("bad", "uid-2",
                        "{\"auths\":{\"registry.example.com\":{\"auth\":\"" + TestSecrets.b64(SECRET_PASS_2.replace(":", ""))
                                + "\"}}}"));
        RecordingEventRecorder events = new RecordingEventRecorder();
        PodCredentials pc = new PodCredentials(secrets, Optional.of(node),
                new CredentialHelpers(List.of(bin), Duration.ofSeconds(5)), List.of(), events);
        CredentialsExplainer explainer = new CredentialsExplainer(pc);

        List<String> out = new ArrayList<>(TestSecrets.PRODUCED);
        List<String> explained = explainer.explain(TestSecrets.pod("team-a", "regcred", "missing"));
        out.addAll(explained);
        out.addAll(explainer.explain(TestSecrets.pod("team-a", "bad")));
        out.addAll(explainer.explain("tok.example.com/a/b:1"));
        out.addAll(explainer.explain("broken.example.com/a/b:1"));
        out.addAll(events.lines());
        Resolution r = pc.forPod(TestSecrets.pod("team-a", "regcred")).resolve(
                ImageReference.parse("registry.example.com/team/app:1"));
        out.add(r.toString());
        r.candidates().forEach(c -> out.add(c.toString()));
        out.add(node.current().toString());

        assertThat(explained).containsExactly(
                "image registry.example.com/team/app:1 (registry.example.com/team/app):",
                "  1. pull secret team-a/regcred (kubernetes.io/dockerconfigjson) key registry.example.com username alice password <redacted>",
                "  2. node config " + root.resolve("config.json") + " key registry.example.com username node password <redacted>",
                "  3. credential helper docker-credential-testhelper (from " + root.resolve("config.json")
                        + ") key registry.example.com username helperuser password <redacted>",
                "  problem: Unable to retrieve some image pull secrets (missing); attempting to pull the image may not succeed.");
        assertThat(String.join("\n", out)).contains("identity token <redacted>", "pull would fail",
                "exit status 2: helper exploded");
        for (String produced : out) {
            for (String secret : TestSecrets.ALL) {
                assertThat(produced).as("output leaks a secret").doesNotContain(secret);
            }
            assertThat(produced).doesNotContain(SECRET_PASS_2.replace(":", ""));
        }
    }
}
