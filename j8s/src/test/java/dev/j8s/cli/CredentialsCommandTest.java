package dev.j8s.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.j8s.kubelet.credentials.KubeletCredentials;
import dev.j8s.kubelet.credentials.PodCredentials;
import dev.j8s.kubelet.events.EventRecorder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CredentialsCommandTest {

    private static final String PASSWORD = "S3cr3t-Pw-771";

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private Run run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        HostEnvironment host = new HostEnvironment(false, Map.of(), dir.resolve("home"), "box");
        CommandLine cl = Main.commandLine(host, out);
        java.io.StringWriter err = new java.io.StringWriter();
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, bytes.toString(StandardCharsets.UTF_8), err.toString());
    }

    private static String auth(String user, String password) {
        return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aBareImageListsTheNodeConfigFileWithItsUsernameAndNoPassword() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("config.json"),
                "{\"auths\":{\"127.0.0.1:5999\":{\"auth\":\"" + auth("node-user", PASSWORD) + "\"}}}");

        Run r = run("credentials", "explain", "--data-dir", data.toString(), "127.0.0.1:5999/team/app:1.0");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("""
                image 127.0.0.1:5999/team/app:1.0 (127.0.0.1:5999/team/app):
                  1. node config %s key 127.0.0.1:5999 username node-user password <redacted>
                """.formatted(data.resolve("config.json")));
        assertThat(r.out()).doesNotContain(PASSWORD).doesNotContain(auth("node-user", PASSWORD));
    }

    @Test
    void anImageNoSourceMatchesIsPulledAnonymously() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Run r = run("credentials", "explain", "--data-dir", data.toString(), "127.0.0.1:5999/team/app:1.0");
        assertThat(r.out()).contains("  no credential matches: the pull is anonymous");
    }

    @Test
    void neitherPodNorImageIsAnError() {
        Run r = run("credentials", "explain", "--data-dir", dir.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("j8s explain: give either --pod NAME or an IMAGE");
    }

    @Test
    void aPodWhenTheServerIsNotRunningNamesTheMissingKubeconfig() {
        Run r = run("credentials", "explain", "--data-dir", dir.toString(), "--pod", "p");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("no kubeconfig at " + dir.resolve("kubeconfig"));
    }

    @Test
    void aPodsSecretsComeFirstAndCheckPrintsEachCandidatesVerdictWithoutValues() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("config.json"),
                "{\"auths\":{\"127.0.0.1:5999\":{\"auth\":\"" + auth("node-user", "node-" + PASSWORD) + "\"}}}");
        String json = "{\"auths\":{\"127.0.0.1:5999\":{\"auth\":\"" + auth("pod-user", PASSWORD) + "\"}}}";
        Secret secret = new SecretBuilder().withNewMetadata().withNamespace("team").withName("regcred").withUid("u1")
                .endMetadata().withType("kubernetes.io/dockerconfigjson")
                .withData(Map.of(".dockerconfigjson",
                        Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8))))
                .build();
        Pod pod = new PodBuilder().withNewMetadata().withNamespace("team").withName("p").endMetadata()
                .withNewSpec().addNewImagePullSecret("regcred").addNewImagePullSecret("gone")
                .addNewContainer().withName("c").withImage("127.0.0.1:5999/team/app:1.0").endContainer()
                .endSpec().build();
        KubeletCredentials node = new ImageCredentialOptionsAccess().credentials(data, dir.resolve("home"));
        PodCredentials credentials = node.podCredentials(
                (ns, name) -> ns.equals("team") && name.equals("regcred") ? Optional.of(secret) : Optional.empty(),
                EventRecorder.DISCARD);

        List<String> lines = CredentialsCommand.explainPod(pod, credentials, Optional.of(
                (ref, c) -> c.isPresent() && c.get().identity().contains("pod-user")));

        assertThat(lines).containsExactly(
                "image 127.0.0.1:5999/team/app:1.0 (127.0.0.1:5999/team/app):",
                "  1. pull secret team/regcred (kubernetes.io/dockerconfigjson) key 127.0.0.1:5999 username pod-user password <redacted>",
                "  2. node config " + data.resolve("config.json") + " key 127.0.0.1:5999 username node-user password <redacted>",
                "  problem: Unable to retrieve some image pull secrets (gone); attempting to pull the image may not succeed.",
                "  check 1. pull secret team/regcred (kubernetes.io/dockerconfigjson): allowed",
                "  check 2. node config " + data.resolve("config.json") + ": denied");
        assertThat(String.join("\n", lines)).doesNotContain(PASSWORD);
    }

    /** The server's credential options with their defaults, as picocli would leave them without flags. */
    private static final class ImageCredentialOptionsAccess {
        KubeletCredentials credentials(Path data, Path home) {
            ImageCredentialOptions options = new ImageCredentialOptions();
            new CommandLine(new Holder(options)).parseArgs();
            return options.credentials(data, home);
        }
    }

    @CommandLine.Command(name = "holder")
    private static final class Holder {
        @CommandLine.Mixin
        final ImageCredentialOptions options;

        Holder(ImageCredentialOptions options) {
            this.options = options;
        }
    }
}
