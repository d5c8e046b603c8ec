package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.admission.Warnings;
import dev.j8s.apiserver.authentication.RequestUser;
import dev.j8s.apiserver.authentication.UserInfo;
import dev.j8s.apiserver.authorization.Attributes;
import dev.j8s.apiserver.authorization.Decision;
import dev.j8s.apiserver.authorization.Forbidden;
import dev.j8s.apiserver.authorization.Impersonation;
import dev.j8s.apiserver.authorization.RequestInfo;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.json.Yaml;
import dev.j8s.apiserver.openapi.OpenApi;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.registry.Resources;
import dev.j8s.apiserver.rest.ObjectService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The API server's HTTP entry: authentication (client certificate or bearer token), impersonation,
 * authorization of the request's attributes, in-flight limits, routing of the non-resource paths
 * (version, health, discovery, OpenAPI, the service-account issuer's OIDC documents) and of resource
 * paths to {@link ResourceEndpoints}, served as the caller ({@link RequestUser}). Every failure is
 * written as a Status. Thread-safe; handlers block on virtual threads.
 */
public final class ApiHandler extends Handler.Abstract {

    private static final System.Logger LOG = System.getLogger(ApiHandler.class.getName());

    /** The subresources whose requests are long-running (upstream's {@code BasicLongRunningRequestCheck}). */
    static final Set<String> LONG_RUNNING_SUBRESOURCES = Set.of("log", "exec", "attach", "portforward", "proxy");
    /**
     * What upstream's timeout filter writes when a request outlives {@code --request-timeout}: the Status of
     * {@code NewTimeoutError("request did not complete within the allotted timeout", 0)} encoded by itself (no kind,
     * {@code details} empty), as Go sniffs its content type; clients print their own words for a 504 without a
     * Status they can decode.
     */
    static final String TIMEOUT_BODY = "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"Timeout: request did not "
            + "complete within the allotted timeout\",\"reason\":\"Timeout\",\"details\":{},\"code\":504}\n";
    /** What upstream's max-in-flight filter writes ({@code http.Error}) with {@code Retry-After: 1}. */
    static final String TOO_MANY_REQUESTS_BODY = "Too many requests, please try again later.\n";
    private static final String PLAIN_TEXT = "text/plain; charset=utf-8";
    /**
     * Each request's deadline. A request that ends in time cancels its task, and the cancelled task leaves the queue
     * at once: kept until it would have run, it held its exchange for the whole request timeout, every request's
     * objects of the last minute surviving into the old generation.
     */
    private static final ScheduledExecutorService TIMER = timer();

    private final AccessControl access;
    private final Resources resources;
    private final Discovery discovery;
    private final OpenApi openApi;
    private final ResourceEndpoints endpoints;
    private final ServingLimits limits;
    private final Semaphore inFlight;
    private final Semaphore mutatingInFlight;
    private final Optional<ConnectionGuard> connections;
    private final String serverAddress;
    private volatile boolean ready = true;

    public ApiHandler(AccessControl access, ObjectService objects, String serverAddress) {
        this(access, objects, serverAddress, ServingLimits.DEFAULT, Optional.empty());
    }

    /**
     * @param limits      request timeout and in-flight limits
     * @param connections the connector's guard, told of every authenticated request
     */
    public ApiHandler(AccessControl access, ObjectService objects, String serverAddress, ServingLimits limits,
                      Optional<ConnectionGuard> connections) {
        this.access = access;
        this.limits = limits;
        this.inFlight = new Semaphore(limits.maxRequestsInFlight());
        this.mutatingInFlight = new Semaphore(limits.maxMutatingRequestsInFlight());
        this.connections = connections;
        this.resources = objects.resources();
        this.discovery = new Discovery(resources);
        this.openApi = new OpenApi(resources);
        this.endpoints = new ResourceEndpoints(objects, access);
        this.serverAddress = serverAddress;
    }

    /** Serves {@code pods/log}, {@code exec}, {@code attach} and {@code portforward} through {@code kubelet} from now on. */
    public void attachKubelet(dev.j8s.apiserver.rest.KubeletClient kubelet) {
        endpoints.attachKubelet(kubelet);
    }

    /** Connections that have not sent an authenticated request yet (0 without a guard), for tests and diagnostics. */
    public int unauthenticatedConnections() {
        return connections.map(ConnectionGuard::unauthenticated).orElse(0);
    }

    /** Marks the server as shutting down: /readyz fails from now on. */
    public void markNotReady() {
        ready = false;
    }

    private static ScheduledExecutorService timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofVirtual().name("j8s-api-timeout").factory());
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Exchange ex = new Exchange(request, response, callback);
        String method = request.getMethod();
        boolean mutating = !(method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS"));
        boolean longRunning = isLongRunning(ex);
        Semaphore limit = mutating ? mutatingInFlight : inFlight;
        boolean acquired = false;
        ScheduledFuture<?> deadline = longRunning ? null : TIMER.schedule(ex::timeOut,
                limits.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            UserInfo user = authenticate(request);
            if (!user.isAnonymous()) {
                connections.ifPresent(c -> c.authenticated(request));
            }
            user = Impersonation.apply(user, headers(request), access.authorizer());
            authorize(user, request);
            if (!longRunning) {
                acquired = limit.tryAcquire();
                if (!acquired) {
                    response.getHeaders().put("Retry-After", "1");
                    response.getHeaders().put("X-Content-Type-Options", "nosniff");
                    ex.text(429, TOO_MANY_REQUESTS_BODY);
                    return true;
                }
            }
            // admission's warnings (PodSecurity) become Warning headers of this response
            RequestUser.runAs(user, () -> Warnings.collecting(ex::warn, () -> route(ex)));
        } catch (ApiError e) {
            ex.error(e);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "request failed method=" + method + " path=" + request.getHttpURI().getPath(), e);
            ex.error(new ApiError.InternalError(e.getClass().getSimpleName() + ": " + e.getMessage()));
        } catch (Error e) {
            // a class that cannot load, a failed assertion: answered and logged like any other failure (upstream
            // recovers a handler's panic the same way); the JVM's own failures go on up once answered
            LOG.log(Level.ERROR, "request failed method=" + method + " path=" + request.getHttpURI().getPath(), e);
            ex.error(new ApiError.InternalError(e.getClass().getSimpleName() + ": " + e.getMessage()));
            if (e instanceof VirtualMachineError) {
                throw e;
            }
        } finally {
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (acquired) {
                limit.release();
            }
            ex.finish();
        }
        return true;
    }

    /**
     * Whether the request is exempt from the request timeout and the in-flight limits, decided as upstream from
     * the parsed path and query: a subresource such as {@code log} or {@code exec}, or a watch (a GET of a
     * collection with {@code watch} true, as {@link ResourceEndpoints} serves it). A {@code watch} anywhere else
     * in the query, or on another verb, does not count.
     */
    static boolean isLongRunning(Exchange ex) {
        Optional<ApiPath> path = ApiPath.parse(ex.request.getHttpURI().getPath());
        if (path.isEmpty() || path.get().plural().isEmpty()) {
            return false;
        }
        if (!path.get().subresource().isEmpty()) {
            return LONG_RUNNING_SUBRESOURCES.contains(path.get().subresource());
        }
        String method = ex.request.getMethod();
        return (method.equals("GET") || method.equals("HEAD")) && path.get().name().isEmpty()
                && ResourceEndpoints.isWatch(ex);
    }

    private UserInfo authenticate(Request request) {
        String auth = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        List<X509Certificate> chain = List.of();
        if (request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData tls
                && tls.peerCertificates() != null) {
            chain = List.of(tls.peerCertificates());
        }
        return access.authenticator().authenticate(auth == null ? "" : auth, chain, request.getHttpURI().getPath());
    }

    /** Upstream's WithAuthorization: the request's attributes must be allowed, else 403 with upstream's text. */
    private void authorize(UserInfo user, Request request) {
        Attributes attributes = RequestInfo.of(user, request.getMethod(), request.getHttpURI().getPath(),
                request.getHttpURI().getQuery());
        Decision decision = access.authorizer().authorize(attributes);
        if (!decision.allowed()) {
            throw Forbidden.of(attributes, decision.reason());
        }
    }

    private static Map<String, List<String>> headers(Request request) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HttpField f : request.getHeaders()) {
            if (f.getName().regionMatches(true, 0, "Impersonate-", 0, "Impersonate-".length())) {
                headers.computeIfAbsent(f.getName(), k -> new ArrayList<>()).add(f.getValue());
            }
        }
        return headers;
    }

    private void route(Exchange ex) {
        String path = ex.request.getHttpURI().getPath();
        String method = ex.request.getMethod();
        switch (path) {
            case "/version", "/version/" -> {
                requireGet(method);
                ex.json(200, version());
                return;
            }
            case "/healthz", "/livez" -> {
                requireGet(method);
                ex.text(200, "ok");
                return;
            }
            case "/readyz" -> {
                requireGet(method);
                if (ready) {
                    ex.text(200, "ok");
                } else {
                    ex.text(503, "[-]shutdown failed: reason withheld\nreadyz check failed");
                }
                return;
            }
            case "/.well-known/openid-configuration" -> {
                requireGet(method);
                ex.bytes(200, "application/json", Exchange.toJson(access.serviceAccounts().openIdConfiguration(serverAddress)),
                        "public, max-age=3600");
                return;
            }
            case "/openid/v1/jwks" -> {
                requireGet(method);
                ex.bytes(200, "application/jwk-set+json", Exchange.toJson(access.serviceAccounts().keys().jwks()),
                        "public, max-age=3600");
                return;
            }
            case "/api", "/api/" -> {
                requireGet(method);
                discoveryRoot(ex, true);
                return;
            }
            case "/apis", "/apis/" -> {
                requireGet(method);
                discoveryRoot(ex, false);
                return;
            }
            case "/openapi/v3", "/openapi/v3/" -> {
                requireGet(method);
                ex.json(200, openApi.v3Index());
                return;
            }
            case "/openapi/v2", "/swagger-2.0.0.pb-v1" -> {
                requireGet(method);
                ex.bytes(200, OpenApi.V2_CONTENT_TYPE, openApi.v2Protobuf());
                return;
            }
            default -> { }
        }
        if (path.startsWith("/openapi/v3/")) {
            requireGet(method);
            byte[] doc = openApi.v3DocumentBytes(path.substring("/openapi/v3/".length()))
                    .orElseThrow(ApiError.NotFound::path);
            ex.bytes(200, "application/json", doc);
            return;
        }
        if (path.startsWith("/apis/") && path.split("/").length == 3) {
            requireGet(method);
            String group = path.split("/")[2];
            ex.json(200, discovery.legacyGroup(group).orElseThrow(ApiError.NotFound::path));
            return;
        }
        ApiPath apiPath = ApiPath.parse(path).orElseThrow(ApiError.NotFound::path);
        if (apiPath.plural().isEmpty()) {
            requireGet(method);
            ex.json(200, discovery.resourceList(apiPath.group(), apiPath.version()).orElseThrow(ApiError.NotFound::path));
            return;
        }
        ResourceType type = resources.find(apiPath.group(), apiPath.version(), apiPath.plural())
                .orElseThrow(ApiError.NotFound::path);
        endpoints.serve(ex, type, apiPath);
    }

    private void discoveryRoot(Exchange ex, boolean core) {
        Negotiation.DiscoveryOutput out = Negotiation.forDiscovery(ex.header("Accept"));
        switch (out) {
            case AGGREGATED_V2 -> ex.bytes(200, Discovery.aggregatedContentType("v2"),
                    Exchange.toJson(discovery.aggregated(core, "v2")));
            case AGGREGATED_V2BETA1 -> ex.bytes(200, Discovery.aggregatedContentType("v2beta1"),
                    Exchange.toJson(discovery.aggregated(core, "v2beta1")));
            case LEGACY -> ex.json(200, core ? discovery.legacyCoreVersions(serverAddress) : discovery.legacyGroupList());
        }
    }

    private static void requireGet(String method) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw new ApiError.MethodNotSupported();
        }
    }

    /** The version document; 1.32 so kubectl's dispatcher picks a WebSocket-capable client. */
    static ObjectNode version() {
        ObjectNode v = Json.object();
        v.put("major", "1");
        v.put("minor", "32");
        v.put("gitVersion", "v1.32.0");
        v.put("gitCommit", "0000000000000000000000000000000000000000");
        v.put("gitTreeState", "clean");
        v.put("buildDate", "2026-01-01T00:00:00Z");
        v.put("goVersion", "java" + Runtime.version().feature());
        v.put("compiler", "j8s");
        v.put("platform", "linux/amd64");
        return v;
    }

    /**
     * One request and its response, with helpers to read the bounded body and write JSON,
     * text or a Status. Not thread-safe; used by the request's own thread, but for {@link #timeOut}, which
     * races it for the response: whoever commits first answers, the other's writes are dropped.
     */
    static final class Exchange {
        /** How much of a body over the limit is read and dropped before the 413, so the client reads the answer. */
        private static final int DRAIN_BYTES = 16 * 1024 * 1024;
        final Request request;
        final Response response;
        private final Callback callback;
        private Fields query;
        private final java.util.concurrent.atomic.AtomicBoolean committed = new java.util.concurrent.atomic.AtomicBoolean();
        private boolean upgraded;
        private OutputStream stream;

        Exchange(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        String header(String name) {
            String v = request.getHeaders().get(name);
            return v == null ? "" : v;
        }

        /** A query parameter's first value, or "" when absent. */
        String param(String name) {
            if (query == null) {
                query = Request.extractQueryParameters(request);
            }
            String v = query.getValue(name);
            return v == null ? "" : v;
        }

        /**
         * A boolean query parameter as upstream's parameter codec reads one: absent, {@code 0} or {@code false} (any
         * case) is false, any other value (also {@code True}, as the Python client sends, and the empty string) true.
         */
        boolean flag(String name) {
            List<String> values = params(name);
            if (values.isEmpty()) {
                return false;
            }
            String v = values.getFirst();
            return !(v.equals("0") || v.equalsIgnoreCase("false"));
        }

        List<String> params(String name) {
            if (query == null) {
                query = Request.extractQueryParameters(request);
            }
            List<String> v = query.getValues(name);
            return v == null ? List.of() : v;
        }

        /** The request body, at most 3 MiB (else 413 with upstream's text). */
        byte[] body() {
            long declared = request.getLength();
            try (InputStream in = Content.Source.asInputStream(request)) {
                if (declared > Json.MAX_BODY_BYTES) {
                    throw tooLarge(in);
                }
                byte[] data = in.readNBytes(Json.MAX_BODY_BYTES + 1);
                if (data.length > Json.MAX_BODY_BYTES) {
                    throw tooLarge(in);
                }
                return data;
            } catch (IOException e) {
                throw new ApiError.BadRequest("unable to read the request body: " + e.getMessage());
            }
        }

        /**
         * The 413 for a body over the limit, after reading and dropping what the client still sends of it (up to
         * {@value #DRAIN_BYTES} bytes): closing a connection with unread data resets it, and the client would see
         * the reset instead of the answer. The connection is closed after the answer.
         */
        private ApiError tooLarge(InputStream in) {
            response.getHeaders().put("Connection", "close");
            try {
                long left = DRAIN_BYTES;
                byte[] drop = new byte[64 * 1024];
                int n;
                while (left > 0 && (n = in.read(drop, 0, (int) Math.min(drop.length, left))) > 0) {
                    left -= n;
                }
            } catch (IOException e) {
                // the client went away: nothing to protect
            }
            return new ApiError.RequestEntityTooLarge("Request entity too large: limit is " + Json.MAX_BODY_BYTES);
        }

        void warn(String text) {
            response.getHeaders().add("Warning", "299 - \"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        }

        void json(int status, JsonNode body) {
            bytes(status, "application/json", toJson(body));
        }

        void yaml(int status, JsonNode body) {
            bytes(status, "application/yaml", Yaml.write(body));
        }

        void text(int status, String body) {
            bytes(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
        }

        void bytes(int status, String contentType, byte[] body) {
            bytes(status, contentType, body, "no-cache, private");
        }

        void bytes(int status, String contentType, byte[] body, String cacheControl) {
            if (committed.compareAndSet(false, true)) {
                write(status, contentType, body, cacheControl);
            }
        }

        private void write(int status, String contentType, byte[] body) {
            write(status, contentType, body, "no-cache, private");
        }

        private void write(int status, String contentType, byte[] body, String cacheControl) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            response.getHeaders().put("Cache-Control", cacheControl);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, Long.toString(body.length));
            if (request.getMethod().equals("HEAD")) {
                response.write(true, null, callback);
            } else {
                response.write(true, java.nio.ByteBuffer.wrap(body), callback);
            }
        }

        /**
         * Starts a streamed (chunked) response and returns its stream; the headers are flushed at once. Over
         * HTTP/1.1 each write to the stream leaves as one whole chunk ({@link WholeChunks}), so a watch event or a
         * followed log line written at once reaches every kind of chunk reader at once.
         */
        OutputStream startStream(int status, String contentType) throws IOException {
            if (!committed.compareAndSet(false, true)) {
                throw new IOException("the response was already written");
            }
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
            response.getHeaders().put("Cache-Control", "no-cache, private");
            OutputStream body = Content.Sink.asOutputStream(response);
            if (request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_1_1) {
                WholeChunks.declare(response.getHeaders());
                body = WholeChunks.over(body);
            }
            stream = body;
            stream.flush();
            return stream;
        }

        /** Answers a redirect to {@code location} with no body. */
        void redirect(int status, String location) {
            if (committed.compareAndSet(false, true)) {
                response.setStatus(status);
                response.getHeaders().put(HttpHeader.LOCATION, location);
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, "0");
                response.write(true, null, callback);
            }
        }

        /**
         * Starts a response with another server's status and headers (a proxied answer) and returns the stream for
         * its body; Jetty frames it.
         */
        OutputStream startProxied(int status, List<Map.Entry<String, String>> headers) throws IOException {
            if (!committed.compareAndSet(false, true)) {
                throw new IOException("the response was already written");
            }
            response.setStatus(status);
            headers.forEach(h -> response.getHeaders().add(h.getKey(), h.getValue()));
            stream = Content.Sink.asOutputStream(response);
            return stream;
        }

        void error(ApiError e) {
            if (committed.get()) {
                return;
            }
            if (e.code() >= 500) {
                LOG.log(Level.WARNING, "request failed path=" + request.getHttpURI().getPath() + " status=" + e.code()
                        + " message=" + e.getMessage());
            }
            json(e.code(), e.toStatus());
        }

        /**
         * Answers a request that outlived the request timeout (a client trickling its body, a slow store) with
         * upstream's 504, unless its response was written already. The handler may go on meanwhile; what it
         * writes later is dropped, and a read of a body that never came ends when Jetty completes the exchange.
         */
        void timeOut() {
            if (!committed.compareAndSet(false, true)) {
                return;
            }
            LOG.log(Level.WARNING, "request timed out method=" + request.getMethod() + " path="
                    + request.getHttpURI().getPath());
            try {
                response.reset(); // what the handler set so far is not part of upstream's answer
            } catch (IllegalStateException e) {
                // committed meanwhile by a stream: nothing else can be said
                return;
            }
            write(504, PLAIN_TEXT, TIMEOUT_BODY.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Upgrades this exchange to a WebSocket whose endpoint {@code creator} makes and marks it upgraded; an
         * invalid handshake is a 400 Status, a server without WebSocket support a 500.
         */
        void upgradeToWebSocket(org.eclipse.jetty.websocket.server.WebSocketCreator creator) {
            var websockets = org.eclipse.jetty.websocket.server.ServerWebSocketContainer.get(request.getContext());
            if (websockets == null) {
                throw new ApiError.InternalError("WebSocket support is not configured on this server");
            }
            if (!websockets.upgrade(creator, request, response, callback)) {
                throw new ApiError.BadRequest("unable to upgrade connection: not a valid WebSocket handshake");
            }
            markUpgraded();
        }

        /**
         * Answers 101 with {@code Upgrade: SPDY/3.1} and the negotiated {@code X-Stream-Protocol-Version}, and hands the
         * socket to {@code connection}, which Jetty installs once the 101 is written; a 101 that cannot be written
         * aborts the connection (and what it started).
         */
        void upgradeToSpdy(String protocol, SpdyConnection connection) {
            markUpgraded();
            request.setAttribute(org.eclipse.jetty.server.HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, connection);
            response.setStatus(101);
            response.getHeaders().put("Connection", "Upgrade");
            response.getHeaders().put("Upgrade", ExecEndpoint.SPDY);
            response.getHeaders().put("X-Stream-Protocol-Version", protocol);
            response.write(true, null, new Callback() {
                @Override
                public void succeeded() {
                    callback.succeeded();
                }

                @Override
                public void failed(Throwable cause) {
                    connection.abort();
                    callback.failed(cause);
                }
            });
        }

        /** Records that the connection was upgraded: the upgrade owns the callback from now on. */
        void markUpgraded() {
            committed.set(true);
            upgraded = true;
        }

        /** Completes the exchange exactly once. */
        void finish() {
            if (upgraded) {
                return;
            }
            if (stream != null) {
                try {
                    stream.close();
                    callback.succeeded();
                } catch (IOException | RuntimeException e) {
                    callback.failed(e);
                }
                return;
            }
            if (!committed.get()) {
                json(500, new ApiError.InternalError("no response was written").toStatus());
            }
        }

        static byte[] toJson(JsonNode node) {
            try {
                return Json.MAPPER.writeValueAsBytes(node);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new ApiError.InternalError("cannot serialize response: " + e.getOriginalMessage());
            }
        }
    }
}
