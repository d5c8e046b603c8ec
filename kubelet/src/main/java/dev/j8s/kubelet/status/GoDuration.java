package dev.j8s.kubelet.status;

import java.time.Duration;

/** Formats a duration as Go's {@code time.Duration.String()} does ({@code 10s}, {@code 1m20s}, {@code 5m0s}). */
public final class GoDuration {

  private GoDuration() {}

  /** Whole-millisecond and coarser durations as Go prints them; sub-millisecond parts are dropped. */
  public static String format(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    if (d.isNegative()) {
      out.append('-');
      d = d.negated();
    }
    long hours = d.toHours();
    long minutes = d.toMinutesPart();
    long seconds = d.toSecondsPart();
    long millis = d.toMillisPart();
    if (hours == 0 && minutes == 0 && seconds == 0) {
      return out.append(millis).append("ms").toString();
    }
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      out.append(minutes).append('m');
    }
    out.append(seconds);
    if (millis > 0) {
      String frac = String.format("%03d", millis).replaceAll("0+$", "");
      out.append('.').append(frac);
    }
    return out.append('s').toString();
  }
}
