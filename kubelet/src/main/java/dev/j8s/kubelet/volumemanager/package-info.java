/**
 * Sets up the volumes of the node's pods before their containers start, hands their mounts to the runtime and
 * tears them down when the pods go; upstream {@code pkg/kubelet/volumemanager}.
 */
package dev.j8s.kubelet.volumemanager;
