package dev.j8s.oci.registry;

import java.time.Duration;
import java.util.Set;

/**
 * Tunables of the registry client.
 *
 * <p>Immutable and thread-safe.
 *
 * @param connectTimeout TCP/TLS connect timeout
 * @param stallWindow the window over which progress is measured
 * @param stallMinBytes fewer bytes than this in any window is a stall (a trickle is a stall)
 * @param minBlobRate bytes per second for the overall per-blob deadline ({@code 60 s + size / minBlobRate})
 * @param maxAttempts attempts per request on 5xx, 429 and connection failures (first try included)
 * @param initialBackoff back-off before the second attempt; doubles per attempt
 * @param insecureHosts registry hosts ({@code host[:port]}) reached over plain HTTP although not loopback
 */
public record RegistryOptions(Duration connectTimeout, Duration stallWindow, long stallMinBytes, long minBlobRate,
                              int maxAttempts, Duration initialBackoff, Set<String> insecureHosts) {
    public static final RegistryOptions DEFAULT = new RegistryOptions(Duration.ofSeconds(15), Duration.ofSeconds(30),
            16 * 1024, 64 * 1024, 4, Duration.ofMillis(500), Set.of());

    public RegistryOptions {
        insecureHosts = Set.copyOf(insecureHosts);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }
}
