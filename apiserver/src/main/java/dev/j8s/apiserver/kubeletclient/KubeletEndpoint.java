package dev.j8s.apiserver.kubeletclient;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import java.util.List;

/**
 * Where a node's kubelet listens, as upstream's {@code NodeConnectionInfoGetter} finds it: the first of the Node's
 * {@code status.addresses} in the order {@code InternalIP}, {@code Hostname}, {@code InternalDNS},
 * {@code ExternalIP}, {@code ExternalDNS}, and its {@code status.daemonEndpoints.kubeletEndpoint.Port} (10250 when
 * it reports none). Immutable.
 */
record KubeletEndpoint(String node, String host, int port) {

    static final int DEFAULT_PORT = 10250;
    private static final List<String> PREFERRED = List.of("InternalIP", "Hostname", "InternalDNS", "ExternalIP",
            "ExternalDNS");

    /** The endpoint of {@code node} (a Node object). */
    static KubeletEndpoint of(JsonNode node) {
        String name = Json.name(node);
        JsonNode addresses = Json.at(node, "status.addresses");
        for (String type : PREFERRED) {
            for (JsonNode a : addresses) {
                if (type.equals(a.path("type").asText()) && !a.path("address").asText().isEmpty()) {
                    int port = Json.at(node, "status.daemonEndpoints.kubeletEndpoint").path("Port").asInt(0);
                    return new KubeletEndpoint(name, a.path("address").asText(), port > 0 ? port : DEFAULT_PORT);
                }
            }
        }
        throw new ApiError.BadRequest("no preferred addresses found; known addresses: []");
    }

    /** {@code host:port}, with brackets around an IPv6 address, as Go's {@code net.JoinHostPort} writes it. */
    String hostPort() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
