/** Removal of stale UDP conntrack entries after the service rules change; upstream's pkg/proxy/conntrack. */
package dev.j8s.proxy.conntrack;
