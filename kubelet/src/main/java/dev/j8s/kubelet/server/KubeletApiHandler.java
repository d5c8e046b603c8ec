package dev.j8s.kubelet.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.api.Cluster;
import dev.j8s.api.ClusterException;
import dev.j8s.kubelet.Kubelet;
import dev.j8s.kubelet.logs.LogOptions;
import dev.j8s.kubelet.logs.LogsException;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * One request to the kubelet API: authentication, authorization, then the endpoint, as upstream's kubelet server
 * ({@code pkg/kubelet/server/server.go} and {@code auth.go}); thread-safe.
 */
final class KubeletApiHandler extends Handler.Abstract {

    private static final System.Logger LOG = System.getLogger(KubeletApiHandler.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String nodeName;
    private final Cluster cluster;
    private final Kubelet kubelet;
    private final List<X509Certificate> clientCas;
    private final KubeletServer.Streaming streaming;
    private final Clock clock;

    KubeletApiHandler(String nodeName, Cluster cluster, Kubelet kubelet, List<X509Certificate> clientCas,
                      KubeletServer.Streaming streaming, Clock clock) {
        this.nodeName = nodeName;
        this.cluster = cluster;
        this.kubelet = kubelet;
        this.clientCas = List.copyOf(clientCas);
        this.streaming = streaming;
        this.clock = clock;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        try {
            Optional<Cluster.User> user = authenticate(request);
            if (user.isEmpty()) {
                text(response, callback, 401, "Unauthorized");
                return true;
            }
            RequestAttributes attributes = RequestAttributes.of(request.getMethod(), path);
            Cluster.AccessDecision decision = cluster.reviewAccess(user.get(), attributes.verb(), "", "nodes",
                    attributes.subresource(), nodeName);
            if (!decision.allowed()) {
                LOG.log(Level.DEBUG, "kubelet API request refused user={0} path={1} reason={2}", user.get().name(),
                        path, decision.reason());
                text(response, callback, 403, attributes.forbidden(user.get().name()));
                return true;
            }
            route(request, response, callback, path);
        } catch (ClusterException e) {
            LOG.log(Level.WARNING, "kubelet API request not reviewed path={0} error={1}", path, e.getMessage());
            text(response, callback, 500, "Internal Server Error: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "kubelet API request failed path=" + path, e);
            text(response, callback, 500, "Internal Server Error: " + e.getMessage());
        }
        return true;
    }

    /**
     * The client certificate's subject when it verifies against a cluster CA (CN the user, O the groups), else the
     * user the cluster says the bearer token is; empty without a valid credential.
     */
    private Optional<Cluster.User> authenticate(Request request) {
        if (request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData tls
                && tls.peerCertificates() != null && tls.peerCertificates().length > 0) {
            Optional<Cluster.User> user = certificateUser(tls.peerCertificates()[0], clientCas, clock.instant());
            if (user.isPresent()) {
                return user;
            }
        }
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = authorization.substring(7).strip();
            if (!token.isEmpty()) {
                return cluster.reviewToken(token);
            }
        }
        return Optional.empty();
    }

    static Optional<Cluster.User> certificateUser(X509Certificate certificate, List<X509Certificate> cas, Instant now) {
        try {
            certificate.checkValidity(java.util.Date.from(now));
        } catch (GeneralSecurityException e) {
            return Optional.empty();
        }
        boolean signed = cas.stream().anyMatch(ca -> {
            try {
                certificate.verify(ca.getPublicKey());
                return certificate.getIssuerX500Principal().equals(ca.getSubjectX500Principal());
            } catch (GeneralSecurityException e) {
                return false;
            }
        });
        if (!signed) {
            return Optional.empty();
        }
        String name = "";
        List<String> groups = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN") && name.isEmpty()) {
                    name = rdn.getValue().toString();
                } else if (rdn.getType().equalsIgnoreCase("O")) {
                    groups.add(0, rdn.getValue().toString());
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        return name.isEmpty() ? Optional.empty() : Optional.of(new Cluster.User(name, "", groups, Map.of()));
    }

    private void route(Request request, Response response, Callback callback, String path) {
        List<String> parts = List.of(path.substring(1).split("/", -1));
        String method = request.getMethod();
        switch (parts.getFirst()) {
            case "healthz" -> text(response, callback, 200, "ok", "text/plain; charset=utf-8");
            case "pods" -> json(response, callback, new PodListBuilder().withNewMetadata().endMetadata()
                    .withItems(kubelet.pods()).build());
            case "metrics" -> text(response, callback, 200, KubeletMetrics.render(kubelet), "text/plain; version=0.0.4");
            case "containerLogs" -> {
                if (parts.size() != 4) {
                    text(response, callback, 404, "404 page not found");
                    return;
                }
                containerLogs(request, response, callback, parts.get(1), parts.get(2), parts.get(3));
            }
            case "exec", "attach" -> {
                // /exec/{ns}/{pod}/{container} and /exec/{ns}/{pod}/{uid}/{container}
                if (parts.size() != 4 && parts.size() != 5 || !method.equals("GET") && !method.equals("POST")) {
                    text(response, callback, 404, "404 page not found");
                    return;
                }
                Optional<Pod> pod = pod(parts.get(1), parts.get(2), parts.size() == 5 ? parts.get(3) : "");
                if (pod.isEmpty()) {
                    text(response, callback, 404, "pod does not exist");
                    return;
                }
                streaming.serve(request, response, callback, parts.getFirst().equals("exec")
                        ? KubeletServer.Endpoint.EXEC : KubeletServer.Endpoint.ATTACH, pod.get(), parts.getLast());
            }
            case "portForward" -> {
                if (parts.size() != 3 && parts.size() != 4) {
                    text(response, callback, 404, "404 page not found");
                    return;
                }
                Optional<Pod> pod = pod(parts.get(1), parts.get(2), parts.size() == 4 ? parts.get(3) : "");
                if (pod.isEmpty()) {
                    text(response, callback, 404, "pod does not exist");
                    return;
                }
                streaming.serve(request, response, callback, KubeletServer.Endpoint.PORT_FORWARD, pod.get(), "");
            }
            default -> text(response, callback, 404, "404 page not found");
        }
    }

    private Optional<Pod> pod(String namespace, String name, String uid) {
        return kubelet.pods().stream()
                .filter(p -> p.getMetadata().getNamespace().equals(namespace) && p.getMetadata().getName().equals(name))
                .filter(p -> uid.isEmpty() || p.getMetadata().getUid().equals(uid))
                .findFirst();
    }

    /** {@code /containerLogs}: upstream's query parameters, the log as plain text (streamed while it grows with follow). */
    private void containerLogs(Request request, Response response, Callback callback, String namespace, String name,
                               String container) {
        Optional<Pod> pod = pod(namespace, name, "");
        if (pod.isEmpty()) {
            text(response, callback, 404, "pod \"" + namespace + "/" + name + "\" does not exist");
            return;
        }
        boolean known = pod.get().getSpec().getContainers().stream().anyMatch(c -> c.getName().equals(container))
                || pod.get().getSpec().getInitContainers() != null && pod.get().getSpec().getInitContainers().stream()
                        .anyMatch(c -> c.getName().equals(container));
        if (!known) {
            text(response, callback, 404, "container \"" + container + "\" not found in pod \"" + namespace + "/"
                    + name + "\"");
            return;
        }
        LogOptions options;
        try {
            options = logOptions(Request.extractQueryParameters(request), container, clock.instant());
        } catch (IllegalArgumentException e) {
            text(response, callback, 400, e.getMessage());
            return;
        }
        InputStream log;
        try {
            log = kubelet.openLog(namespace, name, pod.get().getMetadata().getUid(), options);
        } catch (LogsException e) {
            text(response, callback, 400, e.getMessage());
            return;
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        try (log; OutputStream out = Content.Sink.asOutputStream(response)) {
            byte[] buffer = new byte[8192];
            int n;
            while ((n = log.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
            callback.succeeded();
        } catch (IOException e) {
            callback.failed(e); // the client went away
        }
    }

    /**
     * Upstream's {@code PodLogOptions} of the query: {@code follow}, {@code previous}, {@code timestamps},
     * {@code tailLines}, {@code limitBytes}, {@code sinceSeconds} or {@code sinceTime}.
     *
     * @throws IllegalArgumentException naming the parameter
     */
    static LogOptions logOptions(Fields query, String container, Instant now) {
        Optional<Instant> since = Optional.empty();
        OptionalLong sinceSeconds = number(query, "sinceSeconds");
        String sinceTime = value(query, "sinceTime");
        if (sinceSeconds.isPresent() && !sinceTime.isEmpty()) {
            throw new IllegalArgumentException("at most one of sinceTime or sinceSeconds may be specified");
        }
        if (sinceSeconds.isPresent()) {
            if (sinceSeconds.getAsLong() < 1) {
                throw new IllegalArgumentException("sinceSeconds: must be greater than 0");
            }
            since = Optional.of(now.minusSeconds(sinceSeconds.getAsLong()));
        } else if (!sinceTime.isEmpty()) {
            try {
                since = Optional.of(Instant.parse(sinceTime));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("sinceTime: invalid time " + sinceTime);
            }
        }
        return new LogOptions(container, flag(query, "follow"), flag(query, "previous"), number(query, "tailLines"),
                flag(query, "timestamps"), since, number(query, "limitBytes"));
    }

    private static String value(Fields query, String name) {
        String v = query.getValue(name);
        return v == null ? "" : v;
    }

    private static boolean flag(Fields query, String name) {
        String v = value(query, name);
        return query.getValue(name) != null && !(v.equals("0") || v.equalsIgnoreCase("false"));
    }

    private static OptionalLong number(Fields query, String name) {
        String v = value(query, name);
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": invalid value " + v);
        }
    }

    private static void json(Response response, Callback callback, Object body) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(body);
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, java.nio.ByteBuffer.wrap(bytes), callback);
        } catch (IOException e) {
            callback.failed(e);
        }
    }

    private static void text(Response response, Callback callback, int status, String body) {
        text(response, callback, status, body + "\n", "text/plain; charset=utf-8");
    }

    private static void text(Response response, Callback callback, int status, String body, String type) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.write(true, java.nio.ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    }
}
