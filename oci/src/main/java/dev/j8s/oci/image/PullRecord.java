package dev.j8s.oci.image;

import java.time.Instant;

/**
 * Who pulled an image: the registry host, repository and credential identity (never a secret), for the
 * kubelet's "ensure secret pulled images" checks.
 *
 * <p>Immutable and thread-safe.
 *
 * @param registryHost registry {@code host[:port]} as in the reference, e.g. {@code docker.io}
 * @param repository repository path, e.g. {@code library/nginx}
 * @param credentialIdentity e.g. {@code user:alice}; empty for an anonymous pull or an import
 * @param at when the pull finished
 */
public record PullRecord(String registryHost, String repository, String credentialIdentity, Instant at) {}
