package dev.j8s.kubelet.images;

import dev.j8s.kubelet.format.GoDuration;

import dev.j8s.kubelet.container.ContainerKind;
import dev.j8s.kubelet.container.ContainerReferences;
import dev.j8s.kubelet.events.EventReason;
import dev.j8s.kubelet.events.EventRecorder;
import dev.j8s.kubelet.events.EventType;
import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import dev.j8s.oci.registry.Credentials;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes sure a container's image is on the node before the container starts, exactly as upstream's
 * {@code imageManager.EnsureImageExists} ({@code pkg/kubelet/images/image_manager.go}): default tag, pull
 * policy, pull back-off per pod and image, serialized or parallel pulls, and the {@code Pulling},
 * {@code Pulled}, {@code Failed}, {@code InspectFailed}, {@code ErrImageNeverPull} and {@code BackOff} events.
 * Thread-safe: every pod worker calls it concurrently.
 *
 * <p>It also emits the {@code Failed} event {@code Error: <reason>} that upstream's {@code startContainer}
 * records when the image is not ready, so the caller must not record it again.
 */
public final class ImageManager {
    /** Upstream's {@code backOffPeriod} for image pulls. */
    public static final Duration INITIAL_BACK_OFF = Duration.ofSeconds(10);
    /** Upstream's {@code MaxContainerBackOff} used as the image back-off cap. */
    public static final Duration MAX_BACK_OFF = Duration.ofSeconds(300);

    private static final System.Logger LOG = System.getLogger(ImageManager.class.getName());

    private final ImageService images;
    private final EventRecorder recorder;
    private final Clock clock;
    private final ImageBackOff backOff;
    private final ImagePuller puller;
    private final PresentImageAccess access;
    /** Last pull error per back-off key, {@code <reason>: <message>}, shown while backing off. */
    private final Map<String, String> previousPullErrors = new ConcurrentHashMap<>();

    /**
     * @param images the node's image store
     * @param recorder where the events go
     * @param clock the time source for back-off windows and pull durations
     * @param settings serialization, parallelism and registry QPS
     */
    public ImageManager(ImageService images, EventRecorder recorder, Clock clock, ImagePullSettings settings) {
        this(images, recorder, clock, settings, PresentImageAccess.ANY);
    }

    /**
     * @param access decides whether a pod may use an image already present (KEP-2535); with
     *     {@link PresentImageAccess#ANY} every pod may
     */
    public ImageManager(ImageService images, EventRecorder recorder, Clock clock, ImagePullSettings settings,
                        PresentImageAccess access) {
        this.access = Objects.requireNonNull(access);
        this.images = Objects.requireNonNull(images);
        this.recorder = Objects.requireNonNull(recorder);
        this.clock = Objects.requireNonNull(clock);
        this.backOff = new ImageBackOff(clock, INITIAL_BACK_OFF, MAX_BACK_OFF);
        this.puller = new ImagePuller(images, clock, settings);
    }

