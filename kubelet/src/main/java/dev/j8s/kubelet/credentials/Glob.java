package dev.j8s.kubelet.credentials;

import java.util.Optional;

/**
 * Go's {@code path/filepath.Match} on one host label: {@code *}, {@code ?}, {@code [...]} with ranges and
 * {@code ^} negation, {@code \} escapes; {@code /} is never matched by a wildcard. Stateless.
 */
final class Glob {
    private Glob() {}

    /** Whether {@code name} matches {@code pattern}; empty for a malformed pattern ({@code ErrBadPattern}). */
    static Optional<Boolean> match(String pattern, String name) {
        try {
            return Optional.of(match(pattern, 0, name, 0));
        } catch (IllegalArgumentException bad) {
            return Optional.empty();
        }
    }

    private static boolean match(String p, int pi, String n, int ni) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            if (c == '*') {
                // Collapse runs of '*' and try every split that does not cross a separator.
                while (pi < p.length() && p.charAt(pi) == '*') {
                    pi++;
                }
                if (pi == p.length()) {
                    return n.indexOf('/', ni) < 0;
                }
                checkRest(p, pi);
                for (int k = ni; k <= n.length(); k++) {
                    if (match(p, pi, n, k)) {
                        return true;
                    }
                    if (k < n.length() && n.charAt(k) == '/') {
                        return false;
                    }
                }
                return false;
            }
            if (ni >= n.length()) {
                checkRest(p, pi);
                return false;
            }
            char nc = n.charAt(ni);
            if (c == '?') {
                if (nc == '/') {
                    checkRest(p, pi + 1);
                    return false;
                }
                pi++;
                ni++;
            } else if (c == '[') {
                int[] end = new int[1];
                boolean matched = matchClass(p, pi + 1, nc, end);
                if (!matched || nc == '/') {
                    checkRest(p, end[0]);
                    return false;
                }
                pi = end[0];
                ni++;
            } else {
                if (c == '\\') {
                    pi++;
                    if (pi >= p.length()) {
                        throw new IllegalArgumentException("bad pattern");
                    }
                    c = p.charAt(pi);
                }
                if (c != nc) {
                    checkRest(p, pi + 1);
                    return false;
                }
                pi++;
                ni++;
            }
        }
        return ni == n.length();
    }

    /** Go reports ErrBadPattern for a malformed pattern even when an earlier part already failed to match. */
    private static void checkRest(String p, int from) {
        int i = from;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == '\\') {
                if (i + 1 >= p.length()) {
                    throw new IllegalArgumentException("bad pattern");
                }
                i += 2;
            } else if (c == '[') {
                int[] end = new int[1];
                matchClass(p, i + 1, 'a', end);
                i = end[0];
            } else {
                i++;
            }
        }
    }

    private static boolean matchClass(String p, int i, char nc, int[] end) {
        boolean negated = false;
        if (i < p.length() && p.charAt(i) == '^') {
            negated = true;
            i++;
        }
        boolean matched = false;
        int ranges = 0;
        while (true) {
            if (i >= p.length()) {
                throw new IllegalArgumentException("bad pattern");
            }
            if (p.charAt(i) == ']' && ranges > 0) {
                i++;
                break;
            }
            char lo = p.charAt(i);
            if (lo == '\\') {
                i++;
                if (i >= p.length()) {
                    throw new IllegalArgumentException("bad pattern");
                }
                lo = p.charAt(i);
            } else if (lo == '-' || lo == ']') {
                throw new IllegalArgumentException("bad pattern");
            }
            i++;
            char hi = lo;
            if (i < p.length() && p.charAt(i) == '-') {
                i++;
                if (i >= p.length()) {
                    throw new IllegalArgumentException("bad pattern");
                }
                hi = p.charAt(i);
                if (hi == '\\') {
                    i++;
                    if (i >= p.length()) {
                        throw new IllegalArgumentException("bad pattern");
                    }
                    hi = p.charAt(i);
                } else if (hi == '-' || hi == ']') {
                    throw new IllegalArgumentException("bad pattern");
                }
                i++;
            }
            if (lo <= nc && nc <= hi) {
                matched = true;
            }
            ranges++;
        }
        end[0] = i;
        return matched != negated;
    }
}
