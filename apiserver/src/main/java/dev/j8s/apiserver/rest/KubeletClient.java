package dev.j8s.apiserver.rest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * How the API server reaches the kubelet of a pod's node for the subresources the kubelet serves: {@code pods/log},
 * {@code pods/exec}, {@code pods/attach} and {@code pods/portforward} (upstream: the kubelet client behind
 * {@code pkg/registry/core/pod/rest}, with the kubelet's streaming server on the other side). One implementation
 * calls the kubelet in this process; one reaching a kubelet over HTTPS can take its place. Implementations are
 * thread-safe: each request opens its own stream, process or connection.
 *
 * <p>The API server resolves the pod and the container first, so these are only asked about a container of an
 * existing, bound pod. They are called before the connection is upgraded, so their errors reach kubectl as a plain
 * Status ({@link dev.j8s.apiserver.errors.ApiError}, worded as upstream's kubelet words them).
 */
public interface KubeletClient {

    /**
     * Opens a container's log as the response body of {@code pods/log}; closing the stream ends a follow.
     *
     * @throws dev.j8s.apiserver.errors.ApiError worded as upstream (e.g. a BadRequest
     *     {@code previous terminated container "main" in pod "busy" not found})
     */
    InputStream log(String namespace, String pod, String uid, String container, LogQuery query);

    /**
     * Checks that the container runs, without starting anything (for kubectl's SPDY fallback, which must see the
     * same error as the WebSocket attempt, and for a TTY exec, which starts only once the terminal size is known).
     *
     * @throws dev.j8s.apiserver.errors.ApiError worded as upstream, as {@link #exec} would
     */
    void requireRunning(String namespace, String pod, String uid, String container);

    /**
     * Starts {@code command} in the container ({@code pods/exec} without a TTY).
     *
     * @throws dev.j8s.apiserver.errors.ApiError worded as upstream (e.g. a BadRequest
     *     {@code container not found ("main")} when the container does not run)
     */
    ExecProcess exec(String namespace, String pod, String uid, String container, List<String> command);

    /**
     * Starts {@code command} in the container on a terminal of {@code width} x {@code height} ({@code kubectl exec
     * -t}): its output (stderr merged) is {@link ExecProcess#stdout()}, and {@link ExecProcess#resize} changes the
     * terminal's size.
     *
     * @throws dev.j8s.apiserver.errors.ApiError worded as upstream, as {@link #exec}
     */
    ExecProcess execTty(String namespace, String pod, String uid, String container, List<String> command, int width,
            int height);

    /**
     * Attaches to the container's main process ({@code pods/attach}): its output, and its stdin when {@code stdin}
     * and the container has one. The session's {@link ExecProcess#awaitExit} reports 0 once the attach is over (the
     * container exited, or the client's stdin ended on a container that keeps its stdin open); closing it detaches
     * and leaves the container running. With the container's TTY, output is on stdout and {@link ExecProcess#resize}
     * resizes its terminal.
     *
     * @throws dev.j8s.apiserver.errors.ApiError worded as upstream (a BadRequest
     *     {@code container c not found in pod p_ns} when it does not run)
     */
    ExecProcess attach(String namespace, String pod, String uid, String container, boolean stdin);

    /**
     * The pod's port-forwarder ({@code pods/portforward}), found once for a session.
     *
     * @throws dev.j8s.apiserver.errors.ApiError worded as upstream (a BadRequest {@code pod not found ("p_ns")}
     *     when the pod has no running sandbox on the node)
     */
    PortForwarder portForward(String namespace, String pod, String uid);

    /** Connects to the ports of one pod from inside its network namespace; thread-safe. */
    interface PortForwarder {

        /**
         * A new TCP connection to {@code localhost:port} inside the pod (IPv4, then IPv6).
         *
         * @throws IOException when nothing answers; its message is the text the kubelet writes on the port-forward
         *     error stream, worded as upstream ({@code error forwarding port 80 to pod <id>, uid : failed to execute
         *     portforward in network namespace ...: connection refused ...})
         */
        PortConnection connect(int port) throws IOException;
    }

    /** One forwarded TCP connection; its streams are for one reader and one writer, the rest is thread-safe. */
    interface PortConnection extends AutoCloseable {

        /** What the pod sends. */
        InputStream input();

        /** What goes to the pod. */
        OutputStream output();

        /** The client sends no more: half-closes the connection towards the pod. */
        void shutdownOutput() throws IOException;

        /** Closes both directions; idempotent. */
        @Override
        void close();
    }
}
