package dev.j8s.apiserver.rest;

import java.io.InputStream;

/**
 * Where {@code pods/log} reads a container's log from: the kubelet of the pod's node; implementations
 * must be thread-safe (each request opens its own stream).
 *
 * <p>The API server resolves the pod and the container first, so {@code open} is only asked about a
 * container of an existing, bound pod.
 */
@FunctionalInterface
public interface PodLogSource {

    /**
     * Opens the log as the response body; closing the stream ends a follow.
     *
     * @throws dev.j8s.apiserver.errors.ApiError worded as upstream (e.g. a BadRequest
     *     {@code previous terminated container "main" in pod "busy" not found})
     */
    InputStream open(String namespace, String pod, String uid, String container, LogQuery query);
}
