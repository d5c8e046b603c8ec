package dev.j8s.proxy.healthcheck;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A node's answers to external load balancers, as kube-proxy's service health server gives them: for every
 * LoadBalancer service with {@code externalTrafficPolicy: Local}, an HTTP listener on its
 * {@code spec.healthCheckNodePort} (every address of the node) that answers any request with the service's name and
 * the number of its ready endpoints on this node — 200 when there is at least one, 503 when there is none — so that a
 * load balancer sends a service's traffic only to nodes that can serve it without leaving the node. A port that
 * cannot be bound is reported once per service and port through the failure callback and tried again at the next
 * {@link #update}. Thread-safe; {@link #close} stops every listener.
 */
public final class ServiceHealthServers implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ServiceHealthServers.class.getName());

    /** A service that needs a health check port, and the port. */
    public record Target(String namespace, String name, int port) {
    }

    private final InetAddress bindAddress;
    private final BiConsumer<Target, String> onFailure;
    private final Map<Target, Listener> listeners = new HashMap<>();
    private final Set<Target> reported = new HashSet<>();
    private boolean closed;

    /**
     * @param bindAddress where the listeners bind: the wildcard address on a node, loopback in tests
     * @param onFailure   told once per service and port why its listener could not start
     */
    public ServiceHealthServers(InetAddress bindAddress, BiConsumer<Target, String> onFailure) {
        this.bindAddress = bindAddress;
        this.onFailure = onFailure;
    }

    /**
     * The services among {@code services} that need a health check port, each with its number of ready endpoints
     * on {@code nodeName} (distinct addresses of its EndpointSlices' endpoints whose {@code nodeName} is this node).
     */
    public static Map<Target, Integer> localEndpoints(List<Service> services, List<EndpointSlice> slices,
                                                      String nodeName) {
        Map<String, Set<String>> local = new HashMap<>();
        for (EndpointSlice slice : slices) {
            Map<String, String> labels = slice.getMetadata().getLabels();
            String service = labels == null ? null : labels.get("kubernetes.io/service-name");
            if (service == null || slice.getEndpoints() == null) {
                continue;
            }
            for (Endpoint e : slice.getEndpoints()) {
                boolean ready = e.getConditions() == null || e.getConditions().getReady() == null
                        || e.getConditions().getReady();
                if (ready && nodeName.equals(e.getNodeName()) && e.getAddresses() != null
                        && !e.getAddresses().isEmpty()) {
                    local.computeIfAbsent(slice.getMetadata().getNamespace() + "/" + service, k -> new HashSet<>())
                            .add(e.getAddresses().getFirst());
                }
            }
        }
        Map<Target, Integer> out = new LinkedHashMap<>();
        for (Service svc : services) {
            var spec = svc.getSpec();
            Integer port = spec == null ? null : spec.getHealthCheckNodePort();
            if (spec == null || !"LoadBalancer".equals(spec.getType())
                    || !"Local".equals(spec.getExternalTrafficPolicy()) || port == null || port == 0) {
                continue;
            }
            String ns = svc.getMetadata().getNamespace();
            String name = svc.getMetadata().getName();
            out.put(new Target(ns, name, port), local.getOrDefault(ns + "/" + name, Set.of()).size());
        }
        return out;
    }

    /** Listens on exactly the ports of {@code targets} and answers with their counts from now on. */
    public synchronized void update(Map<Target, Integer> targets) {
        if (closed) {
            return;
        }
        listeners.entrySet().removeIf(e -> {
            if (targets.containsKey(e.getKey())) {
                return false;
            }
            e.getValue().server.stop(0);
            return true;
        });
        reported.retainAll(targets.keySet());
        for (Map.Entry<Target, Integer> t : targets.entrySet()) {
            Listener listener = listeners.get(t.getKey());
            if (listener == null) {
                listener = start(t.getKey());
                if (listener == null) {
                    continue;
                }
                listeners.put(t.getKey(), listener);
            }
            listener.localEndpoints.set(t.getValue());
        }
    }

    /** The ports listened on now (for tests). */
    public synchronized Set<Integer> ports() {
        Set<Integer> out = new HashSet<>();
        listeners.keySet().forEach(t -> out.add(t.port()));
        return out;
    }

    private Listener start(Target target) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(bindAddress, target.port()), 16);
        } catch (IOException e) {
            String why = "failed to start healthcheck \"" + target.namespace() + "/" + target.name() + "\" on port "
                    + target.port() + ": " + e.getMessage();
            if (reported.add(target)) {
                LOG.log(Level.WARNING, why);
                onFailure.accept(target, why);
            }
            return null;
        }
        Listener listener = new Listener(server, new AtomicInteger());
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> answer(exchange, target, listener.localEndpoints.get()));
        server.start();
        reported.remove(target);
        return listener;
    }

    private static void answer(HttpExchange exchange, Target target, int count) throws IOException {
        byte[] body = ("{\"service\":{\"namespace\":\"" + target.namespace() + "\",\"name\":\"" + target.name()
                + "\"},\"localEndpoints\":" + count + ",\"serviceProxyHealthy\":true}\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("X-Load-Balancing-Endpoint-Weight", Integer.toString(count));
        exchange.getRequestBody().readAllBytes();
        exchange.sendResponseHeaders(count > 0 ? 200 : 503, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        listeners.values().forEach(l -> l.server.stop(0));
        listeners.clear();
    }

    private record Listener(HttpServer server, AtomicInteger localEndpoints) {
    }
}
