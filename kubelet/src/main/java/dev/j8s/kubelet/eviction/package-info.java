/**
 * Node-pressure and local-storage eviction: signals, thresholds, ranking, the eviction of pods with upstream's
 * reasons and messages, and the node conditions it reports (upstream {@code pkg/kubelet/eviction}).
 */
package dev.j8s.kubelet.eviction;
