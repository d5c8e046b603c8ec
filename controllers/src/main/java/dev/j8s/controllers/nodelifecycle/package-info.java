/**
 * Upstream's node lifecycle controller (pkg/controller/nodelifecycle): node health from Leases and heartbeats, the
 * conditions of a silent node set Unknown, and the taints that follow from the conditions.
 */
package dev.j8s.controllers.nodelifecycle;
