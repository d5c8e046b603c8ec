package dev.j8s.apiserver.testing;

import dev.j8s.apiserver.ApiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension owning one {@link TlsApiServer} for a test class, in a temporary directory, and the
 * {@link ApiCalls} of its admin token; the server is closed and the directory deleted after the class. Register
 * it on a static field; not thread-safe.
 */
public final class TlsApiServerExtension implements BeforeAllCallback, AfterAllCallback {

    private final String token;
    private Path dir;
    private ApiServer server;
    private ApiCalls api;

    public TlsApiServerExtension(String token) {
        this.token = token;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("j8s-apiserver-it-");
        server = TlsApiServer.start(dir, token);
        api = new ApiCalls(server.port(), token);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (server != null) {
            server.close();
        }
        if (dir != null) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    public ApiServer server() {
        return server;
    }

    public ApiCalls api() {
        return api;
    }
}
