/**
 * The DaemonSet controller: one pod per eligible node (node selector, required node affinity, tolerated taints),
 * with the node affinity and tolerations upstream adds, ControllerRevisions for history, rolling updates within
 * maxUnavailable and maxSurge, and the status; upstream's pkg/controller/daemon.
 */
package dev.j8s.controllers.daemon;
