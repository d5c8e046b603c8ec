/**
 * How the API server reaches a node's kubelet for {@code pods/log} and {@code pods/exec}, as upstream's
 * {@code pkg/kubelet/client}: the embedded kubelet by call, any other node's kubelet over HTTPS at the address and
 * port its Node reports, with the API server's kubelet client certificate.
 */
package dev.j8s.apiserver.kubeletclient;
