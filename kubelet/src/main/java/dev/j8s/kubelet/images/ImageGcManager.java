package dev.j8s.kubelet.images;

import dev.j8s.oci.image.GcPolicy;
import dev.j8s.oci.image.GcResult;
import dev.j8s.oci.reference.Digest;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Image garbage collection on a timer, as upstream's {@code image_gc_manager}: every five minutes,
 * with the disk thresholds of a {@link GcPolicy} (85 %/80 %, two minutes minimum age), never
 * removing an image that a container on this node uses; a shortfall is reported as upstream's
 * {@code FreeDiskSpaceFailed} text. Thread-safe; one virtual thread while started.
 */
public final class ImageGcManager implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ImageGcManager.class.getName());
    /** Upstream's ImageGCPeriod. */
    public static final Duration PERIOD = Duration.ofMinutes(5);

    /** One collection over the node's images; the image store's garbageCollect. */
    @FunctionalInterface
    public interface Collector {
        GcResult collect(GcPolicy policy, Set<Digest> inUse, Instant now);
    }

    private final Collector collector;
    private final Supplier<Set<Digest>> inUse;
    private final GcPolicy policy;
    private final Clock clock;
    private volatile Thread thread;

    public ImageGcManager(Collector collector, Supplier<Set<Digest>> inUse, GcPolicy policy, Clock clock) {
        this.collector = collector;
        this.inUse = inUse;
        this.policy = policy;
        this.clock = clock;
    }

    /** Runs one collection now; returns what it did. */
    public GcResult collectOnce() {
        GcResult result = collector.collect(policy, inUse.get(), clock.instant());
        if (!result.satisfied()) {
            LOG.log(Level.WARNING, failureMessage(result));
        }
        return result;
    }

    /** Upstream's FreeDiskSpaceFailed message. */
    static String failureMessage(GcResult result) {
        return "Failed to garbage collect required amount of images. Attempted to free " + result.bytesWanted()
                + " bytes, but only found " + result.bytesFreed() + " bytes eligible to free.";
    }

    public synchronized void start() {
        if (thread != null) {
            return;
        }
        thread = Thread.ofVirtual().name("kubelet-image-gc").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(PERIOD);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    collectOnce();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "image garbage collection failed: " + e.getMessage());
                }
            }
        });
    }

    @Override
    public synchronized void close() {
        if (thread != null) {
            thread.interrupt();
            thread = null;
        }
    }
}
