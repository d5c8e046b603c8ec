package dev.j8s.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Optional;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Where the API server listens: a host (name or IP literal) and a port, 0 meaning any free port.
 * Immutable.
 *
 * @param host a DNS name or an IP literal, without brackets
 * @param port 0 to 65535
 */
record ListenAddress(String host, int port) {

    ListenAddress {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("listen host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("listen port " + port + " is out of range 0-65535");
        }
    }

    /** Parses {@code HOST:PORT} or {@code [IPv6]:PORT}. */
    static ListenAddress parse(String text) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf("]:");
            if (close < 0) {
                throw new IllegalArgumentException("invalid listen address \"" + text + "\": want [IPv6]:PORT");
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon <= 0 || text.indexOf(':') != colon) {
                throw new IllegalArgumentException("invalid listen address \"" + text
                        + "\": want HOST:PORT, e.g. 127.0.0.1:6443 or [::1]:6443");
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        if (host.isEmpty() || !port.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("invalid listen address \"" + text
                    + "\": want HOST:PORT, e.g. 127.0.0.1:6443 or [::1]:6443");
        }
        return new ListenAddress(host, Integer.parseInt(port));
    }

    InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** Whether the host is a wildcard address (0.0.0.0 or ::). */
    boolean wildcard() {
        return literal().filter(InetAddress::isAnyLocalAddress).isPresent();
    }

    /**
     * The URL clients use to reach a server listening here on {@code actualPort}: a wildcard listener
     * is reached through the loopback address of its family.
     */
    URI url(int actualPort) {
        String h = host;
        if (wildcard()) {
            h = literal().orElseThrow().getAddress().length == 4 ? "127.0.0.1" : "::1";
        }
        boolean v6 = h.contains(":");
        return URI.create("https://" + (v6 ? "[" + h + "]" : h) + ":" + actualPort);
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private Optional<InetAddress> literal() {
        try {
            return Optional.of(InetAddress.ofLiteral(host));
        } catch (IllegalArgumentException notALiteral) {
            return Optional.empty();
        }
    }

    /** picocli's converter for {@code --listen}. */
    static final class Converter implements ITypeConverter<ListenAddress> {
        @Override
        public ListenAddress convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
