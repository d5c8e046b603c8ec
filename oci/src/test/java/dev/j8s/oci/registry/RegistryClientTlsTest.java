package dev.j8s.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.j8s.oci.manifest.Descriptor;
import dev.j8s.oci.manifest.MediaTypes;
import dev.j8s.oci.reference.Digest;
import dev.j8s.oci.reference.ImageReference;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blobs redirected to HTTPS storage (as registries redirect to their blob stores): fetched over TLS when the
 * client's trust material trusts the certificate and the name matches it, refused otherwise, with no credentials
 * sent to the storage host.
 */
class RegistryClientTlsTest {
    static final RegistryOptions FAST = new RegistryOptions(Duration.ofSeconds(2), Duration.ofMillis(400), 1024,
            64 * 1024, 2, Duration.ofMillis(10), Set.of());
    static final byte[] BLOB = "tls blob ".repeat(5000).getBytes(StandardCharsets.US_ASCII);
    static final Descriptor DESCRIPTOR = Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(BLOB), BLOB.length);

    @TempDir
    static Path dir;
    static SSLContext serverTls;
    static SSLContext trusting;
    static HttpsServer storage;
    static HttpServer registry;
    static final List<String> authSeenByStorage = new CopyOnWriteArrayList<>();
    static volatile String redirectHost = "127.0.0.1";

    /** A self-signed certificate for the IP address 127.0.0.1 only (no DNS name), made by the JDK's keytool. */
    @BeforeAll
    static void start() throws Exception {
        Path ks = dir.resolve("server.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "storage", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=storage",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(),
                "-storepass", "changeit").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "changeit".toCharArray());
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("storage", keys.getCertificate("storage"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);

        storage = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        storage.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        storage.createContext("/", ex -> {
            ex.getRequestHeaders().getOrDefault("Authorization", List.of()).forEach(authSeenByStorage::add);
            ex.sendResponseHeaders(200, BLOB.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(BLOB);
            }
        });
        storage.start();
        registry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        registry.createContext("/", ex -> {
            if (ex.getRequestHeaders().getFirst("Authorization") == null) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"r\"");
                ex.sendResponseHeaders(401, -1);
            } else {
                ex.getResponseHeaders().add("Location", "https://" + redirectHost + ":" + storage.getAddress().getPort()
                        + "/storage/blob?sig=x");
                ex.sendResponseHeaders(307, -1);
            }
            ex.close();
        });
        registry.start();
    }

    @AfterAll
    static void stop() {
        registry.stop(0);
        storage.stop(0);
    }

    static ImageReference ref() {
        return ImageReference.parse("127.0.0.1:" + registry.getAddress().getPort() + "/team/app:v1");
    }

    static RegistryClient client(SSLContext tls) {
        return new RegistryClient((h, r) -> Optional.of(new Credentials.UsernamePassword("alice", "s3cret")), FAST, tls);
    }

    /** Each case runs with the blob client and with java.net.http ({@code j8s.oci.blobHttp=jdk}): the same trust. */
    static void withBlobHttp(String blobHttp, ThrowingRunnable test) throws Exception {
        if (blobHttp.isEmpty()) {
            System.clearProperty(RegistryClient.BLOB_HTTP_PROPERTY);
        } else {
            System.setProperty(RegistryClient.BLOB_HTTP_PROPERTY, blobHttp);
        }
        try {
            test.run();
        } finally {
            System.clearProperty(RegistryClient.BLOB_HTTP_PROPERTY);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "jdk"})
    void aBlobRedirectedToTrustedHttpsStorageIsFetchedWithoutCredentials(String blobHttp) throws Exception {
        redirectHost = "127.0.0.1";
        withBlobHttp(blobHttp, () -> {
            try (InputStream in = client(trusting).openBlob(ref(), DESCRIPTOR)) {
                assertThat(in.readAllBytes()).isEqualTo(BLOB);
            }
        });
        assertThat(authSeenByStorage).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "jdk"})
    void storageWhoseCertificateIsNotTrustedIsRefused(String blobHttp) throws Exception {
        redirectHost = "127.0.0.1";
        withBlobHttp(blobHttp, () -> assertThatThrownBy(() -> client(SSLContext.getDefault()).openBlob(ref(), DESCRIPTOR)
                .readAllBytes())
                .hasMessageContaining("fetch blob " + DESCRIPTOR.digest())
                .hasMessageContaining("PKIX path building failed"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "jdk"})
    void storageWhoseCertificateNamesAnotherHostIsRefused(String blobHttp) throws Exception {
        redirectHost = "localhost";
        withBlobHttp(blobHttp, () -> assertThatThrownBy(() -> client(trusting).openBlob(ref(), DESCRIPTOR).readAllBytes())
                .hasMessageContaining("fetch blob " + DESCRIPTOR.digest())
                .hasMessageContaining("No name matching localhost found"));
    }
}
