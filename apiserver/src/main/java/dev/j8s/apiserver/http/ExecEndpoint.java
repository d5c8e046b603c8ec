package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ExecProcess;
import dev.j8s.apiserver.rest.KubeletClient;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code pods/exec} and {@code pods/attach}: validates the request like upstream's {@code ExecREST} and
 * {@code AttachREST}, starts the command (or attaches to the container's main process) through the kubelet and
 * upgrades the connection to a WebSocket speaking the channel protocol ({@code v5.channel.k8s.io}, else
 * {@code v4.channel.k8s.io}); see the spec's section 14. A POST with {@code Upgrade: SPDY/3.1} (kubectl 1.27-1.29, and
 * the fallback of later ones) gets the same channels over SPDY/3.1 ({@link SpdyConnection}). Errors are answered
 * before the upgrade as a Status, for both. A TTY exec ({@code -t}) starts after the upgrade, on a terminal of the
 * client's size (see {@link ExecChannels}); an attach joins a process that runs already, and the client's sizes resize
 * its terminal. Thread-safe.
 */
final class ExecEndpoint {

    /** The sub-protocols we speak, most preferred first. */
    static final List<String> PROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io");
    static final String SPDY = "SPDY/3.1";

    private ExecEndpoint() {
    }

    /** The parsed {@code PodExecOptions} or {@code PodAttachOptions} (no command) of one request. */
    record Options(String container, List<String> command, boolean stdin, boolean stdout, boolean stderr, boolean tty) {
        Options {
            command = List.copyOf(command);
        }
    }

    /** What the streams connect to: a process the kubelet starts now, or (a TTY exec) once the size is known. */
    private sealed interface Target {
        /** Started after the upgrade was negotiated, before it happens: its errors are still a plain Status. */
        record Running(Supplier<ExecProcess> start) implements Target {
        }

        /** Started on the upgraded connection, on a terminal of the client's first size. */
        record OnTerminal(ExecChannels.Starter starter) implements Target {
        }
    }

    /** {@code pods/exec}. */
    static void serve(ApiHandler.Exchange ex, ObjectNode pod, String name, Optional<KubeletClient> source) {
        requireMethod(ex);
        Options options = options(ex, pod, name);
        KubeletClient kubelet = kubelet(pod, name, source, "exec");
        String namespace = Json.text(pod, "metadata.namespace");
        String uid = Json.text(pod, "metadata.uid");
        if (options.tty()) {
            // the command starts on the upgraded connection, once kubectl told us its terminal size;
            // errors that can be known now are still answered as a plain Status
            kubelet.requireRunning(namespace, name, uid, options.container());
            stream(ex, options, "exec " + options.command(), new Target.OnTerminal(size -> kubelet.execTty(namespace,
                    name, uid, options.container(), options.command(), size.width(), size.height())));
        } else {
            stream(ex, options, "exec " + options.command(), new Target.Running(() -> kubelet.exec(namespace, name,
                    uid, options.container(), options.command())));
        }
    }

    /** {@code pods/attach}: the main process of a running container, which the session joins and leaves running. */
    static void serveAttach(ApiHandler.Exchange ex, ObjectNode pod, String name, Optional<KubeletClient> source) {
        requireMethod(ex);
        Options options = attachOptions(ex, pod, name);
        KubeletClient kubelet = kubelet(pod, name, source, "attach");
        String namespace = Json.text(pod, "metadata.namespace");
        String uid = Json.text(pod, "metadata.uid");
        stream(ex, options, "attach " + namespace + "/" + name + "/" + options.container(), new Target.Running(
                () -> kubelet.attach(namespace, name, uid, options.container(), options.stdin())));
    }

    private static void requireMethod(ApiHandler.Exchange ex) {
        String method = ex.request.getMethod();
        if (!method.equals("GET") && !method.equals("POST")) {
            throw new ApiError.MethodNotSupported();
        }
    }

