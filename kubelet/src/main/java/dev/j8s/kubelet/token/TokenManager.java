package dev.j8s.kubelet.token;

import dev.j8s.api.Cluster;
import dev.j8s.api.ClusterException;
import io.fabric8.kubernetes.api.model.authentication.BoundObjectReference;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Upstream's token manager ({@code pkg/kubelet/token/token_manager.go}): a service-account token per service
 * account, audiences, expiry and bound pod, asked for through the API's TokenRequest and cached; a cached token is
 * requested again once less than 20 % of its life is left, once it is older than 24 hours, or when its issue time
 * lies ahead (each with up to 10 s of jitter); a failed refresh keeps a token that is still valid. Tokens never
 * appear in its logs or errors. Thread-safe.
 */
public final class TokenManager {

    private static final System.Logger LOG = System.getLogger(TokenManager.class.getName());
    static final Duration MAX_TTL = Duration.ofHours(24);
    static final Duration MAX_JITTER = Duration.ofSeconds(10);

    /** What identifies a cached token. */
    record Key(String namespace, String serviceAccount, List<String> audiences, long expirationSeconds,
               String podName, String podUid) {
        @Override
        public String toString() {
            return "\"" + serviceAccount + "\"/\"" + namespace + "\"/" + audiences + "/" + expirationSeconds + "/"
                    + podName + "/" + podUid;
        }
    }

    /** A token and its validity window as the API reported it. */
    record Entry(String token, Instant issued, Instant expires) {
        @Override
        public String toString() {
            return "Entry[issued=" + issued + ", expires=" + expires + ", token=<redacted>]";
        }
    }

    private final Cluster cluster;
    private final Clock clock;
    private final Map<Key, Entry> cache = new ConcurrentHashMap<>();

    public TokenManager(Cluster cluster, Clock clock) {
        this.cluster = cluster;
        this.clock = clock;
    }

    /**
     * The token of {@code namespace/serviceAccount} for a pod's projected volume, from the cache while fresh.
     *
     * @param audiences the projection's audience, or none for the API's
     * @throws TokenException {@code failed to fetch token: …} on a first failure, or
     *                        {@code token … expired and refresh failed: …}
     */
    public String token(String namespace, String serviceAccount, List<String> audiences, long expirationSeconds,
                        String podName, String podUid) {
        Key key = new Key(namespace, serviceAccount, List.copyOf(audiences), expirationSeconds, podName, podUid);
        Entry cached = cache.get(key);
        Instant now = clock.instant();
        if (cached != null && !requiresRefresh(cached, now)) {
            return cached.token();
        }
        TokenRequest request = new TokenRequestBuilder()
                .withNewSpec()
                .withAudiences(audiences)
                .withExpirationSeconds(expirationSeconds)
                .withBoundObjectRef(new BoundObjectReference("v1", "Pod", podName, podUid))
                .endSpec()
                .build();
        try {
            TokenRequest answer = cluster.createToken(namespace, serviceAccount, request);
            Entry fresh = entry(answer, expirationSeconds);
            cache.put(key, fresh);
            return fresh.token();
        } catch (ClusterException | TokenException e) {
            if (cached == null) {
                throw new TokenException("failed to fetch token: " + e.getMessage(), e);
            }
            if (now.isBefore(cached.expires())) {
                LOG.log(Level.WARNING, "service account token refresh failed, the current token is used until it"
                        + " expires serviceaccount=" + namespace + "/" + serviceAccount + " pod=" + podName
                        + " expires=" + cached.expires() + " error=" + e.getMessage());
                return cached.token();
            }
            throw new TokenException("token " + key + " expired and refresh failed: " + e.getMessage(), e);
        }
    }

    private static Entry entry(TokenRequest answer, long expirationSeconds) {
        if (answer.getStatus() == null || answer.getStatus().getToken() == null
                || answer.getStatus().getExpirationTimestamp() == null) {
            throw new TokenException("the token request was answered without a token");
        }
        Instant expires;
        try {
            expires = OffsetDateTime.parse(answer.getStatus().getExpirationTimestamp()).toInstant();
        } catch (DateTimeParseException e) {
            throw new TokenException("the token's expirationTimestamp " + answer.getStatus().getExpirationTimestamp()
                    + " is not a time");
        }
        long seconds = answer.getSpec() != null && answer.getSpec().getExpirationSeconds() != null
                ? answer.getSpec().getExpirationSeconds() : expirationSeconds;
        return new Entry(answer.getStatus().getToken(), expires.minusSeconds(seconds), expires);
    }

    /** Upstream's {@code requiresRefresh}. */
    boolean requiresRefresh(Entry e, Instant now) {
        Duration jitter = Duration.ofMillis((long) (ThreadLocalRandom.current().nextDouble() * MAX_JITTER.toMillis()));
        if (now.isAfter(e.issued().plus(MAX_TTL).minus(jitter))) {
            return true;
        }
        long ttlSeconds = Duration.between(e.issued(), e.expires()).toSeconds();
        if (now.isAfter(e.expires().minusSeconds(ttlSeconds * 20 / 100).minus(jitter))) {
            return true;
        }
        return now.isBefore(e.issued());
    }

    /** Drops the tokens of a pod that is gone (upstream's {@code DeleteServiceAccountToken}). */
    public void forgetPod(String podUid) {
        cache.keySet().removeIf(k -> k.podUid().equals(podUid));
    }

    /** Drops expired tokens (upstream's periodic cleanup). */
    public void sweep() {
        Instant now = clock.instant();
        cache.values().removeIf(e -> !now.isBefore(e.expires()));
    }

    /** How many tokens are cached. */
    int size() {
        return cache.size();
    }

    /** A token that could not be had, with the reason (never the token). */
    public static final class TokenException extends RuntimeException {
        public TokenException(String message) {
            super(message);
        }

        public TokenException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
