/** Syncs one pod against the container runtime (sandbox, init containers, containers, kill) and builds container configs from the pod spec and image; upstream {@code pkg/kubelet/kuberuntime}. */
package dev.j8s.kubelet.kuberuntime;
