/**
 * The StatefulSet controller (upstream {@code pkg/controller/statefulset}): ordered pods with stable identities and
 * their own persistent volume claims.
 */
package dev.j8s.controllers.statefulset;
