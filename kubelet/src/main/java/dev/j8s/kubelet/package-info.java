/** The kubelet: registers the node, watches its pods and runs them through pod workers, the runtime manager and the PLEG; upstream {@code pkg/kubelet} (kubelet.go). */
package dev.j8s.kubelet;
