package dev.j8s.apiserver.rest;

import java.util.OptionalLong;

/**
 * The parts of meta/v1 DeleteOptions we honour. Immutable.
 *
 * @param gracePeriodSeconds explicit grace period, if any
 * @param uid                precondition on metadata.uid ("" for none)
 * @param resourceVersion    precondition on metadata.resourceVersion ("" for none)
 * @param propagationPolicy  Background, Foreground or Orphan ("" for the default)
 * @param dryRun             whether nothing may be persisted
 */
public record DeleteOptions(OptionalLong gracePeriodSeconds, String uid, String resourceVersion,
                            String propagationPolicy, boolean dryRun) {

    public static DeleteOptions defaults() {
        return new DeleteOptions(OptionalLong.empty(), "", "", "", false);
    }

    public DeleteOptions withGracePeriod(long seconds) {
        return new DeleteOptions(OptionalLong.of(seconds), uid, resourceVersion, propagationPolicy, dryRun);
    }

    public DeleteOptions withUid(String expectedUid) {
        return new DeleteOptions(gracePeriodSeconds, expectedUid, resourceVersion, propagationPolicy, dryRun);
    }
}
