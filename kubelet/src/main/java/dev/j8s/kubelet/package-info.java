/** The kubelet: pod workers, images, credentials, environment, lifecycle hooks, events and status; mirrors pkg/kubelet. */
package dev.j8s.kubelet;
