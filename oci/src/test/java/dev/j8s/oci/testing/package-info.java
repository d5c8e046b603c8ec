/** Shared test fixtures for the oci integration tests: a real registry, images built with umoci and skopeo. */
package dev.j8s.oci.testing;
