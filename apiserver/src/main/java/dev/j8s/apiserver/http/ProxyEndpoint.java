package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.registry.ResourceType;
import dev.j8s.apiserver.rest.ObjectService;
import dev.j8s.apiserver.selection.FieldSelector;
import dev.j8s.apiserver.selection.LabelSelector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code pods/proxy} and {@code services/proxy}: HTTP passed through to a pod's address, or to one ready endpoint of a
 * service, with the path after {@code /proxy} and the query unchanged (upstream's {@code ProxyREST} with the
 * {@code ResourceLocation} of pods and services, behind its {@code UpgradeAwareHandler}). The name is
 * {@code [scheme:]name[:port]}; a port number of a service is its service port, a name its port name. A service's
 * endpoint comes from its Endpoints object when there is one, else from the Running and Ready pods its selector picks
 * (the service's target port, a named one resolved on the pod), so a service proxies before anything maintains its
 * Endpoints.
 *
 * <p>Not passed on: the client's credentials ({@code Authorization}, which upstream's authentication filter drops
 * too) and hop-by-hop headers. Refused with a Status: {@code https} back ends and connection upgrades (WebSockets)
 * through the proxy, which j8s does not serve yet. Links in proxied HTML are not rewritten (upstream rewrites
 * absolute links of HTML responses to the proxy's prefix). Thread-safe.
 */
final class ProxyEndpoint {

    private static final System.Logger LOG = System.getLogger(ProxyEndpoint.class.getName());
    /** {@code …/namespaces/{ns}/{plural}/{name}/proxy} and the path after it. */
    private static final Pattern PROXIED_PATH = Pattern.compile("^/(?:api/[^/]+|apis/[^/]+/[^/]+)/namespaces/[^/]+/"
            + "[^/]+/[^/]+/proxy(/.*)?$");
    /** Headers that belong to one connection (RFC 9110 7.6.1) or that the JDK client sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
            "content-length", "expect", "date", "from", "via", "warning", "authorization");
    /**
     * What the answer does not carry on: headers about the back end's connection and its framing, and its Date (this
     * server sends its own).
     */
    private static final Set<String> HOP_BY_HOP = Set.of(":status", "connection", "keep-alive", "proxy-authenticate",
            "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length", "date");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(CONNECT_TIMEOUT)
            .build();

    private ProxyEndpoint() {
    }

    /** Where a request goes: {@code host:port} of the back end. */
    record Location(String host, int port) {
        String authority() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    /** {@code [scheme:]name[:port]} (upstream's {@code SplitSchemeNamePort}). */
    record SchemeNamePort(String scheme, String name, String port) {
        static SchemeNamePort parse(String id, String kind) {
            String[] parts = id.split(":", -1);
            SchemeNamePort parsed = switch (parts.length) {
                case 1 -> new SchemeNamePort("", parts[0], "");
                case 2 -> new SchemeNamePort("", parts[0], parts[1]);
                case 3 -> new SchemeNamePort(parts[0], parts[1], parts[2]);
                default -> null;
            };
            if (parsed == null || parsed.name.isEmpty()
                    || !(parsed.scheme.isEmpty() || parsed.scheme.equals("http") || parsed.scheme.equals("https"))) {
                throw new ApiError.BadRequest("invalid " + kind + " request \"" + id + "\"");
            }
            if (parsed.scheme.equals("https")) {
                throw new ApiError.BadRequest("proxying to an https " + kind + " endpoint is not supported by j8s "
                        + "yet: \"" + id + "\"");
            }
            return parsed;
        }
    }

    static void servePod(ApiHandler.Exchange ex, ObjectService objects, ResourceType pods, String ns, String id) {
        SchemeNamePort target = SchemeNamePort.parse(id, "pod");
        ObjectNode pod = objects.get(pods, ns, target.name());
        String port = target.port();
        if (port.isEmpty()) {
            port = firstContainerPort(pod).map(String::valueOf).orElse("80");
        }
        forward(ex, new Location(proxyableAddress(Json.text(pod, "status.podIP")), parsePort(port, id, "pod")));
    }

    static void serveService(ApiHandler.Exchange ex, ObjectService objects, ResourceType services, String ns,
            String id) {
        SchemeNamePort target = SchemeNamePort.parse(id, "service");
        ObjectNode service = objects.get(services, ns, target.name());
        String portName = target.port();
        Optional<JsonNode> servicePort;
        if (portName.matches("\\d+")) {
            int number = Integer.parseInt(portName);
            servicePort = elements(service.path("spec").path("ports")).stream()
                    .filter(p -> p.path("port").asInt() == number).findFirst();
            if (servicePort.isEmpty()) {
                throw new ApiError.ServiceUnavailable("no service port " + number + " found for service \""
                        + target.name() + "\"");
            }
        } else {
            servicePort = elements(service.path("spec").path("ports")).stream()
                    .filter(p -> p.path("name").asText("").equals(portName)).findFirst();
        }
        String wanted = servicePort.map(p -> p.path("name").asText("")).orElse(portName);
        ResourceType endpointsType = objects.resources().find("", "v1", "endpoints").orElseThrow();
        Optional<ObjectNode> endpoints = objects.find(endpointsType, ns, target.name());
        List<Location> candidates;
        if (endpoints.isPresent()) {
            candidates = fromEndpoints(endpoints.get(), wanted);
        } else if (service.path("spec").path("selector").isObject()
                && !service.path("spec").path("selector").isEmpty() && servicePort.isPresent()) {
            candidates = fromSelector(objects, ns, service, servicePort.get());
        } else {
            throw new ApiError.NotFound("endpoints", target.name());
        }
        if (candidates.isEmpty()) {
            throw new ApiError.ServiceUnavailable("no endpoints available for service \"" + target.name() + "\"");
        }
        forward(ex, candidates.get(ThreadLocalRandom.current().nextInt(candidates.size())));
    }

    /** The ready addresses of the Endpoints' subsets that have the port named {@code portName}. */
    private static List<Location> fromEndpoints(ObjectNode endpoints, String portName) {
        List<Location> found = new ArrayList<>();
        for (JsonNode subset : elements(endpoints.path("subsets"))) {
            for (JsonNode port : elements(subset.path("ports"))) {
                if (port.path("name").asText("").equals(portName)) {
                    for (JsonNode address : elements(subset.path("addresses"))) {
                        found.add(new Location(address.path("ip").asText(), port.path("port").asInt()));
                    }
                }
            }
        }
        return found;
    }

    /** The Running and Ready pods the service's selector picks, on the service port's target port. */
    private static List<Location> fromSelector(ObjectService objects, String ns, ObjectNode service,
            JsonNode servicePort) {
        ResourceType pods = objects.resources().find("", "v1", "pods").orElseThrow();
        List<String> requirements = new ArrayList<>();
        service.path("spec").path("selector").properties()
                .forEach(e -> requirements.add(e.getKey() + "=" + e.getValue().asText()));
        LabelSelector selector = LabelSelector.parse(String.join(",", requirements));
        List<Location> found = new ArrayList<>();
        for (ObjectNode pod : objects.list(pods, ns, selector, FieldSelector.everything()).items()) {
            String ip = Json.text(pod, "status.podIP");
            if (!Json.text(pod, "status.phase").equals("Running") || ip.isEmpty() || !ready(pod)
                    || pod.path("metadata").has("deletionTimestamp")) {
                continue;
            }
            JsonNode targetPort = servicePort.path("targetPort");
            if (targetPort.isMissingNode() || targetPort.isNull()) {
                found.add(new Location(ip, servicePort.path("port").asInt()));
            } else if (targetPort.isInt() || targetPort.asText().matches("\\d+")) {
                found.add(new Location(ip, targetPort.isInt() ? targetPort.asInt()
                        : Integer.parseInt(targetPort.asText())));
            } else {
                namedContainerPort(pod, targetPort.asText()).ifPresent(port -> found.add(new Location(ip, port)));
            }
        }
        return found;
    }

    private static boolean ready(ObjectNode pod) {
        return elements(pod.path("status").path("conditions")).stream()
                .anyMatch(c -> c.path("type").asText().equals("Ready") && c.path("status").asText().equals("True"));
    }

    private static Optional<Integer> namedContainerPort(ObjectNode pod, String name) {
        return elements(pod.path("spec").path("containers")).stream()
                .flatMap(c -> elements(c.path("ports")).stream())
                .filter(p -> p.path("name").asText("").equals(name))
                .map(p -> p.path("containerPort").asInt())
                .findFirst();
    }

    private static Optional<Integer> firstContainerPort(ObjectNode pod) {
        return elements(pod.path("spec").path("containers")).stream()
                .flatMap(c -> elements(c.path("ports")).stream())
                .map(p -> p.path("containerPort").asInt())
                .findFirst();
    }

    private static List<JsonNode> elements(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list;
    }

    /** A pod address the API server may proxy to: a unicast address the pod got (upstream's check). */
    private static String proxyableAddress(String ip) {
        try {
            if (!ip.isEmpty() && ip.matches("[0-9a-fA-F.:]+")) {
                InetAddress address = InetAddress.ofLiteral(ip);
                if (!address.isAnyLocalAddress() && !address.isLoopbackAddress() && !address.isLinkLocalAddress()
                        && !address.isMulticastAddress()) {
                    return ip;
                }
            }
        } catch (IllegalArgumentException e) {
            // not an address
        }
        throw new ApiError.BadRequest("address not allowed");
    }

    private static int parsePort(String port, String id, String kind) {
        try {
            int n = Integer.parseInt(port);
            if (n > 0 && n < 65536) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ApiError.BadRequest("invalid " + kind + " request \"" + id + "\"");
    }

    /** The path after {@code /proxy} in the request (still encoded), "" when there is none. */
    static String proxiedPath(String requestPath) {
        Matcher m = PROXIED_PATH.matcher(requestPath);
        return m.matches() && m.group(1) != null ? m.group(1) : "";
    }

    /**
     * Sends the request on to {@code location} and streams the answer back; a request for the proxy's root without
     * the trailing slash is redirected to it first, as upstream does so that relative links resolve.
     */
    private static void forward(ApiHandler.Exchange ex, Location location) {
        String requestPath = ex.request.getHttpURI().getPath();
        String query = ex.request.getHttpURI().getQuery();
        String path = proxiedPath(requestPath);
        if (path.isEmpty()) {
            ex.redirect(301, requestPath + "/" + (query == null || query.isEmpty() ? "" : "?" + query));
            return;
        }
        // a client's offer of cleartext HTTP/2 (h2c, as the JDK's client makes it) is declined by answering in HTTP/1.1
        if (!ex.header("Upgrade").isEmpty() && !ex.header("Upgrade").equalsIgnoreCase("h2c")) {
            throw new ApiError.BadRequest("upgrading a connection (" + ex.header("Upgrade") + ") through the proxy "
                    + "subresource is not supported by j8s yet");
        }
        URI uri = URI.create("http://" + location.authority() + path
                + (query == null || query.isEmpty() ? "" : "?" + query));
        String method = ex.request.getMethod();
        HttpRequest.BodyPublisher body = switch (method) {
            case "GET", "HEAD", "DELETE", "OPTIONS" -> ex.request.getLength() > 0
                    ? HttpRequest.BodyPublishers.ofByteArray(ex.body()) : HttpRequest.BodyPublishers.noBody();
            default -> HttpRequest.BodyPublishers.ofByteArray(ex.body());
        };
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).method(method, body).timeout(Duration.ofMinutes(30));
        Set<String> connectionHeaders = connectionTokens(ex.header("Connection"));
        for (var field : ex.request.getHeaders()) {
            String name = field.getName().toLowerCase(Locale.ROOT);
            if (!NOT_FORWARDED.contains(name) && !connectionHeaders.contains(name)) {
                request.header(field.getName(), field.getValue());
            }
        }
        String client = ex.request.getConnectionMetaData().getRemoteSocketAddress() instanceof
                java.net.InetSocketAddress remote ? remote.getAddress().getHostAddress() : "";
        if (!client.isEmpty()) {
            String before = ex.header("X-Forwarded-For");
            request.setHeader("X-Forwarded-For", before.isEmpty() ? client : before + ", " + client);
        }
        HttpResponse<InputStream> response;
        try {
            response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new ApiError.ServiceUnavailable("error trying to reach service: " + dialError(e, location));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError.ServiceUnavailable("error trying to reach service: interrupted");
        }
        try (InputStream in = response.body()) {
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            Set<String> answerConnection = connectionTokens(
                    response.headers().firstValue("connection").orElse(""));
            response.headers().map().forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (!HOP_BY_HOP.contains(lower) && !answerConnection.contains(lower)) {
                    values.forEach(v -> headers.add(Map.entry(name, v)));
                }
            });
            OutputStream out = ex.startProxied(response.statusCode(), headers);
            in.transferTo(out);
        } catch (IOException e) {
            // the back end or the client went away mid-answer: what was sent is all there is
            LOG.log(Level.DEBUG, "proxied answer ended early uri=" + uri + " error=" + e);
        }
    }

    private static Set<String> connectionTokens(String header) {
        Set<String> tokens = new java.util.HashSet<>();
        for (String token : header.split(",")) {
            if (!token.isBlank()) {
                tokens.add(token.trim().toLowerCase(Locale.ROOT));
            }
        }
        return tokens;
    }

    /** Go's wording of a failed dial, which is what clients of upstream's proxy see. */
    private static String dialError(IOException e, Location location) {
        if (e instanceof ConnectException && !(e instanceof HttpConnectTimeoutException)) {
            return "dial tcp " + location.authority() + ": connect: connection refused";
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "dial tcp " + location.authority() + ": i/o timeout";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
