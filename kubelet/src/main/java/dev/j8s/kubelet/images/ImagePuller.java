package dev.j8s.kubelet.images;

import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.image.PullListener;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs pulls one at a time (upstream's serial puller) or up to a bound at once (the parallel puller with
 * {@code maxParallelImagePulls}), throttled by the registry QPS limit; concurrent requests for the same
 * reference with the same credential identity share one pull. Thread-safe.
 *
 * <p>Each pull runs on its own virtual thread, so a caller that stops waiting (interrupted) does not cancel a
 * pull other callers share; the image service's own stall detection bounds a hung pull.
 */
final class ImagePuller {
    /** The outcome of one pull. */
    sealed interface Outcome {
        /** The image is stored; {@code took} is the time inside the puller (after queueing). */
        record Pulled(ImageRecord image, Duration took) implements Outcome {}

        /** The pull failed with the runtime error text {@code error} (no credential in it). */
        record Failed(String error) implements Outcome {}
    }

    private static final System.Logger LOG = System.getLogger(ImagePuller.class.getName());

    private final ImageService images;
    private final Clock clock;
    private final Semaphore slots;
    private final PullThrottle throttle;
    private final Map<String, CompletableFuture<Outcome>> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong joined = new AtomicLong();

    ImagePuller(ImageService images, Clock clock, ImagePullSettings settings) {
        this.images = images;
        this.clock = clock;
        this.slots = settings.concurrency().isPresent() ? new Semaphore(settings.concurrency().getAsInt(), true) : null;
        this.throttle = new PullThrottle(clock, settings.registryPullQPS(), settings.registryBurst());
    }

    /**
     * Pulls {@code ref}, or joins the pull of the same reference and credential identity already running.
     *
     * @throws InterruptedException when the caller is interrupted while waiting; the pull continues
     */
    Outcome pull(ImageReference ref, CredentialSupplier credentials, String credentialIdentity)
            throws InterruptedException {
        String key = ref + "\u0000" + credentialIdentity;
        CompletableFuture<Outcome> mine = new CompletableFuture<>();
        CompletableFuture<Outcome> running = inFlight.putIfAbsent(key, mine);
        if (running == null) {
            running = mine;
            Thread.ofVirtual().name("image-pull " + ref).start(() -> run(key, ref, credentials, mine));
        } else {
            joined.incrementAndGet();
            LOG.log(System.Logger.Level.DEBUG, "joining running pull image={0}", ref);
        }
        try {
            return running.get();
        } catch (ExecutionException e) {
            // run() completes normally in every case; keep the caller's contract anyway.
            return new Outcome.Failed(String.valueOf(e.getCause()));
        }
    }

    /** Number of pulls running or queued (distinct keys), for tests and diagnostics. */
    int inFlight() {
        return inFlight.size();
    }

    /** How many requests so far joined a pull that was already running, for tests and diagnostics. */
    long joined() {
        return joined.get();
    }

    /** Number of pulls waiting for a slot, for tests and diagnostics. */
    int queued() {
        return slots == null ? 0 : slots.getQueueLength();
    }

    private void run(String key, ImageReference ref, CredentialSupplier credentials, CompletableFuture<Outcome> result) {
        Outcome outcome;
        try {
            outcome = pullInSlot(ref, credentials);
        } catch (Throwable t) {
            outcome = new Outcome.Failed(PullErrors.describe(ref,
                    t instanceof RuntimeException re ? re : new IllegalStateException(t.toString(), t)));
        } finally {
            inFlight.remove(key, result);
        }
        result.complete(outcome);
    }

    private Outcome pullInSlot(ImageReference ref, CredentialSupplier credentials) {
        if (slots != null) {
            slots.acquireUninterruptibly();
        }
        try {
            Instant start = clock.instant();
            if (!throttle.tryAccept()) {
                return new Outcome.Failed(PullThrottle.QPS_EXCEEDED);
            }
            try {
                ImageRecord image = images.pull(ref, credentials, PullListener.NONE);
                return new Outcome.Pulled(image, Duration.between(start, clock.instant()));
            } catch (RuntimeException e) {
                return new Outcome.Failed(PullErrors.describe(ref, e));
            }
        } finally {
            if (slots != null) {
                slots.release();
            }
        }
    }
}
