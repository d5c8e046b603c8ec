package dev.j8s.kubeconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeconfigTest {

    private static final String CA = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
    private static final Kubeconfig ENTRY =
            new Kubeconfig("j8s", URI.create("https://127.0.0.1:40123"), CA, "tok-en_1", "default");

    @TempDir
    Path dir;

    @Test
    void writtenKubeconfigIsOwnerOnlyAndHoldsClusterUserAndContext() throws Exception {
        Path file = dir.resolve("kubeconfig");
        ENTRY.writeTo(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).isEqualTo("""
                apiVersion: v1
                kind: Config
                preferences: {}
                clusters:
                  - name: j8s
                    cluster:
                      certificate-authority-data: %s
                      server: https://127.0.0.1:40123
                users:
                  - name: j8s
                    user:
                      token: tok-en_1
                contexts:
                  - name: j8s
                    context:
                      cluster: j8s
                      user: j8s
                      namespace: default
                current-context: j8s
                """.formatted(Base64.getEncoder().encodeToString(CA.getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void tokensThatLookLikeOtherYamlTypesStayStrings() throws Exception {
        Path file = dir.resolve("kubeconfig");
        ENTRY.named("true").writeTo(file);
        new Kubeconfig("n", URI.create("https://[::1]:6443"), CA, "0123", "default").mergeInto(file);

        JsonNode tree = Kubeconfig.YAML.readTree(file.toFile());
        assertThat(tree.at("/users/1/user/token").isTextual()).isTrue();
        assertThat(tree.at("/users/1/user/token").asText()).isEqualTo("0123");
        assertThat(tree.at("/contexts/0/name").isTextual()).isTrue();
        assertThat(tree.at("/clusters/1/cluster/server").asText()).isEqualTo("https://[::1]:6443");
    }

    @Test
    void mergeCreatesAMissingFileAndDirectoryAndMakesItsContextCurrent() throws Exception {
        Path file = dir.resolve(".kube/config");

        assertThat(ENTRY.named("j8s-1a2b3c4d").mergeInto(file)).isEqualTo(Kubeconfig.MergeOutcome.CURRENT_CONTEXT_SET);

        JsonNode tree = Kubeconfig.YAML.readTree(file.toFile());
        assertThat(tree.path("current-context").asText()).isEqualTo("j8s-1a2b3c4d");
        assertThat(tree.at("/contexts/0/context/cluster").asText()).isEqualTo("j8s-1a2b3c4d");
        assertThat(tree.at("/contexts/0/context/user").asText()).isEqualTo("j8s-1a2b3c4d");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void mergeKeepsOtherEntriesAndTheCurrentContextAndReplacesItsOwn() throws Exception {
        Path file = dir.resolve("config");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: prod
                  cluster: {server: "https://prod.example:443"}
                - name: j8s
                  cluster: {server: "https://127.0.0.1:1"}
                users:
                - name: prod
                  user: {token: prod-token}
                contexts:
                - name: prod
                  context: {cluster: prod, user: prod}
                current-context: prod
                preferences: {colors: true}
                """);

        assertThat(ENTRY.mergeInto(file)).isEqualTo(Kubeconfig.MergeOutcome.CURRENT_CONTEXT_KEPT);

        JsonNode tree = Kubeconfig.YAML.readTree(file.toFile());
        assertThat(tree.path("current-context").asText()).isEqualTo("prod");
        assertThat(tree.path("preferences").path("colors").asBoolean()).isTrue();
        assertThat(tree.path("clusters")).hasSize(2);
        assertThat(tree.at("/clusters/0/name").asText()).isEqualTo("prod");
        assertThat(tree.at("/clusters/0/cluster/server").asText()).isEqualTo("https://prod.example:443");
        assertThat(tree.at("/clusters/1/name").asText()).isEqualTo("j8s");
        assertThat(tree.at("/clusters/1/cluster/server").asText()).isEqualTo("https://127.0.0.1:40123");
        assertThat(tree.at("/users/0/user/token").asText()).isEqualTo("prod-token");
        assertThat(tree.at("/users/1/user/token").asText()).isEqualTo("tok-en_1");
        assertThat(tree.at("/contexts/1/context/namespace").asText()).isEqualTo("default");
    }

    @Test
    void mergeSetsTheCurrentContextWhenTheFileHasAnEmptyOne() throws Exception {
        Path file = dir.resolve("config");
        Files.writeString(file, "apiVersion: v1\nkind: Config\ncurrent-context: \"\"\n");

        assertThat(ENTRY.mergeInto(file)).isEqualTo(Kubeconfig.MergeOutcome.CURRENT_CONTEXT_SET);
        assertThat(Kubeconfig.YAML.readTree(file.toFile()).path("current-context").asText()).isEqualTo("j8s");
    }

    @Test
    void mergeRefusesAFileThatIsNotAMapping() throws Exception {
        Path file = dir.resolve("config");
        Files.writeString(file, "- just\n- a list\n");

        assertThatThrownBy(() -> ENTRY.mergeInto(file))
                .isInstanceOf(KubeconfigException.class)
                .hasMessage("merge into kubeconfig " + file + ": the file is not a YAML mapping");
        assertThat(Files.readString(file)).isEqualTo("- just\n- a list\n");
    }

    @Test
    void toStringRedactsTheToken() {
        assertThat(ENTRY.toString()).doesNotContain("tok-en_1").contains("token=<redacted>");
    }
}
