/**
 * Container logs: serving pods/log from CRI-format log files (tail, follow, previous, since, limits)
 * and rotating them by size; mirrors pkg/kubelet/kuberuntime/logs and pkg/kubelet/logs.
 */
package dev.j8s.kubelet.logs;
