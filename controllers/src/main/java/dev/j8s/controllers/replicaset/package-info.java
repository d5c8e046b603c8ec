/**
 * The ReplicaSet controller: keeps the number of active pods of each ReplicaSet at its replicas, in slow-start
 * batches with expectations, deleting the lowest-ranked pods first, and reports the status; upstream's
 * pkg/controller/replicaset.
 */
package dev.j8s.controllers.replicaset;
