package dev.j8s.oci.image;

import java.time.Duration;

/**
 * Image garbage collection thresholds as the kubelet's {@code imageGCHighThresholdPercent},
 * {@code imageGCLowThresholdPercent} and {@code imageMinimumGCAge}.
 *
 * <p>Immutable and thread-safe.
 */
public record GcPolicy(int highThresholdPercent, int lowThresholdPercent, Duration minimumAge) {
    /** Upstream's defaults: 85 %, 80 %, 2 minutes. */
    public static final GcPolicy DEFAULT = new GcPolicy(85, 80, Duration.ofMinutes(2));

    /** Validates like the kubelet config validation, with its messages. */
    public GcPolicy {
        if (highThresholdPercent < 0 || highThresholdPercent > 100) {
            throw new IllegalArgumentException("invalid configuration: imageGCHighThresholdPercent (--image-gc-high-threshold) "
                    + highThresholdPercent + " must be between 0 and 100, inclusive");
        }
        if (lowThresholdPercent < 0 || lowThresholdPercent > 100) {
            throw new IllegalArgumentException("invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) "
                    + lowThresholdPercent + " must be between 0 and 100, inclusive");
        }
        if (lowThresholdPercent > highThresholdPercent) {
            throw new IllegalArgumentException("invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) "
                    + lowThresholdPercent + " must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) "
                    + highThresholdPercent);
        }
        if (minimumAge.isNegative()) {
            throw new IllegalArgumentException("invalid configuration: imageMinimumGCAge " + minimumAge + " must not be negative");
        }
    }
}
