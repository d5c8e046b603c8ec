/** The CRI-shaped container runtime: pod sandboxes with CNI, OCI bundles, conmon and runc. */
package dev.j8s.runtime;
