package dev.j8s.proxy.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.j8s.runtime.ProcessRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The main routing table's routes of one j8s instance, through {@code ip route}: each is marked with protocol
 * {@value #PROTOCOL} (j8s) and the instance's own metric, so the instance replaces and removes its routes and never
 * another's or the administrator's (two instances on one machine may even route the same range, each its own route).
 * Stateless and thread-safe.
 *
 * @param metric the instance's metric, from its network name ({@link #of})
 */
public record HostRoutes(long metric) {

    /** The route protocol number marking j8s's routes ({@code ip route ... proto 74}); unassigned in rt_protos. */
    public static final int PROTOCOL = 74;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A route to {@code destination} (a CIDR) through the gateway {@code via}. */
    public record Route(String destination, String via) {
    }

    /** How this machine reaches an address, as {@code ip route get} answers. */
    public sealed interface Reach {
        /** One of this machine's own addresses. */
        record Local() implements Reach {
        }

        /** On a directly connected subnet, through {@code device}. */
        record Connected(String device) implements Reach {
        }

        /** Only through the router {@code gateway}. */
        record ThroughGateway(String gateway) implements Reach {
        }

        /** Not at all ({@code ip}'s answer). */
        record Unreachable(String why) implements Reach {
        }
    }

    public HostRoutes {
        if (metric < 1 || metric > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("route metric out of range: " + metric);
        }
    }

    /** The routes of the instance whose network is {@code networkName} ({@code j8s-<hash8>}). */
    public static HostRoutes of(String networkName) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(networkName.getBytes(StandardCharsets.UTF_8));
            // 0x4A000000 plus 24 bits of the name: far above the metrics of routes people add by hand
            return new HostRoutes(0x4A00_0000L + Long.parseLong(HexFormat.of().formatHex(digest, 0, 3), 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    /** This instance's routes now in the main table. */
    public List<Route> list() {
        ProcessRunner.Result result = ip("list the host routes", "-j", "route", "show", "table", "main", "proto",
                Integer.toString(PROTOCOL));
        return parseRoutes(result.stdoutText(), metric);
    }

    /** Adds the route, or changes this instance's route to the same destination to go through {@code via}. */
    public void replace(Route route) {
        ip("route " + route.destination() + " via " + route.via(), "route", "replace", route.destination(), "via",
                route.via(), "proto", Integer.toString(PROTOCOL), "metric", Long.toString(metric));
    }

    /** Removes this instance's route to {@code destination}; nothing when there is none. */
    public void delete(String destination) {
        ProcessRunner.Result result = ProcessRunner.run(List.of("ip", "route", "del", destination, "proto",
                Integer.toString(PROTOCOL), "metric", Long.toString(metric)), Map.of(), new byte[0], TIMEOUT);
        if (result.exitStatus() != 0 && !result.stderrText().contains("No such process")) {
            result.orThrow("remove the route to " + destination);
        }
    }

    /** Removes every route of this instance (for {@code j8s reset}); the routes removed. */
    public List<Route> removeAll() {
        List<Route> routes = list();
        routes.forEach(r -> delete(r.destination()));
        return routes;
    }

    /** How this machine reaches {@code address}. */
    public static Reach reach(String address) {
        ProcessRunner.Result result = ProcessRunner.run(List.of("ip", "-j", "route", "get", address), Map.of(),
                new byte[0], TIMEOUT);
        if (result.exitStatus() != 0) {
            return new Reach.Unreachable(result.stderrText().strip());
        }
        return parseReach(result.stdoutText());
    }

    static Reach parseReach(String json) {
        JsonNode route = read(json).path(0);
        if ("local".equals(route.path("type").asText())) {
            return new Reach.Local();
        }
        if (route.hasNonNull("gateway")) {
            return new Reach.ThroughGateway(route.path("gateway").asText());
        }
        return new Reach.Connected(route.path("dev").asText());
    }

    static List<Route> parseRoutes(String json, long metric) {
        List<Route> routes = new ArrayList<>();
        for (JsonNode r : read(json)) {
            // ip prints no metric for 0
            if (r.path("metric").asLong(0) == metric && r.hasNonNull("gateway")) {
                routes.add(new Route(r.path("dst").asText(), r.path("gateway").asText()));
            }
        }
        return routes;
    }

    private static JsonNode read(String json) {
        try {
            return json.isBlank() ? JSON.createArrayNode() : JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("read the output of ip -j route: " + json, e);
        }
    }

    private static ProcessRunner.Result ip(String action, String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        return ProcessRunner.run(command, Map.of(), new byte[0], TIMEOUT).orThrow(action);
    }
}