    /**
     * Ensures the image of {@code container} exists on the node, pulling it if its policy says so.
     *
     * @param kind which list of the pod spec the container comes from (its events' field path)
     * @param credentials the registry credentials this pod may use (pod secrets, node files, plugins)
     * @return {@link ImagePullResult.Ready} with the image ID, or {@link ImagePullResult.Waiting} with upstream's
     *     reason and message; never throws for a pull, inspect or name failure
     */
    public ImagePullResult ensureImageExists(Pod pod, Container container, ContainerKind kind,
                                             CredentialSupplier credentials) {
        ObjectReference ref = ContainerReferences.of(pod, container, kind);
        String requested = Objects.requireNonNullElse(container.getImage(), "");
        String podUid = pod.getMetadata() == null ? "" : Objects.requireNonNullElse(pod.getMetadata().getUid(), "");
        String logPrefix = (pod.getMetadata() == null ? "" : pod.getMetadata().getNamespace() + "/"
                + pod.getMetadata().getName()) + "/" + requested;

        // 1. applyDefaultImageTag on the string as written; the runtime gets it, not the normalized name.
        ImageReference parsed;
        try {
            parsed = ImageReference.parse(requested);
        } catch (IllegalArgumentException e) {
            String msg = "Failed to apply default image tag " + PullErrors.quote(requested) + ": couldn't parse image name "
                    + PullErrors.quote(requested) + ": " + e.getMessage();
            return waiting(ref, logPrefix, EventReason.FAILED_TO_INSPECT_IMAGE, ImagePullResult.INVALID_IMAGE_NAME, msg);
        }
        String image = applyDefaultImageTag(requested, parsed);
        ImageReference canonical = parsed.withDefaultTag();
        PullPolicy policy = PullPolicy.of(container.getImagePullPolicy(), parsed);

        // 2. Precheck: Always skips the local lookup.
        if (policy != PullPolicy.ALWAYS) {
            Optional<ImageRecord> present;
            try {
                present = images.find(canonical);
            } catch (RuntimeException e) {
                String msg = "Failed to inspect image " + PullErrors.quote(image) + ": " + e.getMessage();
                return waiting(ref, logPrefix, EventReason.FAILED_TO_INSPECT_IMAGE, ImagePullResult.IMAGE_INSPECT_ERROR,
                        msg);
            }
            if (present.isPresent()) {
                PresentImageAccess.Verdict verdict;
                try {
                    verdict = access.check(requested, canonical, present.get(), credentials);
                } catch (RuntimeException e) {
                    // Fail safe: a failed check never grants access.
                    verdict = new PresentImageAccess.Verdict.MustPull(String.valueOf(e.getMessage()));
                }
                if (verdict instanceof PresentImageAccess.Verdict.Use(String message)) {
                    log(ref, logPrefix, EventType.NORMAL, EventReason.PULLED_IMAGE, message);
                    return new ImagePullResult.Ready(present.get().id().toString(), present.get());
                }
                LOG.log(System.Logger.Level.INFO, "present image not verified for the pod, pulling image={0} why={1}",
                        logPrefix, ((PresentImageAccess.Verdict.MustPull) verdict).why());
            }
            if (policy == PullPolicy.NEVER) {
                // A pod that may not use a present image learns nothing more than for an absent one.
                String msg = "Container image " + PullErrors.quote(requested) + " is not present with pull policy of Never";
                return waiting(ref, logPrefix, EventReason.ERR_IMAGE_NEVER_PULL_POLICY, ImagePullResult.ERR_IMAGE_NEVER_PULL,
                        msg);
            }
        }

        // 3. Back-off per pod and image as written.
        String backOffKey = podUid + "_" + requested;
        if (backOff.isInBackOff(backOffKey)) {
            String msg = "Back-off pulling image " + PullErrors.quote(requested);
            log(ref, logPrefix, EventType.NORMAL, EventReason.BACK_OFF_PULL_IMAGE, msg);
            String previous = previousPullErrors.get(backOffKey);
            if (previous != null) {
                msg = msg + ": " + previous;
            }
            return errorEvent(ref, new ImagePullResult.Waiting(ImagePullResult.IMAGE_PULL_BACK_OFF, msg));
        }
        previousPullErrors.remove(backOffKey);

        // 4. Pull.
        log(ref, logPrefix, EventType.NORMAL, EventReason.PULLING_IMAGE, "Pulling image " + PullErrors.quote(requested));
        Instant start = clock.instant();
        ImagePuller.Outcome outcome;
        try {
            outcome = puller.pull(canonical, credentials, credentialIdentity(credentials, canonical));
        } catch (InterruptedException e) {
            // The pod worker is being stopped: no event, no back-off; the pull itself goes on for others.
            Thread.currentThread().interrupt();
            return new ImagePullResult.Waiting(ImagePullResult.ERR_IMAGE_PULL, "context canceled");
        } catch (RuntimeException e) {
            // The credential supplier failed: upstream fails the pull with the keyring's error.
            outcome = new ImagePuller.Outcome.Failed(Objects.requireNonNullElse(e.getMessage(), e.toString()));
        }
        return switch (outcome) {
            case ImagePuller.Outcome.Failed(String error) -> {
                log(ref, logPrefix, EventType.WARNING, EventReason.FAILED_TO_PULL_IMAGE,
                        "Failed to pull image " + PullErrors.quote(requested) + ": " + error);
                backOff.next(backOffKey);
                PullErrors.Classified c = PullErrors.classify(requested, error);
                previousPullErrors.put(backOffKey, c.reason() + ": " + c.message());
                yield errorEvent(ref, new ImagePullResult.Waiting(c.reason(), c.message()));
            }
            case ImagePuller.Outcome.Pulled(ImageRecord pulled, Duration took) -> {
                Duration total = Duration.between(start, clock.instant());
                log(ref, logPrefix, EventType.NORMAL, EventReason.PULLED_IMAGE, "Successfully pulled image "
                        + PullErrors.quote(requested) + " in " + GoDuration.millis(took) + " ("
                        + GoDuration.millis(total) + " including waiting). Image size: " + pulled.size() + " bytes.");
                backOff.gc();
                yield new ImagePullResult.Ready(pulled.id().toString(), pulled);
            }
        };
    }

    /**
     * Upstream's {@code applyDefaultImageTag}: appends {@code :latest} to the string as written when it has
     * neither tag nor digest ({@code busybox} → {@code busybox:latest}, not the normalized name).
     */
    static String applyDefaultImageTag(String requested, ImageReference parsed) {
        if (parsed.digest().isEmpty()) {
            String tag = parsed.tag().orElse("latest");
            if (!requested.endsWith(":" + tag)) {
                return requested + ":" + tag;
            }
        }
        return requested;
    }

    /** The current back-off window for a pod and image as written; zero when none (for diagnostics and tests). */
    Duration backOffWindow(String podUid, String image) {
        return backOff.window(podUid + "_" + image);
    }

    ImagePuller puller() {
        return puller;
    }

    /** Which credential a pull would use, so that only pulls with the same identity are shared. */
    private static String credentialIdentity(CredentialSupplier credentials, ImageReference ref) {
        return credentials.credentials(ref.domain(), ref.path()).map(Credentials::identity).orElse("anonymous");
    }

    private ImagePullResult waiting(ObjectReference ref, String logPrefix, EventReason reason, String waitingReason,
                                    String message) {
        log(ref, logPrefix, EventType.WARNING, reason, message);
        return errorEvent(ref, new ImagePullResult.Waiting(waitingReason, message));
    }

    /** Upstream's {@code startContainer}: {@code Failed} with {@code Error: <reason>} whenever the image is not ready. */
    private ImagePullResult errorEvent(ObjectReference ref, ImagePullResult.Waiting waiting) {
        recorder.event(ref, EventType.WARNING, EventReason.FAILED_TO_CREATE_CONTAINER, "Error: " + waiting.reason());
        return waiting;
    }

    /** Upstream's {@code logIt}: the event for users and a log line for operators. */
    private void log(ObjectReference ref, String logPrefix, EventType type, EventReason reason, String message) {
        recorder.event(ref, type, reason, message);
        LOG.log(type == EventType.WARNING ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                "{0} image={1} fieldPath={2}", message, logPrefix, ref.getFieldPath());
    }
}
