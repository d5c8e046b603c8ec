package dev.j8s.pki;

import java.net.InetAddress;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The names a serving certificate must be valid for: DNS names and IP addresses. Immutable.
 *
 * @param dnsNames  lower-case DNS names, e.g. {@code localhost}
 * @param addresses IP addresses, e.g. {@code 127.0.0.1} and {@code ::1}
 */
public record ServingNames(Set<String> dnsNames, Set<InetAddress> addresses) {

    public ServingNames {
        dnsNames = Set.copyOf(dnsNames);
        addresses = Set.copyOf(addresses);
    }

    /** Sorts {@code hosts} into IP literals and DNS names; blank entries are skipped. */
    public static ServingNames of(Collection<String> hosts) {
        Set<String> dns = new LinkedHashSet<>();
        Set<InetAddress> ips = new LinkedHashSet<>();
        for (String host : hosts) {
            String h = host.strip();
            if (h.startsWith("[") && h.endsWith("]")) {
                h = h.substring(1, h.length() - 1);
            }
            if (h.isEmpty()) {
                continue;
            }
            try {
                ips.add(InetAddress.ofLiteral(h));
            } catch (IllegalArgumentException notAnAddress) {
                dns.add(h.toLowerCase(Locale.ROOT));
            }
        }
        return new ServingNames(dns, ips);
    }

    /** All names as they appear among a certificate's subject alternative names. */
    public Set<String> asStrings() {
        Set<String> all = new LinkedHashSet<>(dnsNames);
        addresses.forEach(a -> all.add(a.getHostAddress()));
        return all;
    }
}
