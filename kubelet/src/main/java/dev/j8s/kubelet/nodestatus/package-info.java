/**
 * The Node object this kubelet registers (labels, addresses, capacity, node info, conditions) and its
 * heartbeats (node lease, status updates); mirrors pkg/kubelet/nodestatus and pkg/kubelet/nodelease.
 */
package dev.j8s.kubelet.nodestatus;
