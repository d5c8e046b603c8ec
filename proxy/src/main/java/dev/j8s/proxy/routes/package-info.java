/**
 * Host routes to the other nodes' pod ranges through their addresses, as upstream's kubenet with the route
 * controller, or flannel's host-gw backend, keep them: {@link dev.j8s.proxy.routes.NodeRoutes} watches the Nodes,
 * {@link dev.j8s.proxy.routes.HostRoutes} changes the kernel's table with {@code ip route}.
 */
package dev.j8s.proxy.routes;
