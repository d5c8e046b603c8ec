/**
 * The {@link dev.j8s.runtime.ContainerRuntime} implementation that runs containers under conmon with
 * runc (or crun), keeping all state on disk; corresponds to CRI-O's {@code internal/oci} (conmon
 * driver) and go-runc.
 */
package dev.j8s.runtime.conmon;
