package dev.j8s.apiserver.admission;

import com.fasterxml.jackson.databind.JsonNode;
import dev.j8s.apiserver.errors.ApiError;
import java.math.BigDecimal;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A resource quantity ({@code 100m}, {@code 128Mi}, {@code 1e3}) as an exact decimal, parsed as
 * {@code k8s.io/apimachinery/pkg/api/resource.ParseQuantity} accepts it. Immutable and thread-safe.
 */
record Quantity(String text, BigDecimal value) {

    static final String REGEX = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
    private static final Pattern PATTERN = Pattern.compile(REGEX);
    private static final Map<String, BigDecimal> SUFFIXES = Map.ofEntries(
            Map.entry("", BigDecimal.ONE),
            Map.entry("n", new BigDecimal("1e-9")), Map.entry("u", new BigDecimal("1e-6")), Map.entry("m", new BigDecimal("1e-3")),
            Map.entry("k", new BigDecimal("1e3")), Map.entry("M", new BigDecimal("1e6")), Map.entry("G", new BigDecimal("1e9")),
            Map.entry("T", new BigDecimal("1e12")), Map.entry("P", new BigDecimal("1e15")), Map.entry("E", new BigDecimal("1e18")),
            Map.entry("Ki", BigDecimal.valueOf(1L << 10)), Map.entry("Mi", BigDecimal.valueOf(1L << 20)),
            Map.entry("Gi", BigDecimal.valueOf(1L << 30)), Map.entry("Ti", BigDecimal.valueOf(1L << 40)),
            Map.entry("Pi", BigDecimal.valueOf(1L << 50)), Map.entry("Ei", BigDecimal.valueOf(1L << 60)));

    /** Parses a quantity from JSON (string or number); a malformed one is a 400 as upstream's decoder reports it. */
    static Quantity of(String kind, JsonNode node) {
        String text = node.isNumber() ? node.asText() : node.asText("");
        Quantity q = parse(text);
        if (q == null) {
            throw new ApiError.BadRequest(kind + " in version \"v1\" cannot be handled as a " + kind
                    + ": quantities must match the regular expression '" + REGEX + "'");
        }
        return q;
    }

    /** The quantity, or null when the text is not one. */
    static Quantity parse(String text) {
        Matcher m = PATTERN.matcher(text);
        if (!m.matches()) {
            return null;
        }
        BigDecimal number;
        try {
            number = new BigDecimal(m.group(1));
        } catch (NumberFormatException e) {
            return null;
        }
        String suffix = m.group(2);
        BigDecimal factor = SUFFIXES.get(suffix);
        if (factor == null) {
            if (suffix.length() < 2 || (suffix.charAt(0) != 'e' && suffix.charAt(0) != 'E')) {
                return null;
            }
            try {
                factor = BigDecimal.ONE.scaleByPowerOfTen(Integer.parseInt(suffix.substring(1)));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return new Quantity(text, number.multiply(factor));
    }

    boolean isPositive() {
        return value.signum() > 0;
    }

    int compareTo(Quantity other) {
        return value.compareTo(other.value);
    }
}
