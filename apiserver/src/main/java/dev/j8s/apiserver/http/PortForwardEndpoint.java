package dev.j8s.apiserver.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.KubeletClient;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code pods/portforward}: finds the pod's port-forwarder on its kubelet (errors answered before any upgrade, as a
 * Status) and upgrades the connection to SPDY/3.1 carrying {@link PortForwardStreams}, either as kubectl 1.31 and later
 * ask first, through a WebSocket with the sub-protocol {@code SPDY/3.1+portforward.k8s.io} ({@link SpdyTunnel}), or as
 * kubectl 1.27-1.30 (and the fallback of later ones) ask, by a POST with {@code Upgrade: SPDY/3.1} and
 * {@code X-Stream-Protocol-Version: portforward.k8s.io} ({@link SpdyConnection}). Mirrors upstream's
 * {@code PortForwardREST} with the kubelet's streaming server behind it. Stateless.
 *
 * <p>A WebSocket without the tunnel gets the channel protocol ({@code v4.channel.k8s.io} or
 * {@code v4.base64.channel.k8s.io}, the ports from the query), as upstream's kubelet serves it to an API server and
 * non-kubectl clients use it: see {@link PortForwardChannels}.
 */
final class PortForwardEndpoint {

    /** The SPDY sub-protocols we speak ({@code X-Stream-Protocol-Version}). */
    static final List<String> PROTOCOLS = List.of("portforward.k8s.io");

    private PortForwardEndpoint() {
    }

    static void serve(ApiHandler.Exchange ex, ObjectNode pod, String name, Optional<KubeletClient> source) {
        String method = ex.request.getMethod();
        if (!method.equals("GET") && !method.equals("POST")) {
            throw new ApiError.MethodNotSupported();
        }
        String node = Json.text(pod, "spec.nodeName");
        if (node.isEmpty()) {
            throw new ApiError.BadRequest("pod " + name + " does not have a host assigned");
        }
        KubeletClient kubelet = source.orElseThrow(() -> new ApiError.BadRequest("port-forward is not available for "
                + "pod \"" + name + "\": no kubelet serves node \"" + node + "\" yet"));
        String namespace = Json.text(pod, "metadata.namespace");
        String what = namespace + "/" + name + " from " + ex.request.getConnectionMetaData().getRemoteSocketAddress();
        if (ex.header("Upgrade").equalsIgnoreCase("websocket")) {
            List<String> offered = ex.request.getHeaders().getValuesList("Sec-WebSocket-Protocol").stream()
                    .flatMap(v -> Arrays.stream(v.split(","))).map(String::trim).toList();
            if (!offered.contains(SpdyTunnel.PROTOCOL)) {
                if (offered.stream().anyMatch(p -> p.startsWith("SPDY/3.1+"))) {
                    throw new ApiError.BadRequest("unable to upgrade: no tunneling spdy protocols provided");
                }
                serveChannels(ex, kubelet, pod, offered, what);
                return;
            }
            KubeletClient.PortForwarder forwarder = kubelet.portForward(namespace, name, Json.text(pod, "metadata.uid"));
            ex.upgradeToWebSocket((request, response, callback) -> {
                response.setAcceptedSubProtocol(SpdyTunnel.PROTOCOL);
                return new SpdyTunnel(PortForwardStreams.SEND_TIMEOUT, "portforward " + what,
                        session -> new PortForwardStreams(session, forwarder, what));
            });
            return;
        }
        if (!method.equals("POST")) {
            throw new ApiError.BadRequest("Upgrade request required");
        }
        String protocol = SpdyConnection.negotiate(ex, PROTOCOLS);
        KubeletClient.PortForwarder forwarder = kubelet.portForward(namespace, name, Json.text(pod, "metadata.uid"));
        ex.upgradeToSpdy(protocol, new SpdyConnection(ex.request.getConnectionMetaData().getConnection().getEndPoint(),
                ex.request.getComponents().getExecutor(), PortForwardStreams.SEND_TIMEOUT, "portforward " + what,
                session -> new PortForwardStreams(session, forwarder, what)));
    }

    /** The channel protocol: the ports are read and the pod's forwarder found before the upgrade. */
    private static void serveChannels(ApiHandler.Exchange ex, KubeletClient kubelet, ObjectNode pod, List<String> offered,
                                      String what) {
        String protocol = PortForwardChannels.PROTOCOLS.stream().filter(offered::contains).findFirst().orElse(null);
        if (protocol == null && !offered.isEmpty()) {
            throw new ApiError.BadRequest("unable to upgrade websocket connection: none of the offered protocols "
                    + offered + " is served for port-forward (" + SpdyTunnel.PROTOCOL + ", "
                    + String.join(", ", PortForwardChannels.PROTOCOLS) + ")");
        }
        List<Integer> ports = PortForwardChannels.ports(ex.params("ports"));
        KubeletClient.PortForwarder forwarder = kubelet.portForward(Json.text(pod, "metadata.namespace"),
                Json.text(pod, "metadata.name"), Json.text(pod, "metadata.uid"));
        ex.upgradeToWebSocket((request, response, callback) -> {
            if (protocol != null) {
                response.setAcceptedSubProtocol(protocol);
            }
            return new PortForwardChannels(forwarder, ports, PortForwardChannels.BASE64.equals(protocol),
                    "portforward " + what);
        });
    }
}