    private static KubeletClient kubelet(ObjectNode pod, String name, Optional<KubeletClient> source, String what) {
        String node = Json.text(pod, "spec.nodeName");
        if (node.isEmpty()) {
            throw new ApiError.BadRequest("pod " + name + " does not have a host assigned");
        }
        return source.orElseThrow(() -> new ApiError.BadRequest(what + " is not available for pod \"" + name
                + "\": no kubelet serves node \"" + node + "\" yet"));
    }

    /**
     * Upgrades to the channel protocol: a GET to a WebSocket, a POST (kubectl's SPDY/3.1 upgrade, the only transport of
     * kubectl 1.27-1.29 and the fallback of later ones) to a {@link SpdyConnection}, which Jetty installs once the 101
     * with the chosen {@code X-Stream-Protocol-Version} is written.
     */
    private static void stream(ApiHandler.Exchange ex, Options options, String what, Target target) {
        if (ex.request.getMethod().equals("POST")) {
            String protocol = SpdyConnection.negotiate(ex, PROTOCOLS);
            org.eclipse.jetty.io.EndPoint endPoint = ex.request.getConnectionMetaData().getConnection().getEndPoint();
            java.util.concurrent.Executor executor = ex.request.getComponents().getExecutor();
            SpdyConnection connection = switch (target) {
                case Target.OnTerminal t -> new SpdyConnection(endPoint, executor, RemoteCommandStreams.SEND_TIMEOUT,
                        what, session -> new RemoteCommandStreams(session, options, t.starter()));
                case Target.Running r -> {
                    ExecProcess process = r.start().get();
                    yield new SpdyConnection(endPoint, executor, RemoteCommandStreams.SEND_TIMEOUT, what,
                            session -> new RemoteCommandStreams(session, options, process));
                }
            };
            ex.upgradeToSpdy(protocol, connection);
            return;
        }
        if (!ex.header("Upgrade").equalsIgnoreCase("websocket")) {
            throw new ApiError.BadRequest("Upgrade request required");
        }
        String protocol = protocol(ex.request.getHeaders().getValuesList("Sec-WebSocket-Protocol"))
                .orElseThrow(() -> new ApiError.BadRequest("unable to upgrade connection: none of the requested "
                        + "sub-protocols is supported, use one of " + PROTOCOLS));
        boolean v5 = protocol.equals("v5.channel.k8s.io");
        switch (target) {
            case Target.OnTerminal t -> ex.upgradeToWebSocket((request, response, callback) -> {
                response.setAcceptedSubProtocol(protocol);
                return new ExecChannels(options, v5, t.starter());
            });
            case Target.Running r -> {
                ExecProcess process = r.start().get();
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
        List<String> command = ex.params("command");
        if (command.isEmpty()) {
            // container first: upstream validates it before the options
            ResourceEndpoints.logContainer(pod, name, ex.param("container"));
            throw new ApiError.BadRequest("you must specify at least one command for the container");
        }
        Options streams = attachOptions(ex, pod, name);
        return new Options(streams.container(), command, streams.stdin(), streams.stdout(), streams.stderr(),
                streams.tty());
    }

    /**
     * The {@code PodAttachOptions}: the container as upstream defaults it, and at least one stream; with a TTY there is
     * no separate stderr (the kubelet bypasses it, as upstream's {@code NewOptions} does).
     */
    static Options attachOptions(ApiHandler.Exchange ex, ObjectNode pod, String name) {
        String container = ResourceEndpoints.logContainer(pod, name, ex.param("container"));
        boolean stdin = ex.flag("stdin");
        boolean stdout = ex.flag("stdout");
        boolean stderr = ex.flag("stderr");
        boolean tty = ex.flag("tty");
        if (!stdin && !stdout && !stderr) {
            throw new ApiError.BadRequest("you must specify at least 1 of stdin, stdout, stderr");
        }
        return new Options(container, List.of(), stdin, stdout, stderr && !tty, tty);
    }
}
