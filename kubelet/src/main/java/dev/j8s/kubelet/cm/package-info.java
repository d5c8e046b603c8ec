/** The node's cgroup decisions for pods: each pod's cgroup limits (upstream {@code pkg/kubelet/cm}). */
package dev.j8s.kubelet.cm;
