package dev.j8s.kubelet.images;

import java.util.OptionalInt;

/**
 * The kubelet's image pull settings ({@code KubeletConfiguration} {@code serializeImagePulls},
 * {@code maxParallelImagePulls}, {@code registryPullQPS}, {@code registryBurst}), validated with upstream's
 * messages. Immutable and thread-safe.
 *
 * @param serializeImagePulls one pull at a time on the node (upstream default)
 * @param maxParallelImagePulls bound on concurrent pulls when not serialized; empty = unbounded
 * @param registryPullQPS pulls started per second, 0 = no limit; over the limit a pull fails at once
 * @param registryBurst bucket size when {@code registryPullQPS} &gt; 0
 */
public record ImagePullSettings(boolean serializeImagePulls, OptionalInt maxParallelImagePulls,
                                double registryPullQPS, int registryBurst) {
    /** Upstream's defaults: serialized, 5 QPS, burst 10. */
    public static final ImagePullSettings DEFAULTS = new ImagePullSettings(true, OptionalInt.empty(), 5, 10);

    /** @throws IllegalArgumentException with upstream's {@code invalid configuration: …} text */
    public ImagePullSettings {
        maxParallelImagePulls.ifPresent(max -> {
            if (max < 1) {
                throw new IllegalArgumentException(
                        "invalid configuration: maxParallelImagePulls " + max + " must be a positive number");
            }
            if (max > 1 && serializeImagePulls) {
                throw new IllegalArgumentException("invalid configuration: maxParallelImagePulls cannot be larger than 1 "
                        + "unless SerializeImagePulls (--serialize-image-pulls) is set to false");
            }
        });
        if (registryBurst < 0) {
            throw new IllegalArgumentException("invalid configuration: registryBurst (--registry-burst) "
                    + registryBurst + " must not be a negative number");
        }
        if (registryPullQPS < 0 || Double.isNaN(registryPullQPS)) {
            throw new IllegalArgumentException("invalid configuration: registryPullQPS (--registry-qps) "
                    + GoFloat.format(registryPullQPS) + " must not be a negative number");
        }
    }

    /**
     * Settings with {@code maxParallelImagePulls = max}, serialized exactly when {@code max < 2} as upstream's
     * defaulting does, and the default QPS/burst.
     */
    public static ImagePullSettings maxParallel(int max) {
        return new ImagePullSettings(max < 2, OptionalInt.of(max), DEFAULTS.registryPullQPS, DEFAULTS.registryBurst);
    }

    /** These settings with the registry QPS limit and burst replaced (0 QPS = unlimited). */
    public ImagePullSettings withRegistryLimits(double qps, int burst) {
        return new ImagePullSettings(serializeImagePulls, maxParallelImagePulls, qps, burst);
    }

    /** How many pulls may run at once; empty = unbounded. */
    OptionalInt concurrency() {
        return serializeImagePulls ? OptionalInt.of(1) : maxParallelImagePulls;
    }

    /** Go's {@code %v} of a float64 for the common cases (integers print without a fraction). */
    private static final class GoFloat {
        static String format(double v) {
            return v == Math.rint(v) && !Double.isInfinite(v) ? Long.toString((long) v) : Double.toString(v);
        }
    }
}
