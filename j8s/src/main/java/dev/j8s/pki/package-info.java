/**
 * The cluster's certificate authority, the API server's serving certificate and the admin bearer token,
 * generated on first start and reused after (upstream: kubeadm's {@code phases/certs} and
 * {@code k8s.io/client-go/util/cert}).
 */
package dev.j8s.pki;
