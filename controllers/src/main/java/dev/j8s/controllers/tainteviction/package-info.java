/**
 * Upstream's taint eviction controller (pkg/controller/tainteviction): pods on a node with {@code NoExecute}
 * taints are deleted once their tolerations of those taints run out.
 */
package dev.j8s.controllers.tainteviction;
