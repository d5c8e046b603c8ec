package dev.j8s.kubelet.format;

import java.time.Duration;

/** Formats a {@link Duration} exactly as Go's {@code time.Duration.String()} does; stateless and thread-safe. */
public final class GoDuration {
    private GoDuration() {}

    /** {@code d} truncated to whole milliseconds and formatted, as the kubelet's {@code Pulled} message does. */
    public static String millis(Duration d) {
        return format(Duration.ofMillis(d.toMillis()));
    }

    /** Go's format: {@code 0s}, {@code 5ns}, {@code 1.5µs}, {@code 313ms}, {@code 1.594s}, {@code 1m2.5s}, {@code 1h0m0s}. */
    public static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0s";
        }
        boolean negative = nanos < 0;
        // Work on the magnitude; Long.MIN_VALUE nanos cannot come from a Duration within Go's range of interest.
        long u = Math.abs(nanos);
        StringBuilder out = new StringBuilder();
        if (u < 1_000_000_000L) {
            if (u < 1_000L) {
                out.append(u).append("ns");
            } else if (u < 1_000_000L) {
                out.append(fraction(u, 3)).append("µs");
            } else {
                out.append(fraction(u, 6)).append("ms");
            }
        } else {
            String seconds = fraction(u % 60_000_000_000L, 9);
            long minutes = u / 60_000_000_000L;
            if (minutes == 0) {
                out.append(seconds).append('s');
            } else {
                long hours = minutes / 60;
                if (hours > 0) {
                    out.append(hours).append('h');
                }
                out.append(minutes % 60).append('m').append(seconds).append('s');
            }
        }
        return negative ? "-" + out : out.toString();
    }

    /** {@code v / 10^precision} with trailing zeros of the fraction (and a bare point) dropped. */
    private static String fraction(long v, int precision) {
        long scale = 1;
        for (int i = 0; i < precision; i++) {
            scale *= 10;
        }
        long whole = v / scale;
        long frac = v % scale;
        if (frac == 0) {
            return Long.toString(whole);
        }
        String digits = String.format("%0" + precision + "d", frac).replaceAll("0+$", "");
        return whole + "." + digits;
    }
}
