/**
 * The garbage collector: deletes objects whose owners are gone, deletes the dependents of an owner in foreground
 * deletion before the owner, orphans the dependents of an owner deleted with the orphan policy, and removes the
 * {@code foregroundDeletion} and {@code orphan} finalizers when done; upstream's pkg/controller/garbagecollector.
 */
package dev.j8s.controllers.garbagecollector;
