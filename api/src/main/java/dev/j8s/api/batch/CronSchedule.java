package dev.j8s.api.batch;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed CronJob schedule: five fields ({@code minute hour day-of-month month day-of-week} with {@code *},
 * {@code ?}, lists, ranges, steps and month/day names), a descriptor ({@code @hourly}, {@code @daily},
 * {@code @every 90s} …), optionally after a {@code TZ=<zone> } or {@code CRON_TZ=<zone> } prefix. The grammar, the
 * matching rule (day-of-month or day-of-week when both are restricted) and the error messages are robfig/cron v3's
 * {@code ParseStandard}, which upstream's validation and CronJob controller use. Immutable and thread-safe.
 */
public sealed interface CronSchedule {

    /** A schedule that does not parse; the message is robfig/cron's. */
    final class ParseException extends IllegalArgumentException {
        ParseException(String message) {
            super(message);
        }
    }

    /**
     * The first activation strictly after {@code after}, in {@code zone} (or in the zone a {@code TZ=} prefix
     * named); empty when there is none within five years (say {@code 0 0 30 2 *}).
     */
    Optional<Instant> next(Instant after, ZoneId zone);

    /** Whether the schedule carried its own {@code TZ=}/{@code CRON_TZ=} zone. */
    boolean hasZonePrefix();

    /** Parses {@code spec}; throws {@link ParseException} worded as robfig/cron. */
    static CronSchedule parse(String spec) {
        String rest = spec;
        ZoneId zone = null;
        if (rest.isEmpty()) {
            throw new ParseException("empty spec string");
        }
        if (rest.startsWith("TZ=") || rest.startsWith("CRON_TZ=")) {
            int space = rest.indexOf(' ');
            int eq = rest.indexOf('=');
            String name = space < 0 ? rest.substring(eq + 1) : rest.substring(eq + 1, space);
            zone = zoneOf(name).orElseThrow(() -> new ParseException(
                    "provided bad location " + name + ": unknown time zone " + name));
            rest = space < 0 ? "" : rest.substring(space).strip();
        }
        if (rest.startsWith("@")) {
            return descriptor(rest, zone);
        }
        List<String> fields = List.of(rest.strip().split("\\s+"));
        if (rest.isBlank()) {
            fields = List.of();
        }
        if (fields.size() != 5) {
            throw new ParseException("expected exactly 5 fields, found " + fields.size() + ": ["
                    + String.join(" ", fields) + "]");
        }
        return new Fields(field(fields.get(0), Bounds.MINUTES), field(fields.get(1), Bounds.HOURS),
                field(fields.get(2), Bounds.DAYS_OF_MONTH), field(fields.get(3), Bounds.MONTHS),
                field(fields.get(4), Bounds.DAYS_OF_WEEK), zone);
    }

