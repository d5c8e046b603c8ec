package dev.j8s.oci.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.j8s.oci.manifest.Platform;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.Credentials;
import dev.j8s.oci.registry.RegistryOptions;
import dev.j8s.oci.testing.CountingProxy;
import dev.j8s.oci.testing.DistributionRegistry;
import dev.j8s.oci.testing.TokenServer;
import dev.j8s.oci.testing.Tools;
import dev.j8s.oci.testing.UmociImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Pulls images built with umoci and pushed with skopeo from a real distribution registry on 127.0.0.1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageStoreIT {
    static final RegistryOptions FAST = new RegistryOptions(Duration.ofSeconds(5), Duration.ofSeconds(10), 1024,
            64 * 1024, 2, Duration.ofMillis(50), Set.of());
    static final CredentialSupplier ALICE = (h, r) -> Optional.of(new Credentials.UsernamePassword("alice", "s3cret"));

    @TempDir static Path temp;
    DistributionRegistry open;
    DistributionRegistry secured;
    TokenServer tokens;
    CountingProxy proxy;
    UmociImages images;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(DistributionRegistry.available() && UmociImages.available() && Tools.available("keytool"),
                "needs docker-registry, umoci, skopeo, busybox-static, keytool");
        images = UmociImages.build(Files.createDirectories(temp.resolve("build")));
        open = DistributionRegistry.start(Files.createDirectories(temp.resolve("open")), "", "");
        proxy = new CountingProxy(open.uri("/"));
        Tools.push(images.layout, "base", open.host() + "/team/app:oci", "oci", List.of());
        Tools.push(images.layout, "base", open.host() + "/team/app:v2s2", "v2s2", List.of());
        Tools.push(images.layout, "base", open.host() + "/team/other:1.0", "oci", List.of());
        Tools.push(images.layout, "multi", open.host() + "/team/multi:1.0", "", List.of("--all"));
        tokens = new TokenServer(Files.createDirectories(temp.resolve("token")));
        secured = DistributionRegistry.start(Files.createDirectories(temp.resolve("secured")), tokens.authYaml(), "");
        Tools.push(images.layout, "base", secured.host() + "/private/app:1.0", "oci", List.of("--dest-creds", "alice:s3cret"));
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {proxy, tokens}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
        for (DistributionRegistry r : new DistributionRegistry[] {open, secured}) {
            if (r != null) {
                r.close();
                assertThat(r.process.isAlive()).isFalse();
            }
        }
    }

    static Path layerWith(ImageRecord r, String file) {
        return r.layers().stream().filter(l -> Files.exists(l.resolve(file))).findFirst()
                .orElseThrow(() -> new AssertionError("no layer has " + file + " in " + r.layers()));
    }

    void assertBusyboxImage(ImageRecord r) throws Exception {
        Path busybox = layerWith(r, "bin/busybox").resolve("bin/busybox");
        assertThat(Files.getPosixFilePermissions(busybox)).isEqualTo(PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(Files.mismatch(busybox, UmociImages.BUSYBOX)).isEqualTo(-1);
        assertThat(layerWith(r, "etc/motd").resolve("etc/motd")).hasContent("built by umoci");
        assertThat(r.config().env()).contains("PATH=/bin");
        assertThat(r.config().cmd()).containsExactly("/bin/busybox", "echo");
        assertThat(r.layers()).hasSize(2);
        assertThat(r.size()).isGreaterThan(Files.size(UmociImages.BUSYBOX));
    }

    @Test
    void ociAndDockerFormatImagesPullIntoLayersWithModesAndConfig() throws Exception {
        try (ImageStore store = ImageStore.open(temp.resolve("store-formats"), FAST)) {
            ImageRecord oci = store.pull(ImageReference.parse(open.host() + "/team/app:oci"), CredentialSupplier.ANONYMOUS, PullListener.NONE);
            assertBusyboxImage(oci);
            assertThat(oci.id()).isEqualTo(images.configDigest("base"));
            assertThat(oci.references()).contains(open.host() + "/team/app:oci");
            assertThat(oci.pulls()).singleElement().satisfies(p -> {
                assertThat(p.registryHost()).isEqualTo(open.host());
                assertThat(p.repository()).isEqualTo("team/app");
                assertThat(p.credentialIdentity()).isEmpty();
            });
            ImageRecord v2s2 = store.pull(ImageReference.parse(open.host() + "/team/app:v2s2"), CredentialSupplier.ANONYMOUS, PullListener.NONE);
            assertBusyboxImage(v2s2);
            assertThat(v2s2.manifestDigest()).isNotEqualTo(oci.manifestDigest());
            assertThat(store.find(ImageReference.parse(open.host() + "/team/app:v2s2"))).isPresent();
            assertThat(store.find(ImageReference.parse(open.host() + "/team/app@" + v2s2.manifestDigest()))).isPresent();
            assertThat(store.find(ImageReference.parse(open.host() + "/team/app:nope"))).isEmpty();
        }
        try (ImageStore reopened = ImageStore.open(temp.resolve("store-formats"), FAST)) {
            assertThat(reopened.find(ImageReference.parse(open.host() + "/team/app:oci"))).get()
                    .satisfies(r -> assertThat(r.config().cmd()).containsExactly("/bin/busybox", "echo"));
        }
    }

    @Test
    void multiPlatformIndexPullsThisMachinesImage() throws Exception {
        assumeTrue(Platform.current().architecture().equals("amd64"), "the test index has amd64 and arm64 entries");
        try (ImageStore store = ImageStore.open(temp.resolve("store-multi"), FAST)) {
            ImageRecord r = store.pull(ImageReference.parse(open.host() + "/team/multi:1.0"), CredentialSupplier.ANONYMOUS, PullListener.NONE);
            assertThat(r.config().platform().architecture()).isEqualTo("amd64");
            assertThat(r.id()).isEqualTo(images.configDigest("base"));
            assertThat(r.manifestDigest()).isEqualTo(images.manifestDigest("multi"));
            assertBusyboxImage(r);
        }
    }

    @Test
    void concurrentPullsFetchEveryLayerBlobOnce() throws Exception {
        proxy.gets.clear();
        try (ImageStore store = ImageStore.open(temp.resolve("store-race"), FAST);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<ImageRecord>> results = new ArrayList<>();
            for (String ref : List.of("team/app:oci", "team/app:oci", "team/other:1.0", "team/other:1.0")) {
                Callable<ImageRecord> c = () -> store.pull(ImageReference.parse(proxy.host() + "/" + ref),
                        CredentialSupplier.ANONYMOUS, PullListener.NONE);
                results.add(pool.submit(c));
            }
            for (Future<ImageRecord> f : results) {
                assertBusyboxImage(f.get());
            }
        }
        List<String> layerGets = proxy.gets.entrySet().stream()
                .filter(e -> e.getKey().contains("/blobs/")).map(e -> e.getKey() + "=" + e.getValue()).toList();
        // Two layers fetched exactly once each; the config once per distinct pull (two references).
        long layerFetches = proxy.gets.entrySet().stream().filter(e -> e.getKey().contains("/blobs/"))
                .mapToInt(e -> e.getValue().get()).filter(n -> n == 1).count();
        assertThat(layerFetches).as("%s", layerGets).isGreaterThanOrEqualTo(2);
        for (var e : proxy.gets.entrySet()) {
            if (e.getKey().contains("/blobs/")) {
                assertThat(e.getValue().get()).as(e.getKey()).isLessThanOrEqualTo(1);
            }
        }
    }

    @Test
    void interruptedPullLeavesNoTrustedLayerAndASecondPullSucceeds() throws Exception {
        Path root = temp.resolve("store-cut");
        ImageReference ref = ImageReference.parse(proxy.host() + "/team/app:v2s2");
        proxy.cutAbove = 100_000; // the busybox layer
        RegistryOptions quickStall = new RegistryOptions(Duration.ofSeconds(5), Duration.ofSeconds(1), 1024,
                64 * 1024, 2, Duration.ofMillis(50), Set.of());
        try (ImageStore store = ImageStore.open(root, quickStall)) {
            assertThatThrownBy(() -> store.pull(ref, CredentialSupplier.ANONYMOUS, PullListener.NONE))
                    .isInstanceOf(PullException.class)
                    .satisfies(e -> assertThat(((PullException) e).kind()).isEqualTo(PullException.Kind.NETWORK))
                    .hasMessageStartingWith("failed to pull and unpack image \"" + ref + "\": ");
            assertThat(store.find(ref)).isEmpty();
        } finally {
            proxy.cutAbove = Long.MAX_VALUE;
        }
        try (Stream<Path> s = Files.list(root.resolve("layers"))) {
            List<Path> dirs = s.toList();
            assertThat(dirs).noneMatch(p -> p.getFileName().toString().startsWith(".tmp"));
            assertThat(dirs).noneMatch(p -> Files.exists(p.resolve("bin/busybox")));
        }
        try (ImageStore store = ImageStore.open(root, FAST)) {
            assertBusyboxImage(store.pull(ref, CredentialSupplier.ANONYMOUS, PullListener.NONE));
        }
    }

    @Test
    void tokenAuthRegistryDeniesAnonymousAndCachesTheTokenPerScope() throws Exception {
        ImageReference ref = ImageReference.parse(secured.host() + "/private/app:1.0");
        try (ImageStore store = ImageStore.open(temp.resolve("store-token"), FAST)) {
            assertThatThrownBy(() -> store.pull(ref, CredentialSupplier.ANONYMOUS, PullListener.NONE))
                    .isInstanceOf(PullException.class)
                    .satisfies(e -> assertThat(((PullException) e).kind()).isEqualTo(PullException.Kind.UNAUTHORIZED));
            CredentialSupplier wrong = (h, r) -> Optional.of(new Credentials.UsernamePassword("alice", "wrong-pw"));
            assertThatThrownBy(() -> store.pull(ref, wrong, PullListener.NONE))
                    .isInstanceOf(PullException.class)
                    .hasMessageNotContaining("wrong-pw")
                    .satisfies(e -> assertThat(((PullException) e).kind()).isEqualTo(PullException.Kind.UNAUTHORIZED));
            tokens.requests.clear();
            ImageRecord r = store.pull(ref, ALICE, PullListener.NONE);
            assertBusyboxImage(r);
            assertThat(r.pulls()).singleElement().satisfies(p -> assertThat(p.credentialIdentity()).isEqualTo("user:alice"));
            store.pull(ref, ALICE, PullListener.NONE);
            assertThat(tokens.requests).containsExactly("alice repository:private/app:pull");
        }
    }

    @Test
    void ociLayoutImportsFromADirectoryAndFromATar() throws Exception {
        try (ImageStore store = ImageStore.open(temp.resolve("store-import"), FAST)) {
            ImageRecord fromDir = store.importArchive(images.layout);
            assertThat(fromDir.id()).isEqualTo(images.configDigest("base"));
            assertBusyboxImage(fromDir);
            Path tar = temp.resolve("layout.tar");
            Tools.run(temp, "/usr/bin/tar", "-C", images.layout.toString(), "-cf", tar.toString(), ".");
            try (ImageStore other = ImageStore.open(temp.resolve("store-import-tar"), FAST)) {
                ImageRecord fromTar = other.importArchive(tar);
                assertThat(fromTar.id()).isEqualTo(fromDir.id());
                assertBusyboxImage(fromTar);
                assertThat(other.list()).hasSize(1);
            }
            try (Stream<Path> s = Files.list(temp.resolve("store-import-tar"))) {
                assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(ImageStore.IMPORT_PREFIX));
            }
        }
    }

    @Test
    void digestOfAnUnknownImageIsNotFound() {
        try (ImageStore store = ImageStore.open(temp.resolve("store-404"), FAST)) {
            ImageReference ref = ImageReference.parse(open.host() + "/team/app:missing");
            assertThatThrownBy(() -> store.pull(ref, CredentialSupplier.ANONYMOUS, PullListener.NONE))
                    .isInstanceOf(PullException.class)
                    .hasMessage("failed to pull and unpack image \"" + ref + "\": fetch manifest " + ref + ": not found")
                    .satisfies(e -> assertThat(((PullException) e).kind()).isEqualTo(PullException.Kind.NOT_FOUND));
        }
    }
}
