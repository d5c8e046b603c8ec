/**
 * The scheduling predicates the scheduler, the DaemonSet controller and the taint eviction controller share, as
 * upstream's {@code k8s.io/component-helpers/scheduling/corev1}: a pod's node selector and required node affinity
 * against a node, and tolerations against taints.
 */
package dev.j8s.api.scheduling;
