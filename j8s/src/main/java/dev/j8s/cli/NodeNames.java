package dev.j8s.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Node names: DNS-1123 subdomains, as upstream's {@code validation.IsDNS1123Subdomain} requires, and the
 * default derived from the host name as the kubelet does ({@code nodeutil.GetHostname}: lowercased).
 * Thread-safe.
 */
final class NodeNames {

    private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final String REGEX = LABEL + "(\\." + LABEL + ")*";
    private static final Pattern SUBDOMAIN = Pattern.compile(REGEX);
    private static final int MAX_LENGTH = 253;
    private static final int MAX_LABEL = 63;

    private NodeNames() {}

    /** The host name lowercased, with every character a node name may not hold made valid; never empty. */
    static String fromHostname(String hostname) {
        List<String> labels = new ArrayList<>();
        for (String raw : hostname.strip().toLowerCase(Locale.ROOT).split("\\.")) {
            String label = raw.replaceAll("[^a-z0-9-]", "-");
            label = trimDashes(label);
            if (label.length() > MAX_LABEL) {
                label = trimDashes(label.substring(0, MAX_LABEL));
            }
            if (!label.isEmpty()) {
                labels.add(label);
            }
        }
        String name = String.join(".", labels);
        while (name.length() > MAX_LENGTH) {
            name = name.substring(0, name.lastIndexOf('.'));
        }
        return name.isEmpty() ? "j8s" : name;
    }

    /**
     * Returns {@code name} if it is a valid node name.
     *
     * @throws IllegalArgumentException worded as upstream's validation message
     */
    static String validate(String name) {
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("invalid node name \"" + name + "\": must be no more than 253 characters");
        }
        if (!SUBDOMAIN.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid node name \"" + name + "\": a lowercase RFC 1123 subdomain must"
                    + " consist of lower case alphanumeric characters, '-' or '.', and must start and end with an"
                    + " alphanumeric character (e.g. 'example.com', regex used for validation is '" + REGEX + "')");
        }
        return name;
    }

    private static String trimDashes(String label) {
        int from = 0;
        int to = label.length();
        while (from < to && label.charAt(from) == '-') {
            from++;
        }
        while (to > from && label.charAt(to - 1) == '-') {
            to--;
        }
        return label.substring(from, to);
    }
}
