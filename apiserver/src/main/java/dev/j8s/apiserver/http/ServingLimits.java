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
 */
public record ServingLimits(Duration requestTimeout, int maxRequestsInFlight, int maxMutatingRequestsInFlight) {

    public static final ServingLimits DEFAULT = new ServingLimits(Duration.ofSeconds(60), 400, 200);

    public ServingLimits {
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("the request timeout must be positive");
        }
        if (maxRequestsInFlight < 1 || maxMutatingRequestsInFlight < 1) {
            throw new IllegalArgumentException("serving limits must be at least 1");
        }
    }

    public ServingLimits withRequestTimeout(Duration timeout) {
        return new ServingLimits(timeout, maxRequestsInFlight, maxMutatingRequestsInFlight);
    }

    public ServingLimits withInFlight(int readOnly, int mutating) {
        return new ServingLimits(requestTimeout, readOnly, mutating);
    }
}
