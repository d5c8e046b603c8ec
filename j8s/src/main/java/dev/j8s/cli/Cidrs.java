package dev.j8s.cli;

import java.net.InetAddress;

/** Checks IP ranges given on the command line. Thread-safe. */
final class Cidrs {

    private Cidrs() {}

    /** The address {@code offset} past the network address of {@code cidr}: 1 is the gateway, 10 the DNS service. */
    static String address(String cidr, int offset) {
        byte[] bytes = InetAddress.ofLiteral(cidr.substring(0, cidr.indexOf('/'))).getAddress();
        long value = 0;
        for (byte b : bytes) {
            value = (value << 8) | (b & 0xff);
        }
        value += offset;
        return ((value >> 24) & 0xff) + "." + ((value >> 16) & 0xff) + "." + ((value >> 8) & 0xff) + "." + (value & 0xff);
    }

    /**
     * Returns {@code cidr} if it is {@code ADDRESS/PREFIX} with the address's host bits clear.
     *
     * @throws IllegalArgumentException naming the flag and the value
     */
    static String validate(String flag, String cidr) {
        int slash = cidr.indexOf('/');
        String want = "invalid " + flag + " \"" + cidr + "\": want an IP range such as 10.96.0.0/12";
        if (slash <= 0 || !cidr.substring(slash + 1).matches("[0-9]{1,3}")) {
            throw new IllegalArgumentException(want);
        }
        InetAddress address;
        try {
            address = InetAddress.ofLiteral(cidr.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(want);
        }
        byte[] bytes = address.getAddress();
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        if (prefix > bytes.length * 8) {
            throw new IllegalArgumentException(want);
        }
        for (int bit = prefix; bit < bytes.length * 8; bit++) {
            if ((bytes[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                throw new IllegalArgumentException("invalid " + flag + " \"" + cidr
                        + "\": the address has bits set beyond the /" + prefix + " prefix");
            }
        }
        return cidr;
    }

    /** The first host address of a validated range (the bridge's gateway, the {@code kubernetes} service's IP). */
    static InetAddress firstHost(String cidr) {
        byte[] bytes = InetAddress.ofLiteral(cidr.substring(0, cidr.indexOf('/'))).getAddress();
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (++bytes[i] != 0) {
                break;
            }
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("an address of " + bytes.length + " bytes is always valid", e);
        }
    }
}
