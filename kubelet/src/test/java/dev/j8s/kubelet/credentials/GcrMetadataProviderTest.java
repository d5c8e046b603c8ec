package dev.j8s.kubelet.credentials;

import static dev.j8s.kubelet.credentials.TestSecrets.GCR_TOKEN;
import static dev.j8s.kubelet.credentials.TestSecrets.produced;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.Credentials;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.j8s.api.testing.ManualClock;

class GcrMetadataProviderTest {
    private HttpServer server;
    private final AtomicInteger status = new AtomicInteger(200);
    private final List<String> flavors = new CopyOnWriteArrayList<>();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final ManualClock clock = new ManualClock();
    private URI base;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/computeMetadata/v1/", ex -> {
            paths.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
            flavors.add(String.valueOf(ex.getRequestHeaders().getFirst("Metadata-Flavor")));
            byte[] body = ("{\"access_token\":\"" + GCR_TOKEN + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.getResponseHeaders().add("Metadata-Flavor", "Google");
            if (status.get() != 200) {
                ex.sendResponseHeaders(status.get(), -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/computeMetadata/v1/");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void tokenFromMetadataServerBecomesUnderscoreTokenLoginAndIsCachedUntilExpiry() {
        GcrMetadataProvider p = new GcrMetadataProvider(base, Duration.ofSeconds(5), clock);
        assertThat(p.matches("gcr.io/project/app")).isTrue();
        assertThat(p.matches("eu.gcr.io/project/app")).isTrue();
        assertThat(p.matches("europe-docker.pkg.dev/project/repo/app")).isTrue();
        assertThat(p.matches("docker.io/library/nginx")).isFalse();
        PodCredentials pc = new PodCredentials((ns, n) -> Optional.empty(), Optional.empty(),
                new CredentialHelpers(List.of(), Duration.ofSeconds(1)), List.of(p), EventRecorder.DISCARD);
        Resolution r = pc.resolveWithoutPod(ImageReference.parse("eu.gcr.io/project/app:1"));
        assertThat(r.candidates()).singleElement().satisfies(c -> {
            assertThat(c.credentials()).isEqualTo(new Credentials.UsernamePassword("_token", GCR_TOKEN));
            assertThat(c.key()).isEqualTo("*.gcr.io");
            assertThat(produced(c.toString())).doesNotContain(GCR_TOKEN);
        });
        assertThat(paths).containsExactly("GET /computeMetadata/v1/instance/service-accounts/default/token");
        assertThat(flavors).containsExactly("Google");
        p.provide("gcr.io/x/y");
        assertThat(paths).hasSize(1);
        clock.advance(Duration.ofSeconds(3599 - 60));
        p.provide("gcr.io/x/y");
        assertThat(paths).hasSize(2);
    }

    @Test
    void metadataErrorsAreClearAndCarryNoToken() {
        status.set(404);
        GcrMetadataProvider p = new GcrMetadataProvider(base, Duration.ofSeconds(5), clock);
        assertThatThrownBy(() -> p.provide("gcr.io/x/y")).hasMessage(produced("gcr provider: GET " + base
                + "instance/service-accounts/default/token: HTTP 404"));
    }
}
