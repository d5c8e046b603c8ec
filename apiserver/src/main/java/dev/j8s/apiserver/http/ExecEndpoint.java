package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ExecProcess;
import dev.j8s.apiserver.rest.KubeletClient;
import java.util.List;
import java.util.Optional;

/**
 * {@code pods/exec}: validates the request like upstream's {@code ExecREST}, starts the command through
 * the kubelet and upgrades the connection to a WebSocket speaking the channel protocol
 * ({@code v5.channel.k8s.io}, else {@code v4.channel.k8s.io}); see the spec's section 14. A POST with
 * {@code Upgrade: SPDY/3.1} (kubectl 1.27-1.29, and the fallback of later ones) gets the same channels
 * over SPDY/3.1 ({@link SpdyConnection}). Errors are answered before the upgrade as a Status, for both. With a TTY ({@code -t}) the command starts after the upgrade, on a terminal of the client's
 * size (see {@link ExecChannels}). Thread-safe.
 */
final class ExecEndpoint {

    /** The sub-protocols we speak, most preferred first. */
    static final List<String> PROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io");
    static final String SPDY = "SPDY/3.1";

    private ExecEndpoint() {
    }

    /** The parsed {@code PodExecOptions} of one request. */
    record Options(String container, List<String> command, boolean stdin, boolean stdout, boolean stderr, boolean tty) {
        Options {
            command = List.copyOf(command);
        }
    }

    static void serve(ApiHandler.Exchange ex, ObjectNode pod, String name, Optional<KubeletClient> source) {
        String method = ex.request.getMethod();
        if (!method.equals("GET") && !method.equals("POST")) {
            throw new ApiError.MethodNotSupported();
        }
        Options options = options(ex, pod, name);
        String node = Json.text(pod, "spec.nodeName");
        if (node.isEmpty()) {
            throw new ApiError.BadRequest("pod " + name + " does not have a host assigned");
        }
        KubeletClient kubelet = source.orElseThrow(() -> new ApiError.BadRequest("exec is not available for pod \""
                + name + "\": no kubelet serves node \"" + node + "\" yet"));
        String namespace = Json.text(pod, "metadata.namespace");
        String uid = Json.text(pod, "metadata.uid");
        if (method.equals("POST")) {
            serveSpdy(ex, options, kubelet, namespace, name, uid);
            return;
        }
        if (!ex.header("Upgrade").equalsIgnoreCase("websocket")) {
            throw new ApiError.BadRequest("Upgrade request required");
        }
        String protocol = protocol(ex.request.getHeaders().getValuesList("Sec-WebSocket-Protocol"))
                .orElseThrow(() -> new ApiError.BadRequest("unable to upgrade connection: none of the requested "
                        + "sub-protocols is supported, use one of " + PROTOCOLS));
        boolean v5 = protocol.equals("v5.channel.k8s.io");
        if (options.tty()) {
            // the command starts on the upgraded connection, once kubectl told us its terminal size;
            // errors that can be known now are still answered as a plain Status
            kubelet.requireRunning(namespace, name, uid, options.container());
            ex.upgradeToWebSocket((request, response, callback) -> {
                response.setAcceptedSubProtocol(protocol);
                return new ExecChannels(options, v5, size -> kubelet.execTty(namespace, name, uid,
                        options.container(), options.command(), size.width(), size.height()));
            });
        } else {
            ExecProcess process = kubelet.exec(namespace, name, uid, options.container(), options.command());
            boolean upgraded = false;
            try {
                ex.upgradeToWebSocket((request, response, callback) -> {
                    response.setAcceptedSubProtocol(protocol);
                    return new ExecChannels(process, options, v5);
                });
                upgraded = true;
            } finally {
                if (!upgraded) {
                    process.close();
                }
            }
        }
    }

    /**
     * kubectl's SPDY/3.1 upgrade (the only transport of kubectl 1.27-1.29, the fallback of later ones):
     * answers 101 with the chosen {@code X-Stream-Protocol-Version} and hands the connection to a
     * {@link SpdyConnection}, which Jetty installs once the 101 is written. As for the WebSocket, a
     * command without TTY starts before the upgrade (its errors are a plain Status), one with a TTY
     * once the client sent its terminal size.
     */
    private static void serveSpdy(ApiHandler.Exchange ex, Options options, KubeletClient kubelet, String namespace,
            String name, String uid) {
        String protocol = SpdyConnection.negotiate(ex, PROTOCOLS);
        org.eclipse.jetty.io.EndPoint endPoint = ex.request.getConnectionMetaData().getConnection().getEndPoint();
        java.util.concurrent.Executor executor = ex.request.getComponents().getExecutor();
        String what = "exec " + options.command();
        SpdyConnection connection;
        if (options.tty()) {
            kubelet.requireRunning(namespace, name, uid, options.container());
            connection = new SpdyConnection(endPoint, executor, RemoteCommandStreams.SEND_TIMEOUT, what,
                    session -> new RemoteCommandStreams(session, options, size -> kubelet.execTty(namespace, name,
                            uid, options.container(), options.command(), size.width(), size.height())));
        } else {
            ExecProcess process = kubelet.exec(namespace, name, uid, options.container(), options.command());
            connection = new SpdyConnection(endPoint, executor, RemoteCommandStreams.SEND_TIMEOUT, what,
                    session -> new RemoteCommandStreams(session, options, process));
        }
        ex.upgradeToSpdy(protocol, connection);
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
        boolean stdin = ex.flag("stdin");
        boolean stdout = ex.flag("stdout");
        boolean stderr = ex.flag("stderr");
        boolean tty = ex.flag("tty");
        if (command.isEmpty()) {
            throw new ApiError.BadRequest("you must specify at least one command for the container");
        }
        if (!stdin && !stdout && !stderr) {
            throw new ApiError.BadRequest("you must specify at least 1 of stdin, stdout, stderr");
        }
        return new Options(container, command, stdin, stdout, stderr, tty);
    }
}
