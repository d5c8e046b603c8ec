package dev.j8s.apiserver.rest;

import java.util.List;

/**
 * Where {@code pods/exec} starts a command: the kubelet of the pod's node; implementations must be
 * thread-safe (each request starts its own process).
 *
 * <p>The API server resolves the pod and the container first, so {@code start} is only asked about a
 * container of an existing, bound pod. It is called before the connection is upgraded, so its errors
 * reach kubectl as a plain Status.
 */
public interface PodExecSource {

    /**
     * Checks that the container runs, without starting anything (for kubectl's SPDY fallback, which
     * must see the same error as the WebSocket attempt).
     *
     * @throws dev.j8s.apiserver.errors.ApiError worded as upstream, as {@link #start} would
     */
    void requireRunning(String namespace, String pod, String uid, String container);

    /**
     * Starts {@code command} in the container.
     *
     * @throws dev.j8s.apiserver.errors.ApiError worded as upstream (e.g. a BadRequest
     *     {@code container not found ("main")} when the container does not run)
     */
    ExecProcess start(String namespace, String pod, String uid, String container, List<String> command);

    /**
     * Starts {@code command} in the container on a terminal of {@code width} x {@code height}
     * ({@code kubectl exec -t}): its output (stderr merged) is {@link ExecProcess#stdout()}, and
     * {@link ExecProcess#resize} changes the terminal's size.
     *
     * @throws dev.j8s.apiserver.errors.ApiError worded as upstream, as {@link #start}
     */
    default ExecProcess startTty(String namespace, String pod, String uid, String container, List<String> command,
            int width, int height) {
        throw new dev.j8s.apiserver.errors.ApiError.BadRequest(
                "unable to upgrade connection: a TTY (-t) is not supported by this server yet");
    }
}
