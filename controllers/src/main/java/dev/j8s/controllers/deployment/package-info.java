/**
 * The Deployment controller: a new ReplicaSet per pod template (named by its hash), rolling updates and
 * Recreate, proportional scaling, revisions and history, pausing, the Progressing and Available conditions and
 * the ScalingReplicaSet events; upstream's pkg/controller/deployment and its util package.
 */
package dev.j8s.controllers.deployment;
