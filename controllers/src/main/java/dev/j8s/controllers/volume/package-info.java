/**
 * Persistent volumes: the PV controller that binds claims and volumes and reclaims released volumes (upstream
 * {@code pkg/controller/volume/persistentvolume}), the claim and volume protection finalizers ({@code pvcprotection},
 * {@code pvprotection}) and the in-process local-path provisioner (as k3s ships {@code rancher.io/local-path}).
 */
package dev.j8s.controllers.volume;
