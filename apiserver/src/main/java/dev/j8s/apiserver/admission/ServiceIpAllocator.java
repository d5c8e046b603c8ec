package dev.j8s.apiserver.admission;

import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Picks free ClusterIPs from an IPv4 service CIDR the way upstream's allocator does: network and
 * broadcast addresses are never handed out, the first usable address is the {@code kubernetes}
 * service's, and dynamic picks come from the upper part of the range first so that the lower band
 * stays free for static requests (ServiceIPStaticSubrange). Immutable and thread-safe; the caller
 * passes the addresses in use.
 */
public final class ServiceIpAllocator {

    private final String cidr;
    private final long base;
    private final long size;
    private final RandomGenerator random;

    /** @param cidr an IPv4 CIDR such as {@code 10.96.0.0/12} */
    public ServiceIpAllocator(String cidr) {
        this(cidr, RandomGenerator.getDefault());
    }

    ServiceIpAllocator(String cidr, RandomGenerator random) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("parse service CIDR " + cidr + ": missing prefix length");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("parse service CIDR " + cidr + ": bad prefix length", e);
        }
        long address = parse(cidr.substring(0, slash));
        if (address < 0 || prefix < 8 || prefix > 30) {
            throw new IllegalArgumentException("parse service CIDR " + cidr + ": need an IPv4 network between /8 and /30");
        }
        this.size = 1L << (32 - prefix);
        this.base = address & ~(size - 1);
        this.cidr = format(base) + "/" + prefix;
        this.random = random;
    }

    /** The CIDR in canonical form, as upstream prints it in range errors. */
    public String cidr() {
        return cidr;
    }

    /** The first usable address ({@code 10.96.0.1}), reserved for the {@code kubernetes} service. */
    public String firstAddress() {
        return format(base + 1);
    }

    /** Whether an address is a usable member of the range (not the network or broadcast address). */
    public boolean contains(String ip) {
        long a = parse(ip);
        return a > base && a < base + size - 1;
    }

    /**
     * A free address outside {@code inUse} and other than the first address.
     *
     * @throws IllegalStateException when the range is full
     */
    public String allocate(Set<String> inUse) {
        long usable = size - 2;
        // upstream's calculateRangeOffset: no static band in ranges of 16 addresses or fewer
        long staticBand = size <= 16 ? 0 : Math.min(Math.max(16, size / 16), 256);
        long dynamicFrom = Math.max(staticBand, 1);
        long dynamicStart = base + 1 + dynamicFrom;
        long dynamicCount = usable - dynamicFrom;
        String pick = scan(dynamicStart, dynamicCount, inUse);
        if (pick == null) {
            pick = scan(base + 2, dynamicFrom - 1, inUse);
        }
        if (pick == null) {
            throw new IllegalStateException("range is full");
        }
        return pick;
    }

    private String scan(long start, long count, Set<String> inUse) {
        if (count <= 0) {
            return null;
        }
        long offset = random.nextLong(count);
        for (long i = 0; i < count; i++) {
            String candidate = format(start + (offset + i) % count);
            if (!inUse.contains(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** The address as an unsigned 32-bit value, or -1 when the text is not a dotted IPv4 address. */
    static long parse(String ip) {
        String[] parts = ip.split("\\.", -1);
        if (parts.length != 4) {
            return -1;
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || (p.length() > 1 && p.startsWith("0"))) {
                return -1;
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                return -1;
            }
            v = (v << 8) | octet;
        }
        return v;
    }

    static String format(long v) {
        return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
    }
}
