package dev.j8s.apiserver.kubeletclient;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ExecProcess;
import dev.j8s.apiserver.rest.KubeletClient;
import dev.j8s.apiserver.rest.LogQuery;
import dev.j8s.apiserver.storage.Store;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * The node-addressing seam of the subresources a kubelet serves: a pod on the embedded node goes to the kubelet in
 * this process (by call), a pod on any other node to that node's kubelet over HTTPS ({@link RemoteKubelet}) at the
 * address and port its Node reports. Without a kubelet client certificate, or for a node that is not registered,
 * the error says so. Thread-safe.
 */
public final class NodeRouting implements KubeletClient {

    private final Store store;
    private final String embeddedNode;
    private volatile Optional<RemoteKubelet> remote = Optional.empty();
    private volatile KubeletClient local;

    /** @param embeddedNode the node whose kubelet runs in this process */
    public NodeRouting(Store store, String embeddedNode) {
        this.store = store;
        this.embeddedNode = embeddedNode;
    }

    /** The kubelet in this process, which serves the embedded node's pods. */
    public void attachLocal(KubeletClient kubelet) {
        this.local = kubelet;
    }

    /** Reaches the other nodes' kubelets over HTTPS with {@code kubeletTls} (the API server's client certificate). */
    public void attachRemote(SSLContext kubeletTls) {
        this.remote = Optional.of(new RemoteKubelet(kubeletTls));
    }

    /** The in-process kubelet when the pod is on the embedded node, else empty (the pod's kubelet is remote). */
    private Optional<KubeletClient> local(ObjectNode pod) {
        KubeletClient kubelet = local;
        return kubelet != null && Json.text(pod, "spec.nodeName").equals(embeddedNode) ? Optional.of(kubelet)
                : Optional.empty();
    }

    @Override
    public InputStream log(String namespace, String pod, String uid, String container, LogQuery query) {
        ObjectNode p = pod(namespace, pod);
        return local(p).map(k -> k.log(namespace, pod, uid, container, query))
                .orElseGet(() -> remote(p, "logs").log(endpoint(p), namespace, pod, container, query));
    }

    @Override
    public void requireRunning(String namespace, String pod, String uid, String container) {
        ObjectNode p = pod(namespace, pod);
        Optional<KubeletClient> kubelet = local(p);
        if (kubelet.isPresent()) {
            kubelet.get().requireRunning(namespace, pod, uid, container);
        } else {
            remote(p, "exec").requireReachable(endpoint(p));
        }
    }

    @Override
    public ExecProcess exec(String namespace, String pod, String uid, String container, List<String> command) {
        ObjectNode p = pod(namespace, pod);
        return local(p).map(k -> k.exec(namespace, pod, uid, container, command))
                .orElseGet(() -> remote(p, "exec").exec(endpoint(p), RemoteKubelet.Stream.EXEC, namespace, pod,
                        container, command, true, false, 0, 0));
    }

    @Override
    public ExecProcess execTty(String namespace, String pod, String uid, String container, List<String> command,
            int width, int height) {
        ObjectNode p = pod(namespace, pod);
        return local(p).map(k -> k.execTty(namespace, pod, uid, container, command, width, height))
                .orElseGet(() -> remote(p, "exec").exec(endpoint(p), RemoteKubelet.Stream.EXEC, namespace, pod,
                        container, command, true, true, width, height));
    }

    @Override
    public ExecProcess attach(String namespace, String pod, String uid, String container, boolean stdin) {
        ObjectNode p = pod(namespace, pod);
        Optional<KubeletClient> kubelet = local(p);
        if (kubelet.isPresent()) {
            return kubelet.get().attach(namespace, pod, uid, container, stdin);
        }
        JsonNode spec = containerSpec(p, container);
        boolean tty = spec.path("tty").asBoolean(false);
        boolean input = stdin && spec.path("stdin").asBoolean(false);
        return remote(p, "attach").exec(endpoint(p), RemoteKubelet.Stream.ATTACH, namespace, pod, container,
                List.of(), input, tty, 0, 0);
    }

    @Override
    public PortForwarder portForward(String namespace, String pod, String uid) {
        ObjectNode p = pod(namespace, pod);
        Optional<KubeletClient> kubelet = local(p);
        if (kubelet.isPresent()) {
            return kubelet.get().portForward(namespace, pod, uid);
        }
        return remote(p, "port-forward").portForward(endpoint(p), namespace, pod);
    }

    private static JsonNode containerSpec(ObjectNode pod, String container) {
        for (String list : List.of("containers", "initContainers", "ephemeralContainers")) {
            for (JsonNode c : Json.at(pod, "spec." + list)) {
                if (container.equals(c.path("name").asText())) {
                    return c;
                }
            }
        }
        return Json.object();
    }

    private ObjectNode pod(String namespace, String pod) {
        return store.get("pods", namespace, pod).orElseThrow(() -> new ApiError.NotFound("pods", pod));
    }

    private RemoteKubelet remote(ObjectNode pod, String what) {
        return remote.orElseThrow(() -> new ApiError.BadRequest(what + " are not available for pod \""
                + Json.name(pod) + "\": no kubelet serves node \"" + Json.text(pod, "spec.nodeName") + "\" yet"));
    }

    private KubeletEndpoint endpoint(ObjectNode pod) {
        String node = Json.text(pod, "spec.nodeName");
        ObjectNode n = store.get("nodes", "", node).orElseThrow(() -> new ApiError.NotFound("nodes", node));
        return KubeletEndpoint.of(n);
    }
}
