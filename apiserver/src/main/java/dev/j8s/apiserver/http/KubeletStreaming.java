package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.KubeletClient;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The kubelet API's streaming endpoints ({@code /exec}, {@code /attach}, {@code /portForward}) over the same protocol
 * handlers as {@code pods/exec}, {@code pods/attach} and {@code pods/portforward} (WebSocket channels, SPDY/3.1 and the
 * SPDY tunnel), for a kubelet's HTTPS server that an API server proxies these subresources to. The kubelet's query
 * parameters, as an API server writes them ({@code input}, {@code output}, {@code error}, {@code tty},
 * {@code command}; {@code port}), are read as the API's. Thread-safe.
 */
public final class KubeletStreaming {

    /** Which endpoint. */
    public enum Kind { EXEC, ATTACH, PORT_FORWARD }

    private KubeletStreaming() {
    }

    /** Makes {@code server} able to upgrade requests to WebSockets; call before it starts. */
    public static void prepare(Server server) {
        org.eclipse.jetty.websocket.server.ServerWebSocketContainer.ensure(server);
    }

    /**
     * Serves one request for {@code pod}'s {@code container} (empty for a port-forward) through {@code kubelet};
     * errors before the upgrade are answered as a Status. Completes {@code callback}.
     */
    public static void serve(Request request, Response response, Callback callback, Kind kind, Pod pod,
                             String container, KubeletClient kubelet) {
        ApiHandler.Exchange ex = new ApiHandler.Exchange(new ApiQuery(request, container), response, callback);
        ObjectNode node = Json.MAPPER.valueToTree(pod);
        String name = pod.getMetadata().getName();
        try {
            switch (kind) {
                case EXEC -> ExecEndpoint.serve(ex, node, name, Optional.of(kubelet));
                case ATTACH -> ExecEndpoint.serveAttach(ex, node, name, Optional.of(kubelet));
                case PORT_FORWARD -> PortForwardEndpoint.serve(ex, node, name, Optional.of(kubelet));
            }
        } catch (ApiError e) {
            ex.error(e);
        } catch (RuntimeException e) {
            ex.error(new ApiError.InternalError(e.getClass().getSimpleName() + ": " + e.getMessage()));
        } finally {
            ex.finish();
        }
    }

    /** The request with the kubelet's parameters also under the API's names, and the path's container. */
    private static final class ApiQuery extends Request.Wrapper {
        private final HttpURI uri;

        ApiQuery(Request request, String container) {
            super(request);
            Fields query = Request.extractQueryParameters(request);
            StringBuilder q = new StringBuilder(request.getHttpURI().getQuery() == null ? ""
                    : request.getHttpURI().getQuery());
            rename(query, "input", "stdin", q);
            rename(query, "output", "stdout", q);
            rename(query, "error", "stderr", q);
            rename(query, "port", "ports", q);
            if (!container.isEmpty()) {
                add(q, "container", container);
            }
            uri = HttpURI.build(request.getHttpURI()).query(q.toString()).asImmutable();
        }

        private static void rename(Fields query, String kubelet, String api, StringBuilder q) {
            List<String> values = query.getValues(kubelet);
            if (values != null && query.getValues(api) == null) {
                values.forEach(v -> add(q, api, v));
            }
        }

        private static void add(StringBuilder q, String name, String value) {
            if (!q.isEmpty()) {
                q.append('&');
            }
            q.append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }

        @Override
        public HttpURI getHttpURI() {
            return uri;
        }
    }
}
