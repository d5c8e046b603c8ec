/**
 * The {@code j8s} command line (picocli): {@code server}, {@code version} and {@code kubeconfig}, their
 * defaults, and the wiring of a server from its flags (upstream: {@code cmd/kube-apiserver/app} and
 * {@code cmd/kubelet/app}).
 */
package dev.j8s.cli;
