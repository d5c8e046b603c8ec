package dev.j8s.kubelet.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.oci.registry.Credentials;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in GCR / Artifact Registry provider: the node's default service-account access token from the GCE
 * metadata server ({@code GET <base>instance/service-accounts/default/token} with {@code Metadata-Flavor: Google})
 * as username {@code _token} and password {@code access_token}, cached until shortly before it expires.
 * Thread-safe.
 */
public final class GcrMetadataProvider implements DynamicCredentialProvider {
    /** The real metadata server; only used when a node explicitly enables this provider. */
    public static final URI DEFAULT_METADATA_BASE = URI.create("http://metadata.google.internal/computeMetadata/v1/");
    /** The registries the legacy upstream GCP provider answered for. */
    public static final List<String> REGISTRY_KEYS = List.of("container.cloud.google.com", "gcr.io", "*.gcr.io",
            "*.pkg.dev");
    private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(60);

    private final URI tokenUri;
    private final HttpClient http;
    private final Duration timeout;
    private final Clock clock;
    private Credentials token;
    private Instant expiresAt = Instant.MIN;

    /** A provider asking the metadata server at {@code metadataBase} (ending in {@code /computeMetadata/v1/}). */
    public GcrMetadataProvider(URI metadataBase, Duration timeout, Clock clock) {
        String base = metadataBase.toString();
        this.tokenUri = URI.create((base.endsWith("/") ? base : base + "/") + "instance/service-accounts/default/token");
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
        this.timeout = timeout;
        this.clock = clock;
    }

    @Override
    public CredentialSource source() {
        return new CredentialSource.GceMetadata(tokenUri.toString());
    }

    @Override
    public boolean matches(String repository) {
        return REGISTRY_KEYS.stream().anyMatch(k -> DockerKeyring.urlsMatch(k, repository));
    }

    @Override
    public synchronized Map<String, Credentials> provide(String repository) {
        if (token == null || !clock.instant().isBefore(expiresAt)) {
            fetch();
        }
        Map<String, Credentials> out = new LinkedHashMap<>();
        REGISTRY_KEYS.forEach(k -> out.put(k, token));
        return out;
    }

    private void fetch() {
        HttpRequest req = HttpRequest.newBuilder(tokenUri).timeout(timeout).header("Metadata-Flavor", "Google")
                .GET().build();
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new CredentialsException("gcr provider: GET " + tokenUri + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CredentialsException("gcr provider: GET " + tokenUri + ": interrupted");
        }
        if (resp.statusCode() != 200) {
            throw new CredentialsException("gcr provider: GET " + tokenUri + ": HTTP " + resp.statusCode());
        }
        JsonNode body;
        try {
            body = DockerConfig.MAPPER.readTree(resp.body());
        } catch (IOException e) {
            throw new CredentialsException("gcr provider: GET " + tokenUri + ": invalid JSON");
        }
        if (body == null || !body.path("access_token").isTextual() || body.path("access_token").asText().isEmpty()) {
            throw new CredentialsException("gcr provider: GET " + tokenUri + ": response has no access_token");
        }
        String type = body.path("token_type").asText("Bearer");
        if (!type.equalsIgnoreCase("Bearer")) {
            throw new CredentialsException("gcr provider: GET " + tokenUri + ": unexpected token_type " + type);
        }
        long expiresIn = body.path("expires_in").asLong(0);
        token = new Credentials.UsernamePassword("_token", body.get("access_token").asText());
        expiresAt = clock.instant().plusSeconds(expiresIn).minus(EXPIRY_MARGIN);
    }
}
