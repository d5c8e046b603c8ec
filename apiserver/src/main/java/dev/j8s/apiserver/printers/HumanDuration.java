package dev.j8s.apiserver.printers;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The short human-readable durations kubectl users know ({@code 59s}, {@code 5m3s}, {@code 95m}, {@code 3h4m},
 * {@code 2d5h}, {@code 400d}, {@code 2y10d}), bucketed exactly as upstream's
 * k8s.io/apimachinery/pkg/util/duration.HumanDuration. Stateless and thread-safe.
 */
final class HumanDuration {

    private HumanDuration() {}

    /** The age of a timestamp at {@code now}: {@code <unknown>} without a timestamp, as translateTimestampSince. */
    static String since(Optional<Instant> timestamp, Instant now) {
        return timestamp.map(t -> format(Duration.between(t, now))).orElse("<unknown>");
    }

    static String format(Duration d) {
        // Go truncates towards zero (int(d.Seconds())); Duration.getSeconds() floors.
        long seconds = d.getSeconds();
        if (seconds < 0 && d.getNano() > 0) {
            seconds++;
        }
        if (seconds < -1) {
            return "<invalid>";
        } else if (seconds < 0) {
            return "0s";
        } else if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        } else if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = seconds / 3600;
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        } else if (hours < 24 * 365 * 8) {
            long dy = (hours / 24) % 365;
            return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
        }
        return hours / 24 / 365 + "y";
    }
}
