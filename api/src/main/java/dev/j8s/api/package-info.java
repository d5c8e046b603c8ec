/**
 * The Cluster client interface the kubelet uses to reach the Kubernetes API, in fabric8 model types, and
 * its implementation on the fabric8 kubernetes-client (client-go's role for the upstream kubelet).
 */
package dev.j8s.api;
