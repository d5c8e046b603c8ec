/**
 * Service-account tokens for pods' projected token volumes: requested through the API (TokenRequest, bound to
 * the pod), cached and refreshed at 80 % of their life; upstream's {@code pkg/kubelet/token}.
 */
package dev.j8s.kubelet.token;
