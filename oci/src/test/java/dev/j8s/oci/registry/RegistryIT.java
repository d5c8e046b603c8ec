package dev.j8s.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.luben.zstd.Zstd;
import dev.j8s.oci.layer.LayerExtractor;
import dev.j8s.oci.layer.LayerStats;
import dev.j8s.oci.layer.UnpackLimits;
import dev.j8s.oci.manifest.Descriptor;
import dev.j8s.oci.manifest.ImageConfig;
import dev.j8s.oci.manifest.ImageIndex;
import dev.j8s.oci.manifest.ImageManifest;
import dev.j8s.oci.manifest.Manifest;
import dev.j8s.oci.manifest.MediaTypes;
import dev.j8s.oci.manifest.Platform;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.testing.DistributionRegistry;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a real distribution registry on 127.0.0.1: anonymous and htpasswd Basic auth. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistryIT {
    static final RegistryOptions FAST = new RegistryOptions(Duration.ofSeconds(5), Duration.ofSeconds(10), 1024,
            64 * 1024, 2, Duration.ofMillis(50), Set.of());

    @TempDir static Path temp;
    DistributionRegistry open;
    DistributionRegistry basic;

    @BeforeAll
    void startRegistries() throws Exception {
        assumeTrue(DistributionRegistry.available(), "docker-registry is not installed (apt-get install -y docker-registry)");
        Path openDir = Files.createDirectories(temp.resolve("open"));
        open = DistributionRegistry.start(openDir, "", "");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/htpasswd")), "htpasswd is not installed (apt-get install -y apache2-utils)");
        Path basicDir = Files.createDirectories(temp.resolve("basic"));
        Process h = new ProcessBuilder("/usr/bin/htpasswd", "-Bbn", "alice", "s3cret").redirectErrorStream(true).start();
        byte[] line = h.getInputStream().readAllBytes();
        assertThat(h.waitFor(20, TimeUnit.SECONDS)).isTrue();
        Files.write(basicDir.resolve("htpasswd"), line);
        basic = DistributionRegistry.start(basicDir, """
                auth:
                  htpasswd:
                    realm: j8s-test
                    path: %s
                """.formatted(basicDir.resolve("htpasswd")), DistributionRegistry.basicHeader("alice", "s3cret"));
    }

    @AfterAll
    void stopRegistries() throws Exception {
        for (DistributionRegistry r : new DistributionRegistry[] {open, basic}) {
            if (r != null) {
                r.close();
                assertThat(r.process.isAlive()).isFalse();
            }
        }
    }

    /** An image built in memory and pushed: layers, config and manifest. */
    record Pushed(ImageReference ref, byte[] manifest, List<byte[]> layerTars) {}

    static byte[] tar(String... namesAndContents) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            for (int i = 0; i < namesAndContents.length; i += 2) {
                TarArchiveEntry e = new TarArchiveEntry(namesAndContents[i]);
                byte[] data = namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8);
                e.setSize(data.length);
                e.setMode(0755);
                t.putArchiveEntry(e);
                t.write(data);
                t.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static String desc(String mediaType, byte[] blob) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + Digest.sha256(blob) + "\",\"size\":" + blob.length + "}";
    }

    static Pushed push(DistributionRegistry r, String repo, String tag, boolean oci, String arch) throws Exception {
        List<byte[]> tars = List.of(tar("bin/hello", "#!/bin/sh\necho " + arch + "\n"), tar("etc/motd", "hi " + arch + "\n"));
        List<String> layerDescs = new ArrayList<>();
        for (int i = 0; i < tars.size(); i++) {
            boolean zstd = oci && i == 1;
            byte[] blob = zstd ? Zstd.compress(tars.get(i)) : gzip(tars.get(i));
            r.pushBlob(repo, Digest.sha256(blob).toString(), blob);
            String type = oci ? (zstd ? MediaTypes.OCI_LAYER_ZSTD : MediaTypes.OCI_LAYER_GZIP) : MediaTypes.DOCKER_LAYER_GZIP;
            layerDescs.add(desc(type, blob));
        }
        String diffIds = String.join(",", tars.stream().map(t -> "\"" + Digest.sha256(t) + "\"").toList());
        byte[] config = ("{\"architecture\":\"" + arch + "\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin\"],"
                + "\"Cmd\":[\"/bin/hello\"],\"WorkingDir\":\"/\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}")
                .getBytes(StandardCharsets.UTF_8);
        r.pushBlob(repo, Digest.sha256(config).toString(), config);
        String manifestType = oci ? MediaTypes.OCI_MANIFEST : MediaTypes.DOCKER_MANIFEST;
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + manifestType + "\",\"config\":"
                + desc(oci ? MediaTypes.OCI_CONFIG : MediaTypes.DOCKER_CONFIG, config)
                + ",\"layers\":[" + String.join(",", layerDescs) + "]}").getBytes(StandardCharsets.UTF_8);
        r.pushManifest(repo, tag, manifestType, manifest);
        return new Pushed(ImageReference.parse(r.host() + "/" + repo + ":" + tag), manifest, tars);
    }

    /** Pulls every layer through the extractor in one stream and checks the diff IDs against the config. */
    void pullAndUnpack(RegistryClient client, ImageReference ref, ImageManifest m, Path dest) throws Exception {
        ImageConfig config = ImageConfig.parse(client.fetchSmallBlob(ref, m.config()));
        LayerExtractor extractor = new LayerExtractor(UnpackLimits.DEFAULT);
        for (int i = 0; i < m.layers().size(); i++) {
            Descriptor layer = m.layers().get(i);
            Path dir = Files.createDirectories(dest.resolve("layer" + i));
            try (InputStream in = client.openBlob(ref, layer)) {
                LayerStats stats = extractor.extract(layer.digest().toString(), in, MediaTypes.layerCompression(layer.mediaType()), dir);
                in.transferTo(java.io.OutputStream.nullOutputStream()); // verify the compressed digest to the end
                assertThat(stats.diffId()).isEqualTo(config.diffIds().get(i));
            }
        }
    }

    @Test
    void anonymousPullOfAnOciImageWithGzipAndZstdLayers() throws Exception {
        Pushed p = push(open, "team/app", "v1", true, "amd64");
        RegistryClient client = new RegistryClient(CredentialSupplier.ANONYMOUS, FAST);
        Manifest m = client.fetchManifest(p.ref());
        assertThat(m).isInstanceOf(ImageManifest.class);
        assertThat(m.digest()).isEqualTo(Digest.sha256(p.manifest()));
        assertThat(client.fetchManifest(p.ref(), m.digest().toString()).digest()).isEqualTo(m.digest());
        Path dest = temp.resolve("anon");
        pullAndUnpack(client, p.ref(), (ImageManifest) m, dest);
        assertThat(dest.resolve("layer0/bin/hello")).hasContent("#!/bin/sh\necho amd64");
        assertThat(dest.resolve("layer1/etc/motd")).hasContent("hi amd64");
        assertThat(client.credentialIdentity(p.ref())).isEqualTo("anonymous");
    }

    @Test
    void dockerManifestListSelectsThisPlatform() throws Exception {
        Pushed amd = push(open, "multi/app", "amd64", false, "amd64");
        Pushed arm = push(open, "multi/app", "arm64", false, "arm64");
        byte[] list = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST_LIST + "\",\"manifests\":["
                + "{\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"digest\":\"" + Digest.sha256(arm.manifest()) + "\",\"size\":" + arm.manifest().length
                + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
                + "{\"mediaType\":\"" + MediaTypes.DOCKER_MANIFEST + "\",\"digest\":\"" + Digest.sha256(amd.manifest()) + "\",\"size\":" + amd.manifest().length
                + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}").getBytes(StandardCharsets.UTF_8);
        open.pushManifest("multi/app", "latest", MediaTypes.DOCKER_MANIFEST_LIST, list);
        RegistryClient client = new RegistryClient(CredentialSupplier.ANONYMOUS, FAST);
        ImageReference ref = ImageReference.parse(open.host() + "/multi/app");
        ImageIndex index = (ImageIndex) client.fetchManifest(ref);
        Descriptor chosen = index.select(Platform.parse("linux/amd64"));
        ImageManifest m = (ImageManifest) client.fetchManifest(ref, chosen.digest().toString());
        pullAndUnpack(client, ref, m, temp.resolve("multi"));
        assertThat(temp.resolve("multi/layer1/etc/motd")).hasContent("hi amd64");
    }

    @Test
    void missingTagIsNotFound() {
        RegistryClient client = new RegistryClient(CredentialSupplier.ANONYMOUS, FAST);
        ImageReference ref = ImageReference.parse(open.host() + "/nope/nothing:v9");
        assertThatThrownBy(() -> client.fetchManifest(ref))
                .isInstanceOf(RegistryException.class)
                .hasMessage("fetch manifest " + open.host() + "/nope/nothing:v9: not found")
                .satisfies(e -> assertThat(((RegistryException) e).notFound()).isTrue());
    }

    @Test
    void htpasswdRegistryNeedsCredentials() throws Exception {
        Pushed p = push(basic, "private/app", "v1", true, "amd64");
        RegistryClient anonymous = new RegistryClient(CredentialSupplier.ANONYMOUS, FAST);
        assertThatThrownBy(() -> anonymous.fetchManifest(p.ref()))
                .isInstanceOf(RegistryException.class)
                .hasMessageEndingWith("pull access denied, repository does not exist or may require authorization: authentication required");

        RegistryClient wrong = new RegistryClient((host, repo) -> Optional.of(new Credentials.UsernamePassword("alice", "wrong")), FAST);
        assertThatThrownBy(() -> wrong.fetchManifest(p.ref()))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("pull access denied")
                .hasMessageNotContaining("wrong");

        List<String> asked = new ArrayList<>();
        RegistryClient alice = new RegistryClient((host, repo) -> {
            asked.add(host + " " + repo);
            return Optional.of(new Credentials.UsernamePassword("alice", "s3cret"));
        }, FAST);
        ImageManifest m = (ImageManifest) alice.fetchManifest(p.ref());
        pullAndUnpack(alice, p.ref(), m, temp.resolve("basic-pull"));
        assertThat(temp.resolve("basic-pull/layer0/bin/hello")).exists();
        assertThat(asked).contains(basic.host() + " private/app");
        assertThat(alice.credentialIdentity(p.ref())).isEqualTo("user:alice");
    }

    @Test
    void credentialsNeverAppearInToString() {
        assertThat(new Credentials.UsernamePassword("alice", "s3cret").toString()).doesNotContain("s3cret").contains("alice");
        assertThat(new Credentials.IdentityToken("alice", "tok-123").toString()).doesNotContain("tok-123");
    }
}
