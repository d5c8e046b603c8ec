/**
 * End-to-end tests that start {@code j8s server} as a separate process and drive it with the real
 * {@code kubectl} binaries and raw HTTPS requests; corresponds to upstream's {@code test/e2e/kubectl}.
 */
package dev.j8s.e2e;
