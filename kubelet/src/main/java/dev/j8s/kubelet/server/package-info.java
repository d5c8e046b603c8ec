/**
 * The kubelet API on the kubelet port, through which an API server reaches a {@code j8s agent}'s pods (logs, exec,
 * attach, port-forward) and monitoring reads it (pods, metrics, health), authenticated and authorized by the cluster as
 * upstream's webhook mode does; upstream's {@code pkg/kubelet/server}.
 */
package dev.j8s.kubelet.server;
