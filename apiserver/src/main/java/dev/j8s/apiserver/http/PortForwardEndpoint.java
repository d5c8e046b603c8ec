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
 * <p>The WebSocket channel protocol of older non-kubectl clients ({@code v4.channel.k8s.io} with a {@code ports}
 * query) is refused with a Status saying so.
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
                throw new ApiError.BadRequest(offered.stream().anyMatch(p -> p.startsWith("SPDY/3.1+"))
                        ? "unable to upgrade: no tunneling spdy protocols provided"
                        : "unable to upgrade websocket connection: only the SPDY tunnel (" + SpdyTunnel.PROTOCOL
                                + ") is served for port-forward here, not the channel protocol (v4.channel.k8s.io)");
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
}
