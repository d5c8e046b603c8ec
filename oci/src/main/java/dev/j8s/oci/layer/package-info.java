/**
 * Escape-proof, single-pass unpacking of image layers (tar, tar+gzip, tar+zstd) into overlayfs lower
 * directories; corresponds to containerd's {@code pkg/archive} and moby's {@code go-archive}.
 */
package dev.j8s.oci.layer;
