package dev.j8s.apiserver.kubeletclient;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.errors.ApiError;
import dev.j8s.apiserver.json.Json;
import dev.j8s.apiserver.rest.ExecProcess;
import dev.j8s.apiserver.rest.LogQuery;
import dev.j8s.apiserver.rest.PodExecSource;
import dev.j8s.apiserver.rest.PodLogSource;
import dev.j8s.apiserver.storage.Store;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * The node-addressing seam of {@code pods/log} and {@code pods/exec}: a pod on the embedded node is served by the
 * kubelet in this process (by call), a pod on any other node by that node's kubelet over HTTPS
 * ({@link RemoteKubelet}) at the address and port its Node reports. Without a client certificate for kubelets, or
 * for a node that is not registered, the error says so. Thread-safe.
 */
public final class NodeRouting implements PodLogSource, PodExecSource {

    private final Store store;
    private final String embeddedNode;
    private volatile Optional<RemoteKubelet> remote = Optional.empty();
    private volatile PodLogSource localLogs;
    private volatile PodExecSource localExec;

    /** @param embeddedNode the node whose kubelet runs in this process */
    public NodeRouting(Store store, String embeddedNode) {
        this.store = store;
        this.embeddedNode = embeddedNode;
    }

    /** Reaches the other nodes' kubelets over HTTPS with {@code kubeletTls} (the API server's client certificate). */
    public void attachRemote(SSLContext kubeletTls) {
        this.remote = Optional.of(new RemoteKubelet(kubeletTls));
    }

    /** The embedded kubelet's log source. */
    public void attachLocalLogs(PodLogSource source) {
        this.localLogs = source;
    }

    /** The embedded kubelet's exec source. */
    public void attachLocalExec(PodExecSource source) {
        this.localExec = source;
    }

    @Override
    public InputStream open(String namespace, String pod, String uid, String container, LogQuery query) {
        String node = nodeOf(namespace, pod);
        PodLogSource local = localLogs;
        if (node.equals(embeddedNode) && local != null) {
            return local.open(namespace, pod, uid, container, query);
        }
        return remote(node, "logs", pod).log(endpoint(node), namespace, pod, container, query);
    }

    @Override
    public void requireRunning(String namespace, String pod, String uid, String container) {
        String node = nodeOf(namespace, pod);
        PodExecSource local = localExec;
        if (node.equals(embeddedNode) && local != null) {
            local.requireRunning(namespace, pod, uid, container);
            return;
        }
        remote(node, "exec", pod).requireReachable(endpoint(node));
    }

    @Override
    public ExecProcess start(String namespace, String pod, String uid, String container, List<String> command) {
        String node = nodeOf(namespace, pod);
        PodExecSource local = localExec;
        if (node.equals(embeddedNode) && local != null) {
            return local.start(namespace, pod, uid, container, command);
        }
        return remote(node, "exec", pod).exec(endpoint(node), namespace, pod, container, command, false, 0, 0);
    }

    @Override
    public ExecProcess startTty(String namespace, String pod, String uid, String container, List<String> command,
            int width, int height) {
        String node = nodeOf(namespace, pod);
        PodExecSource local = localExec;
        if (node.equals(embeddedNode) && local != null) {
            return local.startTty(namespace, pod, uid, container, command, width, height);
        }
        return remote(node, "exec", pod).exec(endpoint(node), namespace, pod, container, command, true, width, height);
    }

    private String nodeOf(String namespace, String pod) {
        ObjectNode p = store.get("pods", namespace, pod).orElseThrow(() -> new ApiError.NotFound("pods", pod));
        return Json.text(p, "spec.nodeName");
    }

    private RemoteKubelet remote(String node, String what, String pod) {
        return remote.orElseThrow(() -> new ApiError.BadRequest(what + " are not available for pod \"" + pod
                + "\": no kubelet serves node \"" + node + "\" yet"));
    }

    private KubeletEndpoint endpoint(String node) {
        ObjectNode n = store.get("nodes", "", node).orElseThrow(() -> new ApiError.NotFound("nodes", node));
        return KubeletEndpoint.of(n);
    }
}
