package dev.j8s.kubelet.credentials;

import dev.j8s.kubelet.images.PresentImageAccess;
import dev.j8s.oci.image.ImageRecord;
import dev.j8s.oci.reference.ImageReference;
import dev.j8s.oci.registry.CredentialSupplier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * KEP-2535 "ensure secret pulled images": remembers which credentials pulled each image and decides whether a pod
 * may use an image that is already present without proving it can access it. Thread-safe (all methods are
 * synchronized; the manifest check runs outside the lock).
 *
 * <p>Follows upstream's {@code pkg/kubelet/images/pullmanager} with one j8s difference: where upstream forces a
 * re-pull, j8s first verifies the pod's credentials with a manifest request only ({@link ManifestCheck}), cached per
 * credential (identity plus credential hash), and records a successful verification like a pull.
 * Records are kept in memory.
 */
public final class SecretPulledImages implements PresentImageAccess {
    /** Upstream's cap on opportunistic record updates. */
    static final int MAX_CACHED_ENTRIES = 100;

    /** {@code imagePullCredentialsVerificationPolicy}. */
    public enum Policy {
        NEVER_VERIFY("NeverVerify"),
        NEVER_VERIFY_PRELOADED_IMAGES("NeverVerifyPreloadedImages"),
        NEVER_VERIFY_ALLOWLISTED_IMAGES("NeverVerifyAllowlistedImages"),
        ALWAYS_VERIFY("AlwaysVerify");

        /** Upstream's default when the feature is on. */
        public static final Policy DEFAULT = NEVER_VERIFY_PRELOADED_IMAGES;

        private final String value;

        Policy(String value) {
            this.value = value;
        }

        /** The configuration string. */
        public String value() {
            return value;
        }

