package dev.j8s.apiserver.rest;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The query of one {@code pods/log} request ({@code PodLogOptions}), already validated; immutable and
 * thread-safe.
 *
 * @param sinceSeconds a relative start, exclusive with {@code sinceTime}
 * @param sinceTime an absolute start (RFC 3339)
 */
public record LogQuery(
        boolean follow,
        boolean previous,
        OptionalLong tailLines,
        boolean timestamps,
        OptionalLong sinceSeconds,
        Optional<Instant> sinceTime,
        OptionalLong limitBytes) {

    /** The whole current log, not followed. */
    public static final LogQuery ALL = new LogQuery(false, false, OptionalLong.empty(), false, OptionalLong.empty(),
            Optional.empty(), OptionalLong.empty());
}
