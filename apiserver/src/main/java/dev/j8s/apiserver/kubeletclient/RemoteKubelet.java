package dev.j8s.apiserver.kubeletclient;

import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.rest.ExecProcess;
import dev.j8s.apiserver.rest.KubeletClient;
import dev.j8s.apiserver.rest.LogQuery;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A node's kubelet API over HTTPS, the client half of upstream's kubelet server: {@code GET
 * /containerLogs/{namespace}/{pod}/{container}} with {@code PodLogOptions} as query parameters, and {@code
 * /exec/{namespace}/{pod}/{container}?command=…&input=1&output=1&error=1&tty=…} and {@code /attach/…} over WebSocket
 * with the channel protocol ({@code v5.channel.k8s.io}, else {@code v4.channel.k8s.io}), the protocols the API server forwards. The
 * TLS context carries the API server's kubelet client certificate. Errors are worded as upstream's API server words
 * them: an unreachable kubelet is {@code Get "https://…": dial tcp …: connect: connection refused} for logs and
 * {@code error dialing backend: dial tcp …} for exec; what the kubelet answers with an error status is passed on
 * with its text. Thread-safe.
 */
final class RemoteKubelet {

    static final List<String> EXEC_PROTOCOLS = List.of("v5.channel.k8s.io", "v4.channel.k8s.io");
    private static final Duration DIAL_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http;

