package dev.j8s.api.bootstrap;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The names and the expiry of bootstrap token Secrets, as upstream's {@code cluster-bootstrap} defines them.
 * Stateless.
 */
public final class BootstrapTokenSecrets {

    public static final String TYPE = "bootstrap.kubernetes.io/token";
    public static final String NAME_PREFIX = "bootstrap-token-";
    public static final String NAMESPACE = "kube-system";
    public static final String EXPIRATION = "expiration";

    private BootstrapTokenSecrets() {}

    /**
     * Upstream's {@code GetExpiration}: how long a token whose {@code expiration} value is {@code expiration} has
     * left at {@code now}; empty when it never expires (no value), zero when it has expired or the value is not
     * RFC 3339 (treated as expired).
     */
    public static Optional<Duration> timeLeft(String expiration, Instant now) {
        if (expiration.isEmpty()) {
            return Optional.empty();
        }
        try {
            Duration left = Duration.between(now, OffsetDateTime.parse(expiration).toInstant());
            return Optional.of(left.isNegative() ? Duration.ZERO : left);
        } catch (DateTimeParseException e) {
            return Optional.of(Duration.ZERO);
        }
    }

    /** Whether a token with this {@code expiration} value has expired at {@code now}. */
    public static boolean expired(String expiration, Instant now) {
        return timeLeft(expiration, now).map(Duration::isZero).orElse(false);
    }
}
