/**
 * OCI bundles for containers: the runtime spec ({@code config.json}) and the rootfs mounts; corresponds
 * to containerd's {@code oci} package and the CRI plugin's {@code container_create_linux.go}.
 */
package dev.j8s.runtime.oci;
