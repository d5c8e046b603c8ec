/**
 * PKCS#10 certificate signing requests as the certificates.k8s.io API carries them (PEM {@code CERTIFICATE
 * REQUEST} blocks): parsing and signature checks shared by the API server's validation and the signing controller,
 * as upstream's {@code pkg/apis/certificates} helpers serve both.
 */
package dev.j8s.api.certificates;
