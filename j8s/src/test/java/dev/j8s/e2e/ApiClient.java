package dev.j8s.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.json.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Raw HTTPS requests to a j8s API server, trusting only the CA from its kubeconfig, for what kubectl
 * cannot send (malformed bodies, oversized bodies, requests without a token). Thread-safe.
 */
final class ApiClient {

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;
    private final URI server;
    private final Optional<String> token;

    private ApiClient(HttpClient http, URI server, Optional<String> token) {
        this.http = http;
        this.server = server;
        this.token = token;
    }

    /** A client presenting the kubeconfig's bearer token on every request. */
    static ApiClient of(ClusterAccess access) {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(trusting(access.caPem()))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        return new ApiClient(http, access.server(), Optional.of(access.token()));
    }

    /** The same server and trust, presenting {@code other} as bearer token. */
    ApiClient withToken(String other) {
        return new ApiClient(http, server, Optional.of(other));
    }

    /** The same server and trust, without an {@code Authorization} header. */
    ApiClient withoutToken() {
        return new ApiClient(http, server, Optional.empty());
    }

    Response get(String path) {
        return send("GET", path, "", new byte[0]);
    }

    Response post(String path, String contentType, byte[] body) {
        return send("POST", path, contentType, body);
    }

    Response postJson(String path, String json) {
        return post(path, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /** A POST with {@code Expect: 100-continue}, so that the server can answer before the body is sent. */
    Response postExpectingContinue(String path, String contentType, byte[] body) {
        return send("POST", path, contentType, body, true);
    }

    /** Sends one request; I/O failures (a dead server) surface as {@link UncheckedIOException}. */
    Response send(String method, String path, String contentType, byte[] body) {
        return send(method, path, contentType, body, false);
    }

    private Response send(String method, String path, String contentType, byte[] body, boolean expectContinue) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.resolve(path))
                .expectContinue(expectContinue)
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json")
                .method(method, body.length == 0 && !"POST".equals(method)
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (!contentType.isEmpty()) {
            request.header("Content-Type", contentType);
        }
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " on " + server, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " " + path + " interrupted", e);
        }
    }

    /** One HTTP answer. */
    record Response(int status, HttpHeaders headers, byte[] bytes) {

        String body() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return Json.MAPPER.readTree(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("response is not JSON: " + body(), e);
            }
        }

        @Override
        public String toString() {
            String text = body();
            return "HTTP " + status + " " + (text.length() > 2000 ? text.substring(0, 2000) + "…" : text);
        }
    }

    private static SSLContext trusting(String caPem) {
        try {
            CertificateFactory certificates = CertificateFactory.getInstance("X.509");
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (var cert : certificates.generateCertificates(
                    new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII)))) {
                trust.setCertificateEntry("ca-" + i++, (X509Certificate) cert);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("trust the kubeconfig's CA", e);
        }
    }
}
