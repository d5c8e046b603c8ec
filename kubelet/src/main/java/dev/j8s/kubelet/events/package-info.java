/**
 * Kubelet events: the reasons, types and recorder through which the kubelet reports to users what it did to a
 * pod's containers; corresponds to upstream {@code pkg/kubelet/events}.
 */
package dev.j8s.kubelet.events;
