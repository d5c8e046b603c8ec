package dev.j8s.apiserver.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ExecProcess;
import dev.j8s.apiserver.rest.KubeletClient;
import dev.j8s.apiserver.rest.LogQuery;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;

/**
 * Just enough of an API server over plain HTTP on 127.0.0.1 for the real kubectl to run {@code exec} and
 * {@code port-forward} against one Running pod {@code default/shell}, whose kubelet is a test's
 * {@link KubeletClient}; the streaming endpoints under test serve the subresources. Not thread-safe to set up; serves
 * concurrently.
 */
final class MiniApi implements AutoCloseable {

    static final Path KUBECTL_127 = Path.of("/usr/lib/google-cloud-sdk/bin/kubectl.1.27");
    static final Path KUBECTL_132 = Path.of("/usr/lib/google-cloud-sdk/bin/kubectl.1.32");

    private final Server server;
    private final int port;

    private MiniApi(Server server, int port) {
        this.server = server;
        this.port = port;
    }

    /** Starts serving {@code kubelet}'s pod on a free port. */
    static MiniApi start(KubeletClient kubelet) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                ApiHandler.Exchange ex = new ApiHandler.Exchange(request, response, callback);
                String path = request.getHttpURI().getPath();
                try {
                    switch (path) {
                        case "/api" -> ex.json(200, Json.MAPPER.readTree("{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],"
                                + "\"serverAddressByClientCIDRs\":[]}"));
                        case "/api/v1" -> ex.json(200, Json.MAPPER.readTree("{\"kind\":\"APIResourceList\","
                                + "\"groupVersion\":\"v1\",\"resources\":[{\"name\":\"pods\",\"singularName\":\"pod\","
                                + "\"namespaced\":true,\"kind\":\"Pod\",\"verbs\":[\"get\",\"list\"]}]}"));
                        case "/apis" -> ex.json(200, Json.MAPPER.readTree("{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\","
                                + "\"groups\":[]}"));
                        case "/api/v1/namespaces/default/pods/shell" -> ex.json(200, pod());
                        case "/api/v1/namespaces/default/pods/shell/exec" ->
                            ExecEndpoint.serve(ex, pod(), "shell", Optional.of(kubelet));
                        case "/api/v1/namespaces/default/pods/shell/portforward" ->
                            PortForwardEndpoint.serve(ex, pod(), "shell", Optional.of(kubelet));
                        default -> ex.json(404, new ApiError.NotFound("pods", path).toStatus());
                    }
                } catch (ApiError e) {
                    ex.error(e);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                ex.finish();
                return true;
            }
        });
        ServerWebSocketContainer.ensure(server);
        server.start();
        return new MiniApi(server, connector.getLocalPort());
    }

    static ObjectNode pod() throws IOException {
        return (ObjectNode) Json.MAPPER.readTree("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"shell\","
                + "\"namespace\":\"default\",\"uid\":\"u1\"},\"spec\":{\"nodeName\":\"n\",\"containers\":[{\"name\":\"shell\","
                + "\"image\":\"busybox\"}]},\"status\":{\"phase\":\"Running\"}}");
    }

    int port() {
        return port;
    }

    /** A kubectl command line against this server ({@code --request-timeout=20s}); skips when it is not installed. */
    List<String> kubectl(Path binary, String... args) {
        assumeTrue(Files.isExecutable(binary), binary + " is not installed");
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--server=http://127.0.0.1:" + port,
                "--request-timeout=20s"));
        command.addAll(List.of(args));
        return command;
    }

    /** What one kubectl run printed and how it exited. */
    record Run(int exitCode, String stdout, String stderr) {
    }

    /** Runs kubectl to completion (at most 40 s) with {@code stdin} and a clean {@code HOME}. */
    Run run(Path home, String stdin, Path binary, String... args) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(kubectl(binary, args));
        builder.environment().keySet().removeIf(k -> k.startsWith("KUBE"));
        builder.environment().put("HOME", home.toString());
        Path out = Files.createTempFile(home, "out", "");
        Path err = Files.createTempFile(home, "err", "");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = builder.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor(40, TimeUnit.SECONDS)).as("kubectl finished").isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** A kubelet that serves nothing; tests override what they use. */
    abstract static class Kubelet implements KubeletClient {
        @Override
        public InputStream log(String namespace, String pod, String uid, String container, LogQuery query) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void requireRunning(String namespace, String pod, String uid, String container) {
        }

        @Override
        public ExecProcess exec(String namespace, String pod, String uid, String container, List<String> command) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ExecProcess execTty(String namespace, String pod, String uid, String container, List<String> command,
                int width, int height) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ExecProcess attach(String namespace, String pod, String uid, String container, boolean stdin) {
            throw new UnsupportedOperationException();
        }

        @Override
        public PortForwarder portForward(String namespace, String pod, String uid) {
            throw new UnsupportedOperationException();
        }
    }
}
