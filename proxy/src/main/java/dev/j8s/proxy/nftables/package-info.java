/**
 * The service proxy: Services and EndpointSlices turned into one nftables table per instance, applied in one
 * {@code nft -f} transaction per change, with UDP conntrack cleanup; upstream's pkg/proxy/nftables and
 * pkg/proxy/conntrack.
 */
package dev.j8s.proxy.nftables;
