package dev.j8s.kubelet.probe;

import dev.j8s.kubelet.format.GoErrors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The HTTP/1.1 client of {@code httpGet} probes and hooks, as upstream configures Go's for them: one connection per
 * request ({@code Connection: close}), TLS without certificate verification, redirects followed only while they stay
 * on the same host name and at most 10 times (a redirect elsewhere returns the 3xx itself), at most
 * {@value #MAX_BODY} bytes of body read. Connections come from a {@link Connector}, so the pod's own address is
 * reached inside its network namespace. Stateless and thread-safe; a run ends early when its thread is interrupted.
 */
public final class HttpGetClient {

    /** Upstream's {@code maxRespBodyLength}. */
    public static final int MAX_BODY = 10 * 1024;
    private static final int MAX_REDIRECTS = 10;
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final SSLSocketFactory INSECURE_TLS = insecureTls();

    private HttpGetClient() {}

    /**
     * A response: the status code, its status line ({@code HTTP/1.1 200 OK}) and up to {@value #MAX_BODY} bytes of
     * body.
     */
    public record Response(int code, String statusLine, String body) {}

    /**
     * A request that got no response, with Go's {@code url.Error} text: {@code Get "http://10.244.0.5:80/": dial tcp
     * 10.244.0.5:80: connect: connection refused}.
     *
     * @param httpToHttps the server answered a TLS handshake in plain HTTP ({@code server gave HTTP response to
     *     HTTPS client})
     */
    public static final class Failure extends Exception {
        private final boolean httpToHttps;

        Failure(String message, boolean httpToHttps) {
            super(message, null, false, false);
            this.httpToHttps = httpToHttps;
        }

        public boolean httpToHttps() {
            return httpToHttps;
        }
    }

    /**
     * Sends {@code request} and reads the response, following redirects, all within {@code timeout}.
     *
     * @throws Failure when no response came (refused, timed out, reset, TLS failure, too many redirects)
     * @throws InterruptedIOException when the calling thread was interrupted
     */
    public static Response get(HttpGetRequest request, Connector connector, Duration timeout)
            throws Failure, InterruptedIOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpGetRequest current = request;
        for (int redirects = 0; ; redirects++) {
            Exchanged response = exchange(current, connector, deadline);
            if (!isRedirect(response.code()) || response.location() == null) {
                return response.response();
            }
            URI next;
            try {
                next = new URI(current.url()).resolve(response.location());
            } catch (URISyntaxException | IllegalArgumentException e) {
                return response.response(); // Go would fail to parse it and stop too
            }
            if (next.getHost() == null || !next.getHost().equalsIgnoreCase(stripBrackets(current.host()))) {
                return response.response(); // http.ErrUseLastResponse: a redirect to another host is not followed
            }
            if (redirects + 1 >= MAX_REDIRECTS) {
                throw new Failure("Get " + quote(next.toString()) + ": stopped after 10 redirects", false);
            }
            String scheme = next.getScheme() == null ? current.scheme() : next.getScheme().toLowerCase(Locale.ROOT);
            int port = next.getPort() > 0 ? next.getPort() : scheme.equals("https") ? 443 : 80;
            String path = (next.getRawPath() == null || next.getRawPath().isEmpty() ? "/" : next.getRawPath())
                    + (next.getRawQuery() == null ? "" : "?" + next.getRawQuery());
            current = new HttpGetRequest(scheme, current.host(), port, path, current.headers(), current.podAddress());
        }
    }

    static boolean isRedirect(int code) {
        return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
    }

    /** One response with its {@code Location}. */
    record Exchanged(Response response, String location) {
        int code() {
            return response.code();
        }

        /** A redirect this client would follow from {@code request}: a 3xx to the same host name. */
        boolean followable(HttpGetRequest request) {
            if (!isRedirect(code()) || location == null) {
                return false;
            }
            try {
                URI next = new URI(request.url()).resolve(location);
                return next.getHost() != null && next.getHost().equalsIgnoreCase(stripBrackets(request.host()));
            } catch (URISyntaxException | IllegalArgumentException e) {
                return false;
            }
        }
    }

    private static Exchanged exchange(HttpGetRequest request, Connector connector, long deadline)
            throws Failure, InterruptedIOException {
        String url = request.url();
        SocketChannel channel;
        try {
            channel = connector.connect(request.host(), request.port(), remaining(deadline));
        } catch (SocketTimeoutException e) {
            throw timeout(url);
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            throw interrupted(e);
        } catch (IOException e) {
            throw new Failure("Get " + quote(url) + ": " + GoErrors.dial(request.host(), request.port(), e), false);
        }
        try (channel) {
            Socket socket = channel.socket();
            if (request.scheme().equals("https")) {
                socket = handshake(socket, request, deadline, url);
            }
            socket.setSoTimeout(millis(deadline));
            OutputStream out = socket.getOutputStream();
            out.write(requestBytes(request));
            out.flush();
            socket.setSoTimeout(millis(deadline));
            return read(new java.io.BufferedInputStream(socket.getInputStream(), 4096));
        } catch (Failure f) {
            throw f;
        } catch (SocketTimeoutException e) {
            throw timeout(url);
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            throw interrupted(e);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw interrupted(e);
            }
            throw new Failure("Get " + quote(url) + ": " + GoErrors.io(e), false);
        }
    }

    private static Socket handshake(Socket plain, HttpGetRequest request, long deadline, String url)
            throws IOException, Failure {
        SSLSocket tls = (SSLSocket) INSECURE_TLS.createSocket(plain, request.host(), request.port(), true);
        tls.setSoTimeout(millis(deadline));
        try {
            tls.startHandshake();
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (SSLException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            if (m.contains("Unsupported or unrecognized SSL message")) {
                throw new Failure("Get " + quote(url) + ": http: server gave HTTP response to HTTPS client", true);
            }
            throw new Failure("Get " + quote(url) + ": tls: " + m, false);
        }
        return tls;
    }

    /** The bytes of the GET for {@code request}. */
    static byte[] requestBytes(HttpGetRequest request) {
        StringBuilder head = new StringBuilder("GET ").append(request.path().isEmpty() ? "/" : request.path())
                .append(" HTTP/1.1\r\nHost: ").append(request.hostHeader()).append("\r\n");
        for (HttpGetRequest.Header h : request.headers()) {
            if (!h.name().equals("Host") && !h.name().equals("Connection")) {
                head.append(h.name()).append(": ").append(h.value()).append("\r\n");
            }
        }
        head.append("Connection: close\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads the status line, headers and at most {@value #MAX_BODY} bytes of body; 1xx responses are skipped. A socket
     * stream brings its own read timeout.
     */
    static Exchanged read(InputStream in) throws IOException {
        while (true) {
            String statusLine = line(in);
            if (statusLine == null) {
                throw new java.io.EOFException("EOF");
            }
            String[] parts = statusLine.split(" ", 3);
            int code;
            try {
                code = parts.length >= 2 && parts[0].startsWith("HTTP/") ? Integer.parseInt(parts[1]) : -1;
            } catch (NumberFormatException e) {
                code = -1;
            }
            if (code < 100 || code > 999) {
                throw new IOException("malformed HTTP response " + quote(statusLine));
            }
            long contentLength = -1;
            boolean chunked = false;
            String location = null;
            int headerBytes = 0;
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                headerBytes += h.length();
                if (headerBytes > MAX_HEADER_BYTES) {
                    throw new IOException("net/http: server response headers exceeded " + MAX_HEADER_BYTES + " bytes");
                }
                int colon = h.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = h.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).strip();
                switch (name) {
                    case "content-length" -> {
                        try {
                            contentLength = Long.parseLong(value);
                        } catch (NumberFormatException e) {
                            contentLength = -1;
                        }
                    }
                    case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                    case "location" -> location = value;
                    default -> { }
                }
            }
            if (code < 200) {
                continue; // 100 Continue and friends: the real response follows
            }
            String body = code == 204 || code == 304 ? "" : body(in, chunked, contentLength);
            return new Exchanged(new Response(code, statusLine, body), location);
        }
    }

    private static String body(InputStream in, boolean chunked, long contentLength) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            while (body.size() < MAX_BODY) {
                String size = line(in);
                if (size == null) {
                    break;
                }
                int semi = size.indexOf(';');
                long n;
                try {
                    n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
                } catch (NumberFormatException e) {
                    break;
                }
                if (n == 0) {
                    break;
                }
                copy(in, body, n);
                line(in); // the CRLF after the chunk
            }
        } else {
            copy(in, body, contentLength < 0 ? Long.MAX_VALUE : contentLength);
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    /** Copies up to {@code n} bytes, never more than {@link #MAX_BODY} in total; stops at the end of the stream. */
    private static void copy(InputStream in, ByteArrayOutputStream out, long n) throws IOException {
        byte[] buffer = new byte[4096];
        long left = n;
        while (left > 0 && out.size() < MAX_BODY) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, Math.min(left, MAX_BODY - out.size())));
            if (read < 0) {
                return;
            }
            out.write(buffer, 0, read);
            left -= read;
        }
    }

    /** One CRLF- or LF-terminated line in ISO-8859-1, without the terminator; null at the end of the stream. */
    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            if (line.length() > MAX_HEADER_BYTES) {
                throw new IOException("net/http: server response line too long");
            }
            line.append((char) c);
        }
        return line.isEmpty() ? null : line.toString();
    }

    static Failure timeout(String url) {
        return new Failure("Get " + quote(url)
                + ": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", false);
    }

    private static InterruptedIOException interrupted(IOException cause) {
        Thread.currentThread().interrupt();
        InterruptedIOException e = new InterruptedIOException("interrupted");
        e.initCause(cause);
        return e;
    }

    private static Duration remaining(long deadline) throws SocketTimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("deadline");
        }
        return Duration.ofNanos(left);
    }

    private static int millis(long deadline) throws SocketTimeoutException {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, remaining(deadline).toMillis()));
    }

    static String quote(String s) {
        return dev.j8s.kubelet.format.GoQuote.quote(s);
    }

    static String stripBrackets(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** Upstream's probes and hooks skip certificate verification ({@code InsecureSkipVerify}). */
    private static SSLSocketFactory insecureTls() {
        TrustManager trustAll = new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine e) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine e) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustAll}, new SecureRandom());
            return context.getSocketFactory();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("TLS is required of every JDK", e);
        }
    }
}
