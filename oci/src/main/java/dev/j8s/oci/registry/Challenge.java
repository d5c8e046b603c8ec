package dev.j8s.oci.registry;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code WWW-Authenticate} challenge: scheme ({@code basic} or {@code bearer}, lowercased) and parameters.
 *
 * <p>Immutable and thread-safe.
 */
record Challenge(String scheme, Map<String, String> params) {
    private static final Pattern PARAM = Pattern.compile("\\s*([A-Za-z0-9_-]+)\\s*=\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^,\\s]*))\\s*,?");

    Challenge {
        params = Map.copyOf(params);
    }

    /** Parses the first challenge of a header value; the scheme is empty when there is none. */
    static Challenge parse(String header) {
        String h = header.strip();
        int sp = h.indexOf(' ');
        String scheme = (sp < 0 ? h : h.substring(0, sp)).toLowerCase(Locale.ROOT);
        Map<String, String> params = new LinkedHashMap<>();
        if (sp > 0) {
            Matcher m = PARAM.matcher(h.substring(sp + 1));
            while (m.lookingAt()) {
                String v = m.group(2) != null ? m.group(2).replaceAll("\\\\(.)", "$1") : m.group(3);
                params.putIfAbsent(m.group(1).toLowerCase(Locale.ROOT), v);
                m.region(m.end(), m.regionEnd());
            }
        }
        return new Challenge(scheme, params);
    }

    String param(String name) {
        return params.getOrDefault(name, "");
    }
}
