/**
 * Sockets in a pod's network namespace, made from the node without a process inside the pod, and the libc calls
 * behind them; the node-side half of what CRI runtimes do for {@code PortForward} (containerd's
 * {@code portForward} in the sandbox's netns).
 */
package dev.j8s.runtime.netns;
