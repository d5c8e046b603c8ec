package dev.j8s.kubelet.logs;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The pods/log query ({@code PodLogOptions}) for one container; immutable and thread-safe.
 *
 * @param since {@code sinceTime}, or now minus {@code sinceSeconds}: older entries are skipped
 * @param tailLines the last lines to show, before following
 * @param limitBytes the most bytes to send; the output may end inside a line
 */
public record LogOptions(
    String container,
    boolean follow,
    boolean previous,
    OptionalLong tailLines,
    boolean timestamps,
    Optional<Instant> since,
    OptionalLong limitBytes) {

  public LogOptions {
    if (tailLines.isPresent() && tailLines.getAsLong() < 0) {
      throw new IllegalArgumentException("tailLines must be >= 0, got " + tailLines.getAsLong());
    }
    if (limitBytes.isPresent() && limitBytes.getAsLong() < 1) {
      throw new IllegalArgumentException("limitBytes must be >= 1, got " + limitBytes.getAsLong());
    }
  }

  /** The whole current log of a container, without following. */
  public static LogOptions of(String container) {
    return new LogOptions(container, false, false, OptionalLong.empty(), false, Optional.empty(),
        OptionalLong.empty());
  }
}
