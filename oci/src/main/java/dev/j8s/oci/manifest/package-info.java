/**
 * Image manifests, indexes and configs (Docker schema 2 and OCI image-spec) with platform selection;
 * corresponds to upstream {@code github.com/opencontainers/image-spec/specs-go/v1} and containerd's
 * {@code core/images}.
 */
package dev.j8s.oci.manifest;
