/**
 * Pod status as the kubelet reports it (phase, conditions, container statuses, QoS class), the status manager that
 * caches and writes it, and CrashLoopBackOff; mirrors pkg/kubelet/status and the status half of
 * pkg/kubelet/kubelet_pods.go.
 */
package dev.j8s.kubelet.status;