        /** Parses the configuration string; unknown values are rejected with the supported values. */
        public static Policy parse(String s) {
            for (Policy p : values()) {
                if (p.value.equals(s)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("imagePullCredentialsVerificationPolicy: Unsupported value: \"" + s
                    + "\": supported values: \"AlwaysVerify\", \"NeverVerify\", \"NeverVerifyAllowlistedImages\", "
                    + "\"NeverVerifyPreloadedImages\"");
        }
    }

    /** What the image manager should do with a present image. */
    public sealed interface Decision {
        /** Use the present image; emit Normal {@code Pulled} with {@link #message()}. */
        record UsePresent(String message) implements Decision {}

        /**
         * The pod has not proved access: with {@code IfNotPresent} pull (the registry checks the credentials);
         * with {@code Never} fail exactly as for an absent image ({@link #neverPullMessage(String)}).
         */
        record MustPull(String why) implements Decision {}
    }

    /** A secret that pulled (or verified) an image. */
    record SecretCoordinates(String uid, String namespace, String name, String credentialHash) {}

    private static final class Mapping {
        boolean nodePodsAccessible;
        final List<SecretCoordinates> secrets = new ArrayList<>();
    }

    private final Policy policy;
    private final List<String> allowlist;
    private final ManifestCheck check;
    private final Map<String, Map<String, Mapping>> records = new HashMap<>();
    private final Map<String, Integer> intents = new HashMap<>();
    private final Set<String> verified = new HashSet<>();

    /**
     * @param allowlist {@code preloadedImagesVerificationAllowlist}: repository names without tag/digest, or
     *     prefixes ending in {@code /*}; compared with normalized names
     * @throws IllegalArgumentException for an invalid allowlist entry
     */
    public SecretPulledImages(Policy policy, List<String> allowlist, ManifestCheck check) {
        this.policy = policy;
        List<String> normalized = new ArrayList<>();
        for (String a : allowlist) {
            normalized.add(normalizeAllowlistEntry(a));
        }
        this.allowlist = List.copyOf(normalized);
        this.check = check;
    }

    private static String normalizeAllowlistEntry(String a) {
        if (!a.strip().equals(a) || a.isEmpty()) {
            throw new IllegalArgumentException("preloadedImagesVerificationAllowlist: Invalid value: \"" + a
                    + "\": must not be empty or have leading or trailing spaces");
        }
        boolean prefix = a.endsWith("/*");
        String base = prefix ? a.substring(0, a.length() - 2) : a;
        if (base.contains("*")) {
            throw new IllegalArgumentException("preloadedImagesVerificationAllowlist: Invalid value: \"" + a
                    + "\": only a trailing \"/*\" wildcard is allowed");
        }
        if (prefix) {
            return base + "/*";
        }
        ImageReference ref = ImageReference.parse(base);
        if (ref.tag().isPresent() || ref.digest().isPresent()) {
            throw new IllegalArgumentException("preloadedImagesVerificationAllowlist: Invalid value: \"" + a
                    + "\": must not contain a tag or digest");
        }
        return ref.repository();
    }

    /** The message upstream uses for {@code Never} when the image is absent or the pod may not use it. */
    public static String neverPullMessage(String image) {
        return "Container image \"" + image + "\" is not present with pull policy of Never";
    }

    /** Records that the kubelet is about to pull {@code image} (the string in the pod spec). */
    public synchronized void pullStarted(String image) {
        intents.merge(image, 1, Integer::sum);
    }

    /** Records that a pull of {@code image} failed. */
    public synchronized void pullFailed(String image) {
        intents.computeIfPresent(image, (k, n) -> n <= 1 ? null : n - 1);
    }

    /**
     * Records a successful pull of {@code image} ({@code ref} normalized) into the image {@code imageRef} with the
     * candidate that worked; empty (anonymous) or a node-wide source makes the image usable by every pod.
     */
    public synchronized void pulled(String image, ImageReference ref, String imageRef,
                                    Optional<CredentialCandidate> used) {
        pullFailed(image);
        record(ref, imageRef, used);
    }

    private void record(ImageReference ref, String imageRef, Optional<CredentialCandidate> used) {
        Mapping m = records.computeIfAbsent(imageRef, k -> new HashMap<>())
                .computeIfAbsent(ref.repository(), k -> new Mapping());
        if (used.isEmpty() || used.get().source().nodeWide()) {
            m.nodePodsAccessible = true;
            return;
        }
        CredentialSource.PullSecret s = (CredentialSource.PullSecret) used.get().source();
        SecretCoordinates c = new SecretCoordinates(s.uid(), s.namespace(), s.name(), used.get().credentialHash());
        if (!m.secrets.contains(c)) {
            m.secrets.add(c);
        }
    }

    /**
     * Restores what the image store remembers across restarts (upstream keeps its pull records on
     * disk for the same reason): an image that was pulled with any credential must be verified again
     * before another pod uses it, one pulled anonymously is open to every pod on the node. Without
     * this, a restart would make every private image look preloaded.
     */
    public synchronized void restored(String imageRef, ImageReference ref, boolean pulledWithCredentials) {
        Mapping m = records.computeIfAbsent(imageRef, k -> new HashMap<>())
                .computeIfAbsent(ref.repository(), k -> new Mapping());
        if (!pulledWithCredentials) {
            m.nodePodsAccessible = true;
        }
    }

    /** Forgets the records of an image removed from the node (image GC). */
    public synchronized void imageRemoved(String imageRef) {
        records.remove(imageRef);
        verified.removeIf(k -> k.startsWith(imageRef + "\u0000"));
    }

    /**
     * The image manager's check: {@code credentials} is the pod's {@link Resolution} for {@code ref}; any other
     * supplier counts as a pod without credentials.
     */
    @Override
    public Verdict check(String image, ImageReference ref, ImageRecord present, CredentialSupplier credentials) {
        Resolution pod = credentials instanceof Resolution r ? r : new Resolution(ref, List.of(), List.of());
        return switch (decide(image, ref, present.id().toString(), pod)) {
            case Decision.UsePresent u -> new Verdict.Use(u.message());
            case Decision.MustPull m -> new Verdict.MustPull(m.why());
        };
    }

    /**
     * Whether a pod may use the present image {@code imageRef} for {@code image} (the spec string, {@code ref} its
     * normalized form) with the credentials {@code pod} resolved for it.
     */
    public Decision decide(String image, ImageReference ref, String imageRef, Resolution pod) {
        String usable = "Container image \"" + image + "\" already present on machine and can be accessed by the pod";
        boolean verify;
        synchronized (this) {
            verify = switch (policy) {
                case NEVER_VERIFY -> false;
                case NEVER_VERIFY_PRELOADED_IMAGES -> records.containsKey(imageRef) || intents.containsKey(image);
                case NEVER_VERIFY_ALLOWLISTED_IMAGES -> !allowlisted(ref);
                case ALWAYS_VERIFY -> true;
            };
            if (!verify) {
                return new Decision.UsePresent(usable);
            }
            Mapping m = Optional.ofNullable(records.get(imageRef)).map(r -> r.get(ref.repository())).orElse(null);
            if (m != null) {
                if (m.nodePodsAccessible) {
                    return new Decision.UsePresent(usable);
                }
                for (CredentialCandidate c : pod.candidates()) {
                    if (c.source() instanceof CredentialSource.PullSecret s && matchesCached(m, s, c)) {
                        return new Decision.UsePresent(usable);
                    }
                }
            }
        }
        // No record proves access: ask the registry with the pod's own credentials, manifest only.
        List<Optional<CredentialCandidate>> tries = new ArrayList<>();
        if (pod.candidates().isEmpty()) {
            tries.add(Optional.empty());
        } else {
            pod.candidates().forEach(c -> tries.add(Optional.of(c)));
        }
        for (Optional<CredentialCandidate> c : tries) {
            String key = imageRef + "\u0000" + c.map(x -> x.credentials().identity() + "#" + x.credentialHash())
                    .orElse("anonymous");
            boolean known;
            synchronized (this) {
                known = verified.contains(key);
            }
            boolean ok = known;
            if (!known) {
                try {
                    ok = check.canAccess(ref, c.map(CredentialCandidate::credentials));
                } catch (RuntimeException e) {
                    ok = false; // Fail safe: an error never grants access.
                }
            }
            if (ok) {
                synchronized (this) {
                    verified.add(key);
                    record(ref, imageRef, c);
                }
                return new Decision.UsePresent(usable);
            }
        }
        return new Decision.MustPull("no credential of the pod was verified for image \"" + image + "\"");
    }

    private boolean matchesCached(Mapping m, CredentialSource.PullSecret s, CredentialCandidate c) {
        String hash = c.credentialHash();
        for (SecretCoordinates cached : List.copyOf(m.secrets)) {
            boolean sameHash = cached.credentialHash().equals(hash);
            boolean sameSecret = cached.uid().equals(s.uid()) && cached.namespace().equals(s.namespace())
                    && cached.name().equals(s.name());
            if (sameHash || sameSecret) {
                SecretCoordinates now = new SecretCoordinates(s.uid(), s.namespace(), s.name(), hash);
                if (!m.secrets.contains(now) && m.secrets.size() < MAX_CACHED_ENTRIES) {
                    m.secrets.add(now);
                }
                return true;
            }
        }
        return false;
    }

    private boolean allowlisted(ImageReference ref) {
        String repo = ref.repository();
        for (String a : allowlist) {
            if (a.endsWith("/*") ? repo.startsWith(a.substring(0, a.length() - 1)) : repo.equals(a)) {
                return true;
            }
        }
        return false;
    }

    /** For tests and explain: the secrets recorded for {@code imageRef} and repository, and whether node-wide. */
    synchronized Optional<Map.Entry<Boolean, Set<SecretCoordinates>>> recordOf(String imageRef, String repository) {
        return Optional.ofNullable(records.get(imageRef)).map(r -> r.get(repository))
                .map(m -> Map.entry(m.nodePodsAccessible, new LinkedHashSet<>(m.secrets)));
    }
}
