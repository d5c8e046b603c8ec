/**
 * The cluster's certificate authority, the API server's serving certificate and the admin bearer token,
 * generated on first start and reused after (upstream: kubeadm's {@code phases/certs} and
 * {@code k8s.io/client-go/util/cert}); and a kubelet's own certificates: TLS bootstrapping and rotation of its client
 * certificate through CertificateSigningRequests, its kept or cluster-signed serving certificate (upstream:
 * {@code pkg/kubelet/certificate} and {@code k8s.io/client-go/util/certificate}).
 */
package dev.j8s.pki;
