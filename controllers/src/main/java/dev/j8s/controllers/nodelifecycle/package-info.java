/**
 * The part of upstream's node lifecycle controller (pkg/controller/nodelifecycle) a single node needs: the
 * {@code NoSchedule} taints that follow the node's pressure conditions.
 */
package dev.j8s.controllers.nodelifecycle;
