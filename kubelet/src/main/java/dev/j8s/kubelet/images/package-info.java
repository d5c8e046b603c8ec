/**
 * Ensures a container's image is on the node before the container starts: pull policies, pull back-off,
 * serialized or parallel pulls and the image events; corresponds to upstream {@code pkg/kubelet/images}.
 */
package dev.j8s.kubelet.images;
