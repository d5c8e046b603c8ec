package dev.j8s.kubelet.eviction;

import io.fabric8.kubernetes.api.model.Quantity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One eviction threshold (upstream {@code evictionapi.Threshold}): a signal below a quantity or a percentage of its
 * capacity, hard (no grace period) or soft (met for its grace period first), with an optional minimum to reclaim
 * past it. Immutable and thread-safe.
 */
public record Threshold(Signal signal, Value value, Duration gracePeriod, Optional<Value> minReclaim) {

    /** Upstream's default hard thresholds on Linux. */
    public static final String DEFAULT_HARD =
            "memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%";

    public Threshold {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(gracePeriod, "gracePeriod");
        Objects.requireNonNull(minReclaim, "minReclaim");
    }

    /** Hard thresholds evict at once and with the minimum grace period. */
    public boolean hard() {
        return gracePeriod.isZero();
    }

    /** A quantity or a percentage of the signal's capacity. */
    public sealed interface Value {
        /** The amount for a signal whose capacity is {@code capacity}. */
        long quantity(long capacity);

        /** An absolute amount, with the text it was given as (for messages). */
        record Amount(long amount, boolean binary) implements Value {
            @Override
            public long quantity(long capacity) {
                return amount;
            }
        }

        /** A fraction of the capacity (0.1 for {@code 10%}). */
        record Percentage(double fraction) implements Value {
            @Override
            public long quantity(long capacity) {
                return (long) (capacity * (double) (float) fraction);
            }
        }
    }

    /**
     * The thresholds of the kubelet's flags: {@code --eviction-hard}, {@code --eviction-soft} (each
     * {@code signal<value,…}), {@code --eviction-soft-grace-period} ({@code signal=duration,…}, required for every
     * soft threshold) and {@code --eviction-minimum-reclaim} ({@code signal=value,…}); {@code 0%} and {@code 100%}
     * thresholds are left out, as upstream does.
     *
     * @throws IllegalArgumentException worded as upstream's {@code ParseThresholdConfig}
     */
    public static List<Threshold> parse(String hard, String soft, String softGracePeriods, String minimumReclaims) {
        Map<Signal, Value> minReclaims = new LinkedHashMap<>();
        for (var e : pairs(minimumReclaims, '=').entrySet()) {
            Signal signal = signal(e.getKey());
            Value value = value(signal, e.getValue(), true);
            if (value instanceof Value.Percentage p && p.fraction() <= 0) {
                throw new IllegalArgumentException("eviction percentage minimum reclaim " + signal
                        + " must be positive: " + e.getValue());
            }
            minReclaims.put(signal, value);
        }
        Map<Signal, Duration> graces = new LinkedHashMap<>();
        for (var e : pairs(softGracePeriods, '=').entrySet()) {
            Signal signal = signal(e.getKey());
            Duration grace = goDuration(e.getValue());
            if (grace.isNegative()) {
                throw new IllegalArgumentException("invalid eviction grace period specified: " + e.getValue()
                        + ", must be a positive value");
            }
            graces.put(signal, grace);
        }
        List<Threshold> out = new ArrayList<>();
        for (var e : pairs(hard, '<').entrySet()) {
            statement(e.getKey(), e.getValue()).ifPresent(t -> out.add(new Threshold(t.signal(), t.value(),
                    Duration.ZERO, Optional.ofNullable(minReclaims.get(t.signal())))));
        }
        for (var e : pairs(soft, '<').entrySet()) {
            Optional<Threshold> t = statement(e.getKey(), e.getValue());
            if (t.isEmpty()) {
                continue;
            }
            Duration grace = graces.get(t.get().signal());
            if (grace == null) {
                throw new IllegalArgumentException("grace period must be specified for the soft eviction threshold "
                        + t.get().signal());
            }
            out.add(new Threshold(t.get().signal(), t.get().value(), grace,
                    Optional.ofNullable(minReclaims.get(t.get().signal()))));
        }
        return List.copyOf(out);
    }

    private static Optional<Threshold> statement(String signalName, String text) {
        Signal signal = signal(signalName);
        if (text.equals("0%") || text.equals("100%")) {
            return Optional.empty();
        }
        return Optional.of(new Threshold(signal, value(signal, text, false), Duration.ZERO, Optional.empty()));
    }

    private static Value value(Signal signal, String text, boolean allowZero) {
        if (text.endsWith("%")) {
            double percent;
            try {
                // as Go: a float32 divided by 100 in float32
                percent = Float.parseFloat(text.substring(0, text.length() - 1)) / 100f;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("strconv.ParseFloat: parsing \"" + text.substring(0,
                        text.length() - 1) + "\": invalid syntax", e);
            }
            if (percent < 0) {
                throw new IllegalArgumentException("eviction percentage threshold " + signal + " must be >= 0%: " + text);
            }
            if (percent > 1) {
                throw new IllegalArgumentException("eviction percentage threshold " + signal + " must be <= 100%: "
                        + text);
            }
            return new Value.Percentage(percent);
        }
        Quantity quantity;
        long amount;
        try {
            quantity = new Quantity(text);
            amount = Quantity.getAmountInBytes(quantity).longValue();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("quantities must match the regular expression"
                    + " '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", e);
        }
        if (amount < 0 || (amount == 0 && !allowZero)) {
            throw new IllegalArgumentException("eviction threshold " + signal + " must be positive: " + text);
        }
        String format = quantity.getFormat() == null ? "" : quantity.getFormat();
        return new Value.Amount(amount, format.endsWith("i"));
    }

    private static Signal signal(String name) {
        return Signal.of(name).orElseThrow(() -> new IllegalArgumentException("unsupported eviction signal " + name));
    }

    /** {@code a<b,c<d} or {@code a=b,c=d} as an ordered map. */
    private static Map<String, String> pairs(String text, char separator) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String part : text.split(",")) {
            String entry = part.strip();
            if (entry.isEmpty()) {
                continue;
            }
            int at = entry.indexOf(separator);
            if (at <= 0 || at == entry.length() - 1) {
                throw new IllegalArgumentException("malformed pair, expect string" + separator + "string: " + entry);
            }
            out.put(entry.substring(0, at).strip(), entry.substring(at + 1).strip());
        }
        return out;
    }

    /** Go's {@code time.ParseDuration} for the units flags use ({@code 1m30s}, {@code 90s}, {@code 5m0s}). */
    public static Duration goDuration(String text) {
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        var m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)").matcher(text);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            double amount = Double.parseDouble(m.group(1));
            long millis = (long) (amount * switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1000;
                case "m" -> 60_000;
                default -> 3_600_000;
            });
            total = total.plusMillis(millis);
            end = m.end();
        }
        if (end != text.length() || text.isEmpty()) {
            throw new IllegalArgumentException("time: invalid duration \"" + text + "\"");
        }
        return total;
    }
}
