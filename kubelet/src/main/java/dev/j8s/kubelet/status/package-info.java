/**
 * Pod status as the kubelet reports it (phase, conditions, container statuses, QoS class), the restart
 * decision, CrashLoopBackOff and the container-spec hash; mirrors pkg/kubelet/status, the status half of
 * pkg/kubelet/kubelet_pods.go and pkg/kubelet/container/helpers.go.
 */
package dev.j8s.kubelet.status;
