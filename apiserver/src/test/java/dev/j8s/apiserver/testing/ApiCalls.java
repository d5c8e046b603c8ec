package dev.j8s.apiserver.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Requests to a {@link TlsApiServer} on 127.0.0.1 over HTTPS (HTTP/1.1) with a bearer token, each with a 20 s
 * limit. Thread-safe.
 */
public final class ApiCalls {

    private final HttpClient client;
    private final String base;
    private final String token;

    public ApiCalls(int port, String token) {
        this.client = HttpClient.newBuilder().sslContext(TlsApiServer.trustingContext())
                .sslParameters(TlsApiServer.clientParameters()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        this.base = "https://127.0.0.1:" + port;
        this.token = token;
    }

    /** {@code method path} with {@code body} of {@code contentType} (both may be null); the response as text. */
    public HttpResponse<String> call(String method, String path, String contentType, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = request(path).timeout(Duration.ofSeconds(20));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request to {@code path} with the token, for what {@link #call} does not cover (streams). */
    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token);
    }

    public HttpClient client() {
        return client;
    }

    /** {@code https://127.0.0.1:<port>}. */
    public String base() {
        return base;
    }
}
