package dev.j8s.kubelet.probe;

import java.io.InterruptedIOException;
import java.time.Duration;

/**
 * Upstream {@code pkg/probe/http}: a 2xx answer succeeds with its body as output, a 3xx that was not followed (to
 * another host) succeeds with a warning, anything else fails with {@code HTTP probe failed with statuscode: N} (never
 * the body, which may hold secrets), and no answer fails with the client's error. Stateless and thread-safe.
 */
public final class HttpProbe {
    private HttpProbe() {}

    /** Runs one HTTP probe within {@code timeout}. */
    public static ProbeResult probe(HttpGetRequest request, Connector connector, Duration timeout)
            throws InterruptedIOException {
        HttpGetClient.Response response;
        try {
            response = HttpGetClient.get(request, connector, timeout);
        } catch (HttpGetClient.Failure f) {
            return ProbeResult.failure(f.getMessage());
        }
        return interpret(response);
    }

    /** The probe's verdict on a response. */
    public static ProbeResult interpret(HttpGetClient.Response response) {
        int code = response.code();
        if (code >= 200 && code < 400) {
            if (code >= 300) {
                return ProbeResult.warning("Probe terminated redirects, Response body: " + response.body());
            }
            return ProbeResult.success(response.body());
        }
        return ProbeResult.failure("HTTP probe failed with statuscode: " + code);
    }
}
