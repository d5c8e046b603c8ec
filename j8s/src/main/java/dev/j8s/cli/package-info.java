/**
 * The {@code j8s} command line (picocli): {@code server}, {@code version}, {@code kubeconfig}, {@code images},
 * {@code credentials} and {@code reset}, their defaults, and the wiring of a server from its flags (upstream:
 * {@code cmd/kube-apiserver/app} and {@code cmd/kubelet/app}; {@code crictl} for the image commands, {@code kubeadm
 * reset} for reset).
 */
package dev.j8s.cli;
