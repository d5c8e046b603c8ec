/** What the node and each pod use of memory, disk, inodes and processes (upstream {@code pkg/kubelet/stats}). */
package dev.j8s.kubelet.stats;
