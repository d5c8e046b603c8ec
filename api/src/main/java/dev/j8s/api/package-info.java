/** The Kubernetes object model and the Cluster client interface the kubelet and controllers use. */
package dev.j8s.api;