    /**
     * A time zone as Go's {@code time.LoadLocation} accepts it: {@code UTC} or an IANA name ({@code Local} is
     * the caller's to refuse). Offsets such as {@code +01:00}, which Java alone would take, are not zones here.
     */
    static Optional<ZoneId> zoneOf(String name) {
        if (name.equals("UTC") || name.isEmpty()) {
            return Optional.of(ZoneOffset.UTC);
        }
        if (!ZoneId.getAvailableZoneIds().contains(name)) {
            return Optional.empty();
        }
        try {
            return Optional.of(ZoneId.of(name));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    // ---- the two shapes ---------------------------------------------------------------------------------

    /** The five fields as bit sets; {@code STAR} marks a field written {@code *} or {@code ?}. */
    record Fields(long minutes, long hours, long daysOfMonth, long months, long daysOfWeek, ZoneId zone)
            implements CronSchedule {

        static final long STAR = 1L << 63;

        @Override
        public boolean hasZonePrefix() {
            return zone != null;
        }

        @Override
        public Optional<Instant> next(Instant after, ZoneId defaultZone) {
            ZoneId z = zone == null ? defaultZone : zone;
            LocalDateTime t = LocalDateTime.ofInstant(after, z).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
            LocalDateTime limit = t.plusYears(5);
            while (t.isBefore(limit)) {
                if (!bit(months, t.getMonthValue())) {
                    t = t.withDayOfMonth(1).toLocalDate().atStartOfDay().plusMonths(1);
                    continue;
                }
                if (!dayMatches(t)) {
                    t = t.toLocalDate().plusDays(1).atStartOfDay();
                    continue;
                }
                if (!bit(hours, t.getHour())) {
                    t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
                    continue;
                }
                if (!bit(minutes, t.getMinute())) {
                    t = t.plusMinutes(1);
                    continue;
                }
                Instant at = ZonedDateTime.ofLocal(t, z, null).toInstant();
                if (at.isAfter(after)) {
                    return Optional.of(at);
                }
                t = t.plusMinutes(1);
            }
            return Optional.empty();
        }

        private boolean dayMatches(LocalDateTime t) {
            boolean dom = bit(daysOfMonth, t.getDayOfMonth());
            boolean dow = bit(daysOfWeek, t.getDayOfWeek().getValue() % 7);
            if ((daysOfMonth & STAR) != 0 || (daysOfWeek & STAR) != 0) {
                return dom && dow;
            }
            return dom || dow;
        }

        private static boolean bit(long set, int n) {
            return (set & (1L << n)) != 0;
        }
    }

    /** {@code @every <duration>}: a constant delay, at least a second, in whole seconds. */
    record Every(Duration delay, ZoneId zone) implements CronSchedule {

        @Override
        public boolean hasZonePrefix() {
            return zone != null;
        }

        @Override
        public Optional<Instant> next(Instant after, ZoneId defaultZone) {
            return Optional.of(after.truncatedTo(ChronoUnit.SECONDS).plus(delay));
        }
    }

    // ---- parsing ----------------------------------------------------------------------------------------

    /** A field's range and its names. */
    enum Bounds {
        MINUTES(0, 59, Map.of()),
        HOURS(0, 23, Map.of()),
        DAYS_OF_MONTH(1, 31, Map.of()),
        MONTHS(1, 12, Map.ofEntries(Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3),
                Map.entry("apr", 4), Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7),
                Map.entry("aug", 8), Map.entry("sep", 9), Map.entry("oct", 10), Map.entry("nov", 11),
                Map.entry("dec", 12))),
        DAYS_OF_WEEK(0, 6, Map.of("sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4, "fri", 5, "sat", 6));

        final int min;
        final int max;
        final Map<String, Integer> names;

        Bounds(int min, int max, Map<String, Integer> names) {
            this.min = min;
            this.max = max;
            this.names = names;
        }
    }

    private static long field(String field, Bounds bounds) {
        long bits = 0;
        for (String expr : field.split(",", -1)) {
            bits |= range(expr, bounds);
        }
        return bits;
    }

    private static long range(String expr, Bounds r) {
        String[] rangeAndStep = expr.split("/", -1);
        String[] lowAndHigh = rangeAndStep[0].split("-", -1);
        boolean single = lowAndHigh.length == 1;
        long start;
        long end;
        long extra = 0;
        if (lowAndHigh[0].equals("*") || lowAndHigh[0].equals("?")) {
            start = r.min;
            end = r.max;
            extra = Fields.STAR;
        } else {
            start = intOrName(lowAndHigh[0], r.names);
            end = switch (lowAndHigh.length) {
                case 1 -> start;
                case 2 -> intOrName(lowAndHigh[1], r.names);
                default -> throw new ParseException("too many hyphens: " + expr);
            };
        }
        long step;
        switch (rangeAndStep.length) {
            case 1 -> step = 1;
            case 2 -> {
                step = nonNegativeInt(rangeAndStep[1]);
                if (single) {
                    end = r.max; // "N/step" means "N-max/step"
                }
                if (step > 1) {
                    extra = 0;
                }
            }
            default -> throw new ParseException("too many slashes: " + expr);
        }
        if (start < r.min) {
            throw new ParseException("beginning of range (" + start + ") below minimum (" + r.min + "): " + expr);
        }
        if (end > r.max) {
            throw new ParseException("end of range (" + end + ") above maximum (" + r.max + "): " + expr);
        }
        if (start > end) {
            throw new ParseException("beginning of range (" + start + ") beyond end of range (" + end + "): " + expr);
        }
        if (step == 0) {
            throw new ParseException("step of range should be a positive number: " + expr);
        }
        long bits = 0;
        for (long i = start; i <= end; i += step) {
            bits |= 1L << i;
        }
        return bits | extra;
    }

    private static long intOrName(String expr, Map<String, Integer> names) {
        Integer named = names.get(expr.toLowerCase(Locale.ROOT));
        return named != null ? named : nonNegativeInt(expr);
    }

    /** Go's strconv.Atoi, then robfig's refusal of negatives. */
    private static long nonNegativeInt(String expr) {
        if (!expr.matches("[+-]?[0-9]+")) {
            throw new ParseException("failed to parse int from " + expr + ": strconv.Atoi: parsing "
                    + goQuote(expr) + ": invalid syntax");
        }
        long n;
        try {
            n = Long.parseLong(expr);
        } catch (NumberFormatException e) {
            throw new ParseException("failed to parse int from " + expr + ": strconv.Atoi: parsing "
                    + goQuote(expr) + ": value out of range");
        }
        if (n < 0) {
            throw new ParseException("negative number (" + n + ") not allowed: " + expr);
        }
        return Math.min(n, 64); // beyond every bound: reported by the range checks
    }

    private static String goQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static CronSchedule descriptor(String descriptor, ZoneId zone) {
        String fields = switch (descriptor) {
            case "@yearly", "@annually" -> "0 0 1 1 *";
            case "@monthly" -> "0 0 1 * *";
            case "@weekly" -> "0 0 * * 0";
            case "@daily", "@midnight" -> "0 0 * * *";
            case "@hourly" -> "0 * * * *";
            default -> null;
        };
        if (fields != null) {
            CronSchedule.Fields f = (CronSchedule.Fields) parse(fields);
            return new Fields(f.minutes(), f.hours(), f.daysOfMonth(), f.months(), f.daysOfWeek(), zone);
        }
        if (descriptor.startsWith("@every ")) {
            String text = descriptor.substring("@every ".length());
            Duration d = GoDuration.parse(text).orElseThrow(() -> new ParseException(
                    "failed to parse duration " + descriptor + ": time: invalid duration " + goQuote(text)));
            Duration whole = Duration.ofSeconds(d.getSeconds());
            return new Every(whole.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : whole, zone);
        }
        throw new ParseException("unrecognized descriptor: " + descriptor);
    }

    /** Go's {@code time.ParseDuration} for the units a schedule uses (ns to h, fractions allowed). */
    final class GoDuration {
        private static final Map<String, Long> NANOS = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L,
                "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);
        private static final Set<String> UNITS = NANOS.keySet();

        private GoDuration() {}

        static Optional<Duration> parse(String s) {
            var m = java.util.regex.Pattern.compile("([0-9]*\\.?[0-9]+)(ns|us|µs|ms|s|m|h)").matcher(s);
            int at = 0;
            double nanos = 0;
            while (m.find() && m.start() == at) {
                nanos += Double.parseDouble(m.group(1)) * NANOS.get(m.group(2));
                at = m.end();
            }
            if (at != s.length() || s.isEmpty() || !UNITS.stream().anyMatch(s::endsWith)) {
                return Optional.empty();
            }
            return Optional.of(Duration.ofNanos((long) nanos));
        }
    }
}
