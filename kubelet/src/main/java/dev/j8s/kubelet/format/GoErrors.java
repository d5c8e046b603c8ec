package dev.j8s.kubelet.format;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;

/** The texts Go's {@code net} package gives dial and read errors, which upstream puts into events; stateless. */
public final class GoErrors {
    private GoErrors() {}

    /** Go's {@code net.JoinHostPort}: an IPv6 address in brackets. */
    public static String joinHostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** {@code dial tcp 10.244.0.5:80: connect: connection refused}, {@code ...: i/o timeout}. */
    public static String dial(String host, int port, IOException e) {
        return dial("tcp", host, port, e);
    }

    /** As {@link #dial(String, int, IOException)} on Go's network {@code network} ({@code tcp4}, {@code tcp6}). */
    public static String dial(String network, String host, int port, IOException e) {
        String address = joinHostPort(host, port);
        return switch (e) {
            case SocketTimeoutException t -> "dial " + network + " " + address + ": i/o timeout";
            case UnknownHostException u -> "dial " + network + ": lookup " + host + ": no such host";
            case NoRouteToHostException n -> "dial " + network + " " + address + ": connect: no route to host";
            case ConnectException c -> "dial " + network + " " + address + ": connect: " + connectReason(c);
            default -> "dial " + network + " " + address + ": " + lower(e.getMessage());
        };
    }

    private static String connectReason(ConnectException c) {
        String m = lower(c.getMessage());
        if (m.contains("refused")) {
            return "connection refused";
        }
        if (m.contains("unreachable")) {
            return "network is unreachable";
        }
        return m;
    }

    /** A read or write failure on an established connection: {@code EOF}, {@code read: connection reset by peer}. */
    public static String io(IOException e) {
        String m = lower(e.getMessage());
        if (m.contains("reset")) {
            return "read: connection reset by peer";
        }
        if (m.contains("broken pipe")) {
            return "write: broken pipe";
        }
        return m.isEmpty() ? "EOF" : m;
    }

    private static String lower(String message) {
        return message == null ? "" : message.toLowerCase(Locale.ROOT);
    }
}
