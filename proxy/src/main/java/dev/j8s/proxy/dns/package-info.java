/**
 * The cluster DNS server: answers for the cluster domain from an in-memory index of Services, EndpointSlices and
 * Namespaces fed by watches, everything else forwarded to the node's resolvers; what CoreDNS's kubernetes and
 * forward plugins do for kube-dns, after the kubernetes/dns specification. Messages are dnsjava's.
 */
package dev.j8s.proxy.dns;
