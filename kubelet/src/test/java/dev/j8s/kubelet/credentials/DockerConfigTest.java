package dev.j8s.kubelet.credentials;

import static dev.j8s.kubelet.credentials.TestSecrets.NODE_PASS;
import static dev.j8s.kubelet.credentials.TestSecrets.NODE_TOKEN;
import static dev.j8s.kubelet.credentials.TestSecrets.SECRET_PASS;
import static dev.j8s.kubelet.credentials.TestSecrets.auth;
import static dev.j8s.kubelet.credentials.TestSecrets.produced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import dev.j8s.api.testing.ManualClock;

class DockerConfigTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void configJsonAuthFieldOverridesUsernameAndPasswordAndSplitsAtFirstColon() {
        DockerConfig cfg = DockerConfig.parseConfigJson(bytes("""
                {"auths":{"https://index.docker.io/v1/":{"auth":"%s","username":"ignored","password":"ignored"},
                          "quay.io":{"username":"bob","password":"pw","email":"b@x"},
                          "tok.example.com":{"identitytoken":"%s","registrytoken":"rt"}},
                 "credHelpers":{"gcr.io":"gcloud"},"credsStore":"desktop"}
                """.formatted(auth("alice", SECRET_PASS), NODE_TOKEN)), "config.json");
        assertThat(cfg.auths().keySet()).containsExactly("https://index.docker.io/v1/", "quay.io", "tok.example.com");
        assertThat(cfg.auths().get("https://index.docker.io/v1/")).isEqualTo(DockerConfigEntry.of("alice", SECRET_PASS));
        assertThat(cfg.auths().get("quay.io").email()).isEqualTo("b@x");
        assertThat(cfg.auths().get("tok.example.com").identityToken()).isEqualTo(NODE_TOKEN);
        assertThat(cfg.credHelpers()).containsEntry("gcr.io", "gcloud");
        assertThat(cfg.credsStore()).contains("desktop");
        assertThat(produced(cfg.toString())).doesNotContain(SECRET_PASS, NODE_TOKEN);
    }

    @Test
    void unpaddedAuthIsDecodedAsGoRawEncoding() {
        String unpadded = auth("u", "p1").replace("=", "");
        DockerConfig cfg = DockerConfig.parseDockercfg(bytes("{\"r.io\":{\"auth\":\"" + unpadded + "\"}}"), "x");
        assertThat(cfg.auths().get("r.io")).isEqualTo(DockerConfigEntry.of("u", "p1"));
    }

    @Test
    void contentWithoutAuthsYieldsNoEntries() {
        assertThat(DockerConfig.parseConfigJson(bytes("{\"r.io\":{\"auth\":\"" + auth("u", "p") + "\"}}"), "s")
                .auths()).isEmpty();
    }

    record Bad(String content, String message) {}

    static Stream<Bad> malformed() {
        return Stream.of(
                new Bad("{\"auths\":{\"r.io\":{\"auth\":\"" + TestSecrets.b64("nocolon-" + NODE_PASS) + "\"}}}",
                        "src: auths[\"r.io\"]: unable to parse auth field, must be formatted as base64(username:password)"),
                new Bad("{\"auths\":{\"r.io\":{\"auth\":\"!!" + SECRET_PASS + "\"}}}",
                        "src: auths[\"r.io\"]: illegal base64 data at input byte 0"),
                new Bad("{\"auths\":{\"r.io\":{\"password\":" + 42 + "}}}",
                        "src: auths[\"r.io\"]: json: cannot unmarshal number into field \"password\" of type string"),
                new Bad("{\"auths\":{\"r.io\":{\"password\":\"" + SECRET_PASS + "\"" + "}}", "src: invalid JSON at line 1 column "),
                new Bad("[\"" + SECRET_PASS + "\"]", "src: json: cannot unmarshal array into a docker config object"),
                new Bad("", "src: unexpected end of JSON input"),
                new Bad("{\"auths\":[]}", "src: \"auths\" must be an object"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedConfigsFailWithClearValueFreeErrors(Bad bad) {
        assertThatThrownBy(() -> DockerConfig.parseConfigJson(bytes(bad.content()), "src"))
                .isInstanceOf(CredentialsException.class)
                .satisfies(e -> assertThat(produced(e.getMessage())).startsWith(bad.message())
                        .doesNotContain(SECRET_PASS, NODE_PASS));
    }

    @Test
    void credentialHashIsSha256OfUpstreamJson() {
        // sha256 of {"username":"u","password":"p"}
        assertThat(DockerConfigEntry.credentialHash("u", "p", ""))
                .isEqualTo(sha256("{\"username\":\"u\",\"password\":\"p\"}"));
        assertThat(DockerConfigEntry.credentialHash("u", "p", "e@x"))
                .isEqualTo(sha256("{\"username\":\"u\",\"password\":\"p\",\"email\":\"e@x\"}"));
    }

    private static String sha256(String s) {
        try {
            return java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(bytes(s)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void goDurationsParseLikeTimeParseDuration() {
        assertThat(GoDurations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(GoDurations.parse("0")).isEqualTo(Duration.ZERO);
        assertThat(GoDurations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(GoDurations.parse("300ms")).isEqualTo(Duration.ofMillis(300));
        assertThatThrownBy(() -> GoDurations.parse("5 minutes")).hasMessage("time: invalid duration \"5 minutes\"");
        assertThatThrownBy(() -> GoDurations.parse("10")).hasMessage("time: invalid duration \"10\"");
    }

    // --- node search order and cache ---

    @TempDir
    Path tmp;

    private NodeDockerConfig node(ManualClock clock) throws Exception {
        for (String d : new String[] {"root", "cwd", "home/.docker", "fs/.docker"}) {
            Files.createDirectories(tmp.resolve(d));
        }
        return NodeDockerConfig.upstreamOrder(tmp.resolve("root"), tmp.resolve("cwd"), tmp.resolve("home"),
                tmp.resolve("fs"), clock);
    }

    private static String cfg(String user) {
        return "{\"auths\":{\"r.io\":{\"auth\":\"" + auth(user, NODE_PASS) + "\"}}}";
    }

    @Test
    void nodeConfigJsonIsSearchedInUpstreamOrderAndBeatsDockercfg() throws Exception {
        ManualClock clock = new ManualClock();
        NodeDockerConfig node = node(clock);
        Files.writeString(tmp.resolve("root/.dockercfg"), "{\"r.io\":{\"auth\":\"" + auth("legacy", NODE_PASS) + "\"}}");
        Files.writeString(tmp.resolve("fs/.docker/config.json"), cfg("fsroot"));
        Files.writeString(tmp.resolve("home/.docker/config.json"), cfg("home"));
        Files.writeString(tmp.resolve("cwd/config.json"), "{not json " + NODE_PASS);
        NodeDockerConfig.Loaded loaded = node.current();
        assertThat(loaded.file()).contains(tmp.resolve("home/.docker/config.json"));
        assertThat(loaded.config().auths().get("r.io").username()).isEqualTo("home");
        assertThat(loaded.skipped()).singleElement().asString()
                .startsWith(tmp.resolve("cwd/config.json") + ": invalid JSON at line 1");
        produced(loaded.skipped().toString());
        assertThat(loaded.skipped().toString()).doesNotContain(NODE_PASS);
    }

    @Test
    void legacyDockercfgIsUsedOnlyWhenNoConfigJsonParses() throws Exception {
        NodeDockerConfig node = node(new ManualClock());
        Files.writeString(tmp.resolve("cwd/.dockercfg"), "{\"r.io\":{\"auth\":\"" + auth("legacy", NODE_PASS) + "\"}}");
        Files.writeString(tmp.resolve("root/config.json"), "[]");
        assertThat(node.current().file()).contains(tmp.resolve("cwd/.dockercfg"));
        assertThat(node.current().config().auths().get("r.io").username()).isEqualTo("legacy");
    }

    @Test
    void nodeConfigIsCachedForFiveMinutesIncludingAbsence() throws Exception {
        ManualClock clock = new ManualClock();
        NodeDockerConfig node = node(clock);
        assertThat(node.current().file()).isEmpty();
        Files.writeString(tmp.resolve("root/config.json"), cfg("late"));
        clock.advance(Duration.ofMinutes(5).minusMillis(1));
        assertThat(node.current().file()).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(node.current().file()).contains(tmp.resolve("root/config.json"));
        Files.writeString(tmp.resolve("root/config.json"), cfg("changed"));
        clock.advance(Duration.ofMinutes(4));
        assertThat(node.current().config().auths().get("r.io").username()).isEqualTo("late");
        clock.advance(Duration.ofMinutes(1));
        assertThat(node.current().config().auths().get("r.io").username()).isEqualTo("changed");
        assertThat(Optional.of(node.current().config().auths().get("r.io").password())).contains(NODE_PASS);
    }
}
