package dev.j8s.kubelet.credentials;

import dev.j8s.oci.reference.ImageReference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Upstream's {@code BasicDockerKeyring}: values registered under docker config keys, looked up by image repository
 * with docker's matching rules. Not thread-safe while being filled; safe to share once built.
 *
 * <p>Keys are normalized as upstream's {@code Add} does: the scheme is dropped, a {@code /v1/} or {@code /v2/} path
 * prefix is reduced to {@code /}, and a key is {@code host[:port]} plus its path when that is not {@code /}
 * ({@code https://index.docker.io/v1/} becomes {@code index.docker.io}). Keys are kept in reverse lexicographic
 * order, so {@code quay.io/coreos} comes before {@code quay.io} and {@code registry.x.com} before {@code *.x.com}.
 *
 * <p>A key matches a repository when ports are equal, both hosts have the same number of labels, each label
 * matches as a shell glob ({@code *} spans one label) and the key's path is a string prefix of the repository
 * path. {@link #lookup} returns the values of every matching key, most specific first; only when nothing matched
 * and the repository is on Docker Hub are the values under {@code index.docker.io} returned.
 *
 * @param <T> what a key carries (credentials, or a recipe to obtain them)
 */
public final class DockerKeyring<T> {
    /** The key {@code https://index.docker.io/v1/} normalizes to. */
    static final String DEFAULT_REGISTRY_HOST = "index.docker.io";

    private final Map<String, List<T>> byKey = new LinkedHashMap<>();
    private final List<String> index = new ArrayList<>();

    /** One keyring hit: the normalized key that matched and its value. */
    public record Match<T>(String key, T value) {}

    /**
     * Registers {@code value} under the docker config key {@code key}; a key that does not parse as a URL is
     * ignored (as upstream does), and {@code false} is returned.
     */
    public boolean add(String key, T value) {
        Optional<String> normalized = normalizeKey(key);
        if (normalized.isEmpty()) {
            return false;
        }
        String k = normalized.get();
        if (!byKey.containsKey(k)) {
            index.add(k);
            index.sort(Comparator.reverseOrder());
        }
        byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(value);
        return true;
    }

    /** Every value matching {@code image}'s repository ({@code domain/path}), in trial order. */
    public List<T> lookup(ImageReference image) {
        return lookup(image.repository());
    }

    /** Every value matching the repository name {@code image} (e.g. {@code docker.io/library/nginx}). */
    public List<T> lookup(String image) {
        return matches(image).stream().map(Match::value).toList();
    }

    /** Every matching key and value, in trial order. */
    public List<Match<T>> matches(String image) {
        List<Match<T>> out = new ArrayList<>();
        for (String k : index) {
            if (urlsMatch(k, image)) {
                byKey.get(k).forEach(v -> out.add(new Match<>(k, v)));
            }
        }
        if (out.isEmpty() && isDefaultRegistryMatch(image) && byKey.containsKey(DEFAULT_REGISTRY_HOST)) {
            byKey.get(DEFAULT_REGISTRY_HOST).forEach(v -> out.add(new Match<>(DEFAULT_REGISTRY_HOST, v)));
        }
        return out;
    }

    /** The normalized keys, in trial order. */
    public List<String> keys() {
        return List.copyOf(index);
    }

    /** True when no key is registered. */
    public boolean isEmpty() {
        return index.isEmpty();
    }

    /** Upstream's key normalization in {@code BasicDockerKeyring.Add}; empty when the key is not a valid URL. */
    static Optional<String> normalizeKey(String key) {
        String value = key;
        if (!value.startsWith("https://") && !value.startsWith("http://")) {
            value = "https://" + value;
        }
        Optional<Url> parsed = Url.parse(value.substring(value.indexOf("://") + 3));
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        String path = parsed.get().path();
        if (path.startsWith("/v2/") || path.startsWith("/v1/")) {
            path = path.substring(3);
        }
        return Optional.of(!path.isEmpty() && !path.equals("/") ? parsed.get().host() + path : parsed.get().host());
    }

    /** Upstream's {@code URLsMatchStr(glob, target)}: both are schemeless URLs. */
    static boolean urlsMatch(String glob, String target) {
        Optional<Url> g = Url.parse(glob);
        Optional<Url> t = Url.parse(target);
        if (g.isEmpty() || t.isEmpty()) {
            return false;
        }
        String[] gHost = hostAndPort(g.get().host());
        String[] tHost = hostAndPort(t.get().host());
        if (!gHost[1].equals(tHost[1])) {
            return false;
        }
        String[] gLabels = gHost[0].split("\\.", -1);
        String[] tLabels = tHost[0].split("\\.", -1);
        if (gLabels.length != tLabels.length) {
            return false;
        }
        if (!t.get().path().startsWith(g.get().path())) {
            return false;
        }
        for (int i = 0; i < gLabels.length; i++) {
            Optional<Boolean> m = Glob.match(gLabels[i], tLabels[i]);
            if (m.isEmpty() || !m.get()) {
                return false;
            }
        }
        return true;
    }

    /** Go's {@code net.SplitHostPort}, falling back to the whole host and no port when it fails. */
    private static String[] hostAndPort(String hostport) {
        if (hostport.startsWith("[")) {
            int end = hostport.indexOf(']');
            if (end > 0 && hostport.length() > end + 2 && hostport.charAt(end + 1) == ':') {
                return new String[] {hostport.substring(1, end), hostport.substring(end + 2)};
            }
            return new String[] {hostport, ""};
        }
        int colon = hostport.lastIndexOf(':');
        if (colon < 0 || hostport.indexOf(':') != colon) {
            return new String[] {hostport, ""};
        }
        return new String[] {hostport.substring(0, colon), hostport.substring(colon + 1)};
    }

    /** Upstream's {@code isDefaultRegistryMatch}. */
    static boolean isDefaultRegistryMatch(String image) {
        int slash = image.indexOf('/');
        String first = slash < 0 ? image : image.substring(0, slash);
        if (first.isEmpty()) {
            return false;
        }
        if (slash < 0) {
            return true;
        }
        if (first.equals("docker.io") || first.equals(DEFAULT_REGISTRY_HOST)) {
            return true;
        }
        return !first.contains(".") && !first.contains(":");
    }

    /** The host and path of a schemeless URL, parsed as Go's {@code url.Parse("https://" + s)} would. */
    record Url(String host, String path) {
        static Optional<Url> parse(String schemeless) {
            String s = schemeless;
            int cut = indexOfAny(s, "?#");
            if (cut >= 0) {
                s = s.substring(0, cut);
            }
            int slash = s.indexOf('/');
            String authority = slash < 0 ? s : s.substring(0, slash);
            String path = slash < 0 ? "" : s.substring(slash);
            int at = authority.lastIndexOf('@');
            if (at >= 0) {
                authority = authority.substring(at + 1);
            }
            for (int i = 0; i < authority.length(); i++) {
                char c = authority.charAt(i);
                if (c <= ' ' || c == 0x7f || c == '%' && !authority.startsWith("[")) {
                    return Optional.empty();
                }
            }
            // Go rejects a port that is not all digits ("invalid port").
            String port = "";
            if (authority.startsWith("[")) {
                int end = authority.indexOf(']');
                if (end < 0) {
                    return Optional.empty();
                }
                String after = authority.substring(end + 1);
                if (!after.isEmpty()) {
                    if (!after.startsWith(":")) {
                        return Optional.empty();
                    }
                    port = after.substring(1);
                }
            } else {
                int colon = authority.lastIndexOf(':');
                if (colon >= 0) {
                    port = authority.substring(colon + 1);
                }
            }
            if (!port.chars().allMatch(Character::isDigit)) {
                return Optional.empty();
            }
            return Optional.of(new Url(authority, path));
        }

        private static int indexOfAny(String s, String chars) {
            for (int i = 0; i < s.length(); i++) {
                if (chars.indexOf(s.charAt(i)) >= 0) {
                    return i;
                }
            }
            return -1;
        }
    }
}
