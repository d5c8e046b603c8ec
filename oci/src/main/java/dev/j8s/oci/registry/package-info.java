/**
 * The Distribution API v2 client: challenge-driven auth, our own redirect handling, bounded and
 * stall-guarded reads, retries and resume; corresponds to containerd's {@code core/remotes/docker} and
 * the distribution spec's {@code docs/spec/auth}.
 */
package dev.j8s.oci.registry;
