/**
 * The volume plugins the kubelet sets up and tears down under {@code <data>/pods/<uid>/volumes/<plugin>/<name>}
 * (emptyDir, secret, configMap, downwardAPI, projected, hostPath), the atomic writer of API-data volumes, the
 * ownership walk of {@code fsGroup} and the symlink-safe opening of {@code subPath}s; upstream {@code pkg/volume}.
 */
package dev.j8s.kubelet.volume;
