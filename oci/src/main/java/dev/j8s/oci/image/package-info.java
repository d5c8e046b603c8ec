/**
 * The node's image store: pulls (single pass per layer, shared between racing pulls), image records with pull
 * records, removal, offline import and disk-threshold garbage collection; corresponds to containerd's
 * {@code core/images} plus {@code core/unpack} and the kubelet's {@code pkg/kubelet/images/image_gc_manager.go}.
 */
package dev.j8s.oci.image;
