package dev.j8s.apiserver.http;

import java.time.Duration;

/**
 * The limits that keep one client from taking the API server from the others. Immutable.
 *
 * @param requestTimeout            how long a request that is not long-running (watch, log, exec, attach,
 *                                  port-forward, proxy) may take before it is answered 504 (upstream's
 *                                  {@code --request-timeout}, 60 s)
 * @param maxRequestsInFlight       read-only requests served at once, more get 429 (upstream's
 *                                  {@code --max-requests-inflight}, 400)
 * @param maxMutatingRequestsInFlight mutating requests served at once (upstream's
 *                                  {@code --max-mutating-requests-inflight}, 200)
 * @param readHeaderTimeout         how long a connection may take to send the headers of an authenticated
 *                                  request, from its accept (upstream's {@code ReadHeaderTimeout}, 32 s)
 * @param maxUnauthenticated        connections held at once that have not authenticated yet; over it the oldest
 *                                  is closed
 * @param maxUnauthenticatedPerAddress the same per client address
 */
public record ServingLimits(Duration requestTimeout, int maxRequestsInFlight, int maxMutatingRequestsInFlight,
                            Duration readHeaderTimeout, int maxUnauthenticated, int maxUnauthenticatedPerAddress) {

    public static final ServingLimits DEFAULT = new ServingLimits(Duration.ofSeconds(60), 400, 200,
            Duration.ofSeconds(32), 1024, 64);

    public ServingLimits {
        if (requestTimeout.isNegative() || requestTimeout.isZero() || readHeaderTimeout.isNegative()
                || readHeaderTimeout.isZero()) {
            throw new IllegalArgumentException("serving timeouts must be positive");
        }
        if (maxRequestsInFlight < 1 || maxMutatingRequestsInFlight < 1 || maxUnauthenticated < 1
                || maxUnauthenticatedPerAddress < 1) {
            throw new IllegalArgumentException("serving limits must be at least 1");
        }
    }

    public ServingLimits withRequestTimeout(Duration timeout) {
        return new ServingLimits(timeout, maxRequestsInFlight, maxMutatingRequestsInFlight, readHeaderTimeout,
                maxUnauthenticated, maxUnauthenticatedPerAddress);
    }

    public ServingLimits withInFlight(int readOnly, int mutating) {
        return new ServingLimits(requestTimeout, readOnly, mutating, readHeaderTimeout, maxUnauthenticated,
                maxUnauthenticatedPerAddress);
    }

    public ServingLimits withUnauthenticated(Duration headerTimeout, int max, int perAddress) {
        return new ServingLimits(requestTimeout, maxRequestsInFlight, maxMutatingRequestsInFlight, headerTimeout, max,
                perAddress);
    }
}
