/**
 * Node networking services fed by watches: the service proxy ({@code nftables}) and the cluster DNS server
 * ({@code dns}), started together by {@link dev.j8s.proxy.NodeServices}; upstream's kube-proxy and CoreDNS's
 * kubernetes plugin.
 */
package dev.j8s.proxy;
