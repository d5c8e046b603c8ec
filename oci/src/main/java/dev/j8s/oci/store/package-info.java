/**
 * The content-addressed blob store and digest-verifying streams; corresponds to containerd's
 * {@code core/content} and {@code plugins/content/local}.
 */
package dev.j8s.oci.store;