    RemoteKubelet(SSLContext tls) {
        SSLParameters parameters = tls.getDefaultSSLParameters();
        this.http = HttpClient.newBuilder().sslContext(tls).sslParameters(parameters)
                .connectTimeout(DIAL_TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();
    }

    /** The container's log as the kubelet streams it. */
    InputStream log(KubeletEndpoint kubelet, String namespace, String pod, String container, LogQuery query) {
        List<String> params = new ArrayList<>();
        if (query.follow()) {
            params.add("follow=true");
        }
        if (query.previous()) {
            params.add("previous=true");
        }
        query.sinceSeconds().ifPresent(s -> params.add("sinceSeconds=" + s));
        query.sinceTime().ifPresent(t -> params.add("sinceTime=" + encode(DateTimeFormatter.ISO_INSTANT.format(t))));
        if (query.timestamps()) {
            params.add("timestamps=true");
        }
        query.tailLines().ifPresent(n -> params.add("tailLines=" + n));
        query.limitBytes().ifPresent(n -> params.add("limitBytes=" + n));
        URI uri = URI.create("https://" + kubelet.hostPort() + "/containerLogs/" + path(namespace) + "/" + path(pod)
                + "/" + path(container) + (params.isEmpty() ? "" : "?" + String.join("&", params)));
        HttpResponse<InputStream> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new ApiError.Unknown("Get \"" + uri + "\": " + dialError(kubelet, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError.Timeout("the log request was interrupted");
        }
        if (response.statusCode() / 100 != 2) {
            throw answered(response.statusCode(), readAll(response.body()));
        }
        return response.body();
    }

    /** Checks that the kubelet answers at all (exec's errors before the client's connection is upgraded). */
    void requireReachable(KubeletEndpoint kubelet) {
        try (var socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(kubelet.host(), kubelet.port()),
                    (int) DIAL_TIMEOUT.toMillis());
        } catch (IOException e) {
            throw new ApiError.Unknown("error dialing backend: " + dialError(kubelet, e));
        }
    }

    /** The kubelet's two channel-protocol endpoints. */
    enum Stream {
        EXEC("exec"), ATTACH("attach");

        private final String path;

        Stream(String path) {
            this.path = path;
        }
    }

    /**
     * Starts {@code command} in the container through the kubelet's exec endpoint, or joins its main process
     * through the attach endpoint ({@code command} empty).
     */
    ExecProcess exec(KubeletEndpoint kubelet, Stream stream, String namespace, String pod, String container,
            List<String> command, boolean input, boolean tty, int width, int height) {
        StringBuilder query = new StringBuilder();
        for (String c : command) {
            query.append("command=").append(encode(c)).append('&');
        }
        query.append("input=").append(input ? "1" : "0").append("&output=1&error=").append(tty ? "0" : "1")
                .append("&tty=").append(tty ? "1" : "0");
        URI uri = URI.create("wss://" + kubelet.hostPort() + "/" + stream.path + "/" + path(namespace) + "/"
                + path(pod) + "/" + path(container) + "?" + query);
        ChannelExec session = new ChannelExec(tty);
        connect(kubelet, uri, EXEC_PROTOCOLS, session);
        if (tty && width > 0 && height > 0) {
            session.resize(width, height);
        }
        return session;
    }

    /** The body of a refused WebSocket handshake, which the JDK hands over as bytes. */
    static String handshakeBody(Object body) {
        if (body instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return body == null ? "" : body.toString();
    }

    /**
     * The pod's ports through the kubelet's {@code /portForward/{namespace}/{pod}?port=N} WebSocket (the kubelet
     * reads the {@code port} query parameter, upstream's {@code PortHeader}), one socket per connection.
     */
    KubeletClient.PortForwarder portForward(KubeletEndpoint kubelet, String namespace, String pod) {
        requireReachable(kubelet);
        return port -> {
            URI uri = URI.create("wss://" + kubelet.hostPort() + "/portForward/" + path(namespace) + "/" + path(pod)
                    + "?port=" + port);
            ChannelPortForward connection = new ChannelPortForward(namespace + "/" + pod + ":" + port);
            try {
                connect(kubelet, uri, List.of("v4.channel.k8s.io"), connection);
            } catch (ApiError e) {
                throw new IOException(e.getMessage(), e);
            }
            return connection;
        };
    }

    /** Opens the WebSocket at {@code uri} offering {@code protocols} and hands it to {@code session}. */
    private void connect(KubeletEndpoint kubelet, URI uri, List<String> protocols, ChannelSocket session) {
        WebSocket ws;
        try {
            ws = http.newWebSocketBuilder().subprotocols(protocols.getFirst(),
                            protocols.subList(1, protocols.size()).toArray(String[]::new))
                    .connectTimeout(DIAL_TIMEOUT).buildAsync(uri, session.listener())
                    .get(DIAL_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof WebSocketHandshakeException handshake) {
                HttpResponse<?> response = handshake.getResponse();
                throw answered(response.statusCode(), handshakeBody(response.body()));
            }
            throw new ApiError.Unknown("error dialing backend: " + dialError(kubelet, cause));
        } catch (TimeoutException e) {
            throw new ApiError.Unknown("error dialing backend: dial tcp " + kubelet.hostPort() + ": i/o timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError.Timeout("the request to the kubelet was interrupted");
        }
        session.connected(ws);
    }

    /** An error status the kubelet answered, passed on as upstream's API server passes it. */
    private static ApiError answered(int code, String body) {
        String text = body.strip();
        return switch (code) {
            case 400 -> new ApiError.BadRequest(text);
            case 401, 403 -> new ApiError.Forbidden(text);
            default -> new ApiError.Unknown(text);
        };
    }

    /** Go's dial error text for what the JDK reported. */
    static String dialError(KubeletEndpoint kubelet, Throwable e) {
        String prefix = "dial tcp " + kubelet.hostPort() + ": ";
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof ConnectException)
                && !(cause instanceof NoRouteToHostException) && !(cause instanceof UnknownHostException)) {
            cause = cause.getCause();
        }
        if (cause instanceof NoRouteToHostException) {
            return prefix + "connect: no route to host";
        }
        if (cause instanceof UnknownHostException) {
            return "dial tcp: lookup " + kubelet.host() + ": no such host";
        }
        if (cause instanceof HttpConnectTimeoutException || cause instanceof HttpTimeoutException
                || cause instanceof java.net.SocketTimeoutException) {
            return prefix + "i/o timeout";
        }
        if (cause instanceof ConnectException) {
            return prefix + "connect: connection refused";
        }
        return prefix + String.valueOf(cause.getMessage());
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String path(String segment) {
        return encode(segment);
    }
}
