/**
 * The probe and hook handlers that reach a container over the network, from the node: HTTP GET (with TLS, redirects
 * and upstream's success rules), TCP connect and the gRPC health check, each through a {@link
 * dev.j8s.kubelet.probe.Connector} that makes the connection inside the pod's network namespace; and their results
 * and output texts worded as upstream's Go code words them. Corresponds to upstream {@code pkg/probe} ({@code http},
 * {@code tcp}, {@code grpc}, {@code ResolveContainerPort}).
 */
package dev.j8s.kubelet.probe;
