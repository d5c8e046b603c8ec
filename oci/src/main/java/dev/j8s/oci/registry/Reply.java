package dev.j8s.oci.registry;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * A registry's answer to one GET, whichever HTTP client fetched it: the status, a header's first value by name
 * (case-insensitive), and the body, which the receiver must read to its end or close.
 *
 * <p>Immutable; the body is for one reader.
 */
record Reply(int status, Function<String, Optional<String>> headers, InputStream body) {

    static Reply from(HttpResponse<InputStream> r) {
        return new Reply(r.statusCode(), r.headers()::firstValue, r.body());
    }

    Optional<String> header(String name) {
        return headers.apply(name);
    }

    /** The header as a number; empty when absent or not a number. */
    OptionalLong headerAsLong(String name) {
        Optional<String> v = header(name);
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v.get().strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
