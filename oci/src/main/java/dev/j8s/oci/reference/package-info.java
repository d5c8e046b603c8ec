/**
 * Image references and content digests: Docker's reference grammar and normalization; corresponds to
 * upstream {@code github.com/distribution/reference} and {@code github.com/opencontainers/go-digest}.
 */
package dev.j8s.oci.reference;
