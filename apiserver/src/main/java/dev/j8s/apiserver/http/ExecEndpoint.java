package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ExecProcess;
import dev.j8s.apiserver.rest.PodExecSource;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;

/**
 * {@code pods/exec}: validates the request like upstream's {@code ExecREST}, starts the command through
 * the kubelet and upgrades the connection to a WebSocket speaking the channel protocol
 * ({@code v5.channel.k8s.io}, else {@code v4.channel.k8s.io}); see the spec's section 14. Errors are
 * answered before the upgrade as a Status, for the WebSocket GET and for kubectl's SPDY POST fallback
 * alike. With a TTY ({@code -t}) the command starts after the upgrade, on a terminal of the client's
 * size (see {@link ExecChannels}). Thread-safe.
 */
final class ExecEndpoint {

    /** The sub-protocols we speak, most preferred first. */
    static final List<String> PROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io");

    private ExecEndpoint() {
    }

    /** The parsed {@code PodExecOptions} of one request. */
    record Options(String container, List<String> command, boolean stdin, boolean stdout, boolean stderr, boolean tty) {
        Options {
            command = List.copyOf(command);
        }
    }

    static void serve(ApiHandler.Exchange ex, ObjectNode pod, String name, Optional<PodExecSource> source) {
        String method = ex.request.getMethod();
        if (!method.equals("GET") && !method.equals("POST")) {
            throw new ApiError.MethodNotSupported();
        }
        Options options = options(ex, pod, name);
        String node = Json.text(pod, "spec.nodeName");
        if (node.isEmpty()) {
            throw new ApiError.BadRequest("pod " + name + " does not have a host assigned");
        }
        PodExecSource kubelet = source.orElseThrow(() -> new ApiError.BadRequest("exec is not available for pod \""
                + name + "\": no kubelet serves node \"" + node + "\" yet"));
        String namespace = Json.text(pod, "metadata.namespace");
        String uid = Json.text(pod, "metadata.uid");
        if (method.equals("POST")) {
            // kubectl's SPDY fallback after a failed WebSocket upgrade: it prints this answer, so it carries
            // the same error as the WebSocket attempt did; we do not speak SPDY/3.1 itself
            kubelet.requireRunning(namespace, name, uid, options.container());
            throw new ApiError.BadRequest("unable to upgrade connection: SPDY/3.1 is not supported by this server, "
                    + "use a WebSocket with sub-protocol " + String.join(" or ", PROTOCOLS));
        }
        if (!ex.header("Upgrade").equalsIgnoreCase("websocket")) {
            throw new ApiError.BadRequest("Upgrade request required");
        }
        String protocol = protocol(ex.request.getHeaders().getValuesList("Sec-WebSocket-Protocol"))
                .orElseThrow(() -> new ApiError.BadRequest("unable to upgrade connection: none of the requested "
                        + "sub-protocols is supported, use one of " + PROTOCOLS));
        ServerWebSocketContainer websockets = ServerWebSocketContainer.get(ex.request.getContext());
        if (websockets == null) {
            throw new ApiError.InternalError("WebSocket support is not configured on this server");
        }
        boolean v5 = protocol.equals("v5.channel.k8s.io");
        boolean upgraded = false;
        if (options.tty()) {
            // the command starts on the upgraded connection, once kubectl told us its terminal size;
            // errors that can be known now are still answered as a plain Status
            kubelet.requireRunning(namespace, name, uid, options.container());
            upgraded = websockets.upgrade((request, response, callback) -> {
                response.setAcceptedSubProtocol(protocol);
                return new ExecChannels(options, v5, size -> kubelet.startTty(namespace, name, uid,
                        options.container(), options.command(), size.width(), size.height()));
            }, ex.request, ex.response, ex.callback());
        } else {
            ExecProcess process = kubelet.start(namespace, name, uid, options.container(), options.command());
            try {
                upgraded = websockets.upgrade((request, response, callback) -> {
                    response.setAcceptedSubProtocol(protocol);
                    return new ExecChannels(process, options, v5);
                }, ex.request, ex.response, ex.callback());
            } finally {
                if (!upgraded) {
                    process.close();
                }
            }
        }
        if (!upgraded) {
            throw new ApiError.BadRequest("unable to upgrade connection: not a valid WebSocket handshake");
        }
        ex.markUpgraded();
    }

    /** The first of our protocols the client offers (the header may be repeated or comma-separated). */
    static Optional<String> protocol(List<String> headerValues) {
        List<String> offered = headerValues.stream()
                .flatMap(v -> java.util.Arrays.stream(v.split(",")))
                .map(String::trim)
                .toList();
        return PROTOCOLS.stream().filter(offered::contains).findFirst();
    }

    static Options options(ApiHandler.Exchange ex, ObjectNode pod, String name) {
        String container = ResourceEndpoints.logContainer(pod, name, ex.param("container"));
        List<String> command = ex.params("command");
        boolean stdin = bool(ex.param("stdin"));
        boolean stdout = bool(ex.param("stdout"));
        boolean stderr = bool(ex.param("stderr"));
        boolean tty = bool(ex.param("tty"));
        if (command.isEmpty()) {
            throw new ApiError.BadRequest("you must specify at least one command for the container");
        }
        if (!stdin && !stdout && !stderr) {
            throw new ApiError.BadRequest("you must specify at least 1 of stdin, stdout, stderr");
        }
        return new Options(container, command, stdin, stdout, stderr, tty);
    }

    private static boolean bool(String v) {
        return v.equals("true") || v.equals("1");
    }
}
