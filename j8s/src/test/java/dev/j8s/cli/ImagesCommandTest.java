package dev.j8s.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ImagesCommandTest {

    @TempDir
    Path dir;

    private String run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        HostEnvironment host = new HostEnvironment(false, Map.of(), dir.resolve("home"), "box");
        CommandLine cl = Main.commandLine(host, out);
        int code = cl.execute(args);
        assertThat(code).as(bytes.toString(StandardCharsets.UTF_8)).isZero();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void sizesArePrintedAsDockerDoes() {
        assertThat(ImagesCommand.humanSize(999)).isEqualTo("999B");
        assertThat(ImagesCommand.humanSize(1_985_024)).isEqualTo("1.99MB");
        assertThat(ImagesCommand.humanSize(45_600_000)).isEqualTo("45.6MB");
        assertThat(ImagesCommand.humanSize(325_000_000)).isEqualTo("325MB");
    }

    @Test
    void anImportedDockerSaveArchiveIsListedInspectedAndPruned() throws IOException {
        Path archive = dockerSave();
        String data = dir.resolve("data").toString();
        assertThat(run("images", "--data-dir", data, "import", archive.toString())).contains("imported docker.io/team/hello:1.0");
        String ls = run("images", "--data-dir", data, "ls");
        assertThat(ls).contains("docker.io/team/hello:1.0");
        assertThat(run("images", "--data-dir", data, "inspect", "team/hello:1.0")).contains("\"cmd\" : [ \"/hello\" ]");
        assertThat(run("images", "--data-dir", data, "rm", "team/hello:1.0")).contains("removed team/hello:1.0");
        assertThat(run("images", "--data-dir", data, "ls")).doesNotContain("team/hello:1.0");
    }

    @Test
    void whileAServerListensOnTheDataDirTheCommandRunsInItAndItsStoreSeesTheImportAtOnce() throws IOException {
        Path data = dir.resolve("served").toAbsolutePath();
        HostEnvironment host = new HostEnvironment(false, Map.of(), dir.resolve("home"), "box");
        Path socket = ImagesEndpoint.socket(ServerCommand.runDir(data, host));
        Path archive = dockerSave();
        try (var store = dev.j8s.oci.image.ImageStore.open(dir.resolve("server-store"), dev.j8s.oci.registry.RegistryOptions.DEFAULT);
             ImagesEndpoint endpoint = ImagesEndpoint.start(socket, ImagesCommand.serving(host, store,
                     dev.j8s.kubelet.credentials.KubeletCredentials.none(), java.util.Set::of))) {
            // relative to the caller's working directory, not the server's
            String relative = Path.of("").toAbsolutePath().relativize(archive).toString();
            assertThat(run("images", "--data-dir", data.toString(), "import", relative))
                    .contains("imported docker.io/team/hello:1.0");
            assertThat(store.find(dev.j8s.oci.reference.ImageReference.parse("team/hello:1.0"))).isPresent();
            assertThat(run("images", "--data-dir", data.toString(), "ls")).contains("docker.io/team/hello:1.0");
            assertThat(data.resolve("images")).as("the command did not open a store of its own").doesNotExist();
            assertThat(data.resolve(DataDirLock.FILE)).doesNotExist();
        } finally {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(socket.getParent()); // the run dir this test made, if it made it
        }
    }

    @Test
    void withoutAServerTheCommandRefusesADataDirAnotherCommandHolds() {
        Path data = dir.resolve("held").toAbsolutePath();
        try (DataDirLock held = DataDirLock.acquire(data, "j8s images pull")) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CommandLine cl = Main.commandLine(new HostEnvironment(false, Map.of(), dir.resolve("home"), "box"),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            cl.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
            assertThat(cl.execute("images", "--data-dir", data.toString(), "prune", "--all")).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("j8s prune: data dir " + data + " in use by pid "
                    + ProcessHandle.current().pid() + " (j8s images pull)\n");
        }
        assertThat(run("images", "--data-dir", data.toString(), "prune", "--all")).isEqualTo("removed 0 images, freed 0B\n");
    }

    @Test
    void imagesInUseAreTheImagesTheKubeletsContainerAnnotationsName() throws IOException {
        try (var store = dev.j8s.oci.image.ImageStore.open(dir.resolve("store"), dev.j8s.oci.registry.RegistryOptions.DEFAULT)) {
            var image = store.importArchive(dockerSave());
            String repoDigest = image.references().stream().filter(r -> r.contains("@")).findFirst().orElseThrow();
            String other = "sha256:" + "ab".repeat(32);
            String imageIdKey = dev.j8s.kubelet.kuberuntime.Labels.IMAGE_ID;
            assertThat(ServerCommand.imagesInUse(java.util.List.of(
                    Map.of(imageIdKey, repoDigest), // what the kubelet writes: the status's imageID
                    Map.of(imageIdKey, other),
                    Map.of(imageIdKey, "docker.io/team/gone@sha256:" + "cd".repeat(32)),
                    Map.of(imageIdKey, "not a reference"),
                    Map.of("other", other)), store))
                    .containsExactlyInAnyOrder(image.id(), dev.j8s.oci.reference.Digest.parse(other));
        }
    }

    @Test
    void credsAreUserColonPasswordAndThePasswordMayHoldColons() {
        assertThat(ImagesCommand.Pull.parseCreds("robot:pa:ss")).hasValueSatisfying(c -> {
            assertThat(((dev.j8s.oci.registry.Credentials.UsernamePassword) c).username()).isEqualTo("robot");
            assertThat(((dev.j8s.oci.registry.Credentials.UsernamePassword) c).password()).isEqualTo("pa:ss");
        });
        assertThat(ImagesCommand.Pull.parseCreds(null)).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ImagesCommand.Pull.parseCreds("robot"))
                .hasMessage("--creds must be USER:PASSWORD");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ImagesCommand.Pull.parseCreds(":pw"))
                .hasMessage("--creds must be USER:PASSWORD");
    }

    @Test
    void aMissingOrMalformedAuthfileIsRefusedNotSkipped() throws IOException {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ImagesCommand.Pull.fromAuthfile(dir.resolve("none.json")))
                .hasMessage("--authfile " + dir.resolve("none.json") + ": no such file");
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"auths\": {\"r.example\": {\"auth\": \"bm9jb2xvbg==\"}}}");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ImagesCommand.Pull.fromAuthfile(bad))
                .hasMessageContaining("unable to parse auth field");
    }

    /** A minimal `docker save` archive: one layer holding /hello, a config naming it as Cmd, a manifest.json. */
    private Path dockerSave() throws IOException {
        byte[] layer = tar(Map.of("hello", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8)));
        String diffId = "sha256:" + sha256(layer);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/hello\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
        String configName = sha256(config) + ".json";
        byte[] manifest = ("[{\"Config\":\"" + configName + "\",\"RepoTags\":[\"team/hello:1.0\"],\"Layers\":[\"layer/layer.tar\"]}]")
                .getBytes(StandardCharsets.UTF_8);
        Path out = dir.resolve("hello.tar");
        Files.write(out, tar(Map.of("manifest.json", manifest, configName, config, "layer/layer.tar", layer)));
        return out;
    }

    private static byte[] tar(Map<String, byte[]> files) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            for (var e : new java.util.TreeMap<>(files).entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(e.getValue().length);
                entry.setMode(0755);
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
