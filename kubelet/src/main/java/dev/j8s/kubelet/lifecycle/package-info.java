/**
 * Container lifecycle hooks: the postStart and preStop handlers ({@code exec} in the container, {@code httpGet} from
 * the node into the pod's network, {@code sleep}) run as upstream's {@code handlerRunner}, a durable journal of each
 * hook's start and outcome per container instance so a restart of the kubelet neither repeats a completed postStart
 * nor loses an interrupted one, and hook output written into the container's log on request. Corresponds to upstream
 * {@code pkg/kubelet/lifecycle} ({@code handlers.go}).
 */
package dev.j8s.kubelet.lifecycle;
