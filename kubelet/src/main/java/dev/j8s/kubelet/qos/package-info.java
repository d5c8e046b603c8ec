/** Out-of-memory priorities by QoS class (upstream {@code pkg/kubelet/qos}). */
package dev.j8s.kubelet.qos;
