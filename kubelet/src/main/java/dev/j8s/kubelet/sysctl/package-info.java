/** Which sysctls a pod may set on this node: the safe set and its admission check (upstream {@code pkg/kubelet/sysctl}). */
package dev.j8s.kubelet.sysctl;
