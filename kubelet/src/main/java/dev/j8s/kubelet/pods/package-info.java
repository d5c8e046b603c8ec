/** Pod workers: one virtual thread per pod applying its updates in order, latest state wins; upstream {@code pkg/kubelet/pod_workers.go}. */
package dev.j8s.kubelet.pods;
