/** The pod lifecycle event generator: notices container state changes from conmon's exit files and a bounded relist; upstream {@code pkg/kubelet/pleg}. */
package dev.j8s.kubelet.pleg;
