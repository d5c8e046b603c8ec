package dev.j8s.oci.registry;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A blocking HTTP/1.1 GET for blob bodies: the reading thread takes the bytes from the socket into its own array,
 * with no selector thread, flow of buffers or hand-off between them (java.net.http's costs on a large body). Bodies
 * framed by {@code Content-Length}, chunked, or by the end of the connection; a body that ends early fails its read.
 * TLS with the given context, the host name verified as java.net.http does ({@code HTTPS} endpoint identification)
 * and sent as SNI when it is a DNS name. A connection whose body was read to its end and closed is kept for the
 * next request to the same origin (at most {@link #MAX_IDLE_PER_ORIGIN}, for {@link #IDLE_TIMEOUT}), so a pull from
 * a remote registry pays no handshake per blob; a kept connection the server has closed meanwhile is replaced by a
 * new one before any answer is read. Proxies, HTTP/2, redirects and auth are not its business: the caller follows
 * redirects and answers challenges.
 *
 * <p>Thread-safe; each reply's body is for one reader, and may be closed from another thread (a blocked read then
 * fails promptly: the socket is closed under it).
 */
final class Http1Get {
    /** The status line and headers together; a registry's are a few hundred bytes. */
    static final int MAX_HEAD = 64 * 1024;
    static final int MAX_IDLE_PER_ORIGIN = 4;
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    private final SSLContext tls;
    private final Duration connectTimeout;
    private final ConcurrentHashMap<String, ConcurrentLinkedDeque<Connection>> idle = new ConcurrentHashMap<>();

    Http1Get(SSLContext tls, Duration connectTimeout) {
        this.tls = tls;
        this.connectTimeout = connectTimeout;
    }

    /**
     * Sends the GET and reads the status line and headers, within {@code headTimeout} per socket read; the body is
     * left to the caller.
     */
    Reply get(URI uri, Map<String, String> headers, Duration headTimeout) throws IOException {
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        String host = uri.getHost();
        if (host == null) {
            throw new ProtocolException("no host in " + uri);
        }
        String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
        byte[] request = request(uri, host, port, https, headers);
        String origin = (https ? "https://" : "http://") + bareHost.toLowerCase(Locale.ROOT) + ":" + port;
        Connection kept;
        while ((kept = takeIdle(origin)) != null) {
            try {
                return kept.exchange(request, headTimeout);
            } catch (IOException | RuntimeException e) {
                kept.closeSocket();
                if (kept.answered()) {
                    throw e;
                }
                // closed by the server while idle: the request was not answered, send it on another connection
            }
        }
        Connection c = connect(origin, bareHost, port, https);
        try {
            return c.exchange(request, headTimeout);
        } catch (IOException | RuntimeException e) {
            c.closeSocket();
            throw e;
        }
    }

    private Connection connect(String origin, String host, int port, boolean https) throws IOException {
        Socket raw = new Socket();
        try {
            raw.setTcpNoDelay(true);
            raw.connect(new InetSocketAddress(host, port), (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            Socket s = https ? handshake(raw, host, port) : raw;
            return new Connection(this, origin, raw, s.getInputStream(), s.getOutputStream());
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    private Connection takeIdle(String origin) {
        ConcurrentLinkedDeque<Connection> q = idle.get(origin);
        Connection c;
        while (q != null && (c = q.pollFirst()) != null) {
            if (System.nanoTime() - c.idleSince < IDLE_TIMEOUT.toNanos()) {
                return c;
            }
            c.closeSocket();
        }
        return null;
    }

    /** Keeps a connection whose response was read to its end; closes the ones idle too long. */
    private void release(Connection c) {
        long now = System.nanoTime();
        idle.values().forEach(q -> q.removeIf(old -> {
            boolean expired = now - old.idleSince >= IDLE_TIMEOUT.toNanos();
            if (expired) {
                old.closeSocket();
            }
            return expired;
        }));
        c.idleSince = now;
        ConcurrentLinkedDeque<Connection> q = idle.computeIfAbsent(c.origin, k -> new ConcurrentLinkedDeque<>());
        q.addFirst(c);
        while (q.size() > MAX_IDLE_PER_ORIGIN) {
            Connection extra = q.pollLast();
            if (extra != null) {
                extra.closeSocket();
            }
        }
    }

    /** Connections kept for {@code origin} ({@code scheme://host:port}); for tests. */
    int idleConnections(String origin) {
        ConcurrentLinkedDeque<Connection> q = idle.get(origin);
        return q == null ? 0 : q.size();
    }

    private Socket handshake(Socket raw, String host, int port) throws IOException {
        // Given the host, JSSE sends it as SNI when it is a valid DNS name (as for java.net.http's connections).
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, host, port, true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    static byte[] request(URI uri, String host, int port, boolean https, Map<String, String> headers) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        StringBuilder b = new StringBuilder(256).append("GET ").append(path);
        if (uri.getRawQuery() != null) {
            b.append('?').append(uri.getRawQuery());
        }
        b.append(" HTTP/1.1\r\nHost: ").append(host);
        if (port != (https ? 443 : 80)) {
            b.append(':').append(port);
        }
        b.append("\r\nUser-Agent: j8s\r\n");
        headers.forEach((k, v) -> {
            if (k.indexOf('\r') >= 0 || k.indexOf('\n') >= 0 || v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header " + k + " holds a line break");
            }
            b.append(k).append(": ").append(v).append("\r\n");
        });
        return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * One connection, one exchange at a time: a small buffer for the head and chunk lines, the body read past it.
     * After a body read to its end and closed it goes back to the idle connections, unless either side said
     * otherwise.
     */
    static final class Connection {
        private final Http1Get owner;
        private final String origin;
        private final Socket raw;
        private final InputStream in;
        private final OutputStream out;
        private final byte[] buf = new byte[8192];
        private int pos;
        private int lim;
        private long received; // bytes of the current exchange's answer
        private boolean keepAlive;
        private volatile long idleSince;

        Connection(Http1Get owner, String origin, Socket raw, InputStream in, OutputStream out) {
            this.owner = owner;
            this.origin = origin;
            this.raw = raw;
            this.in = in;
            this.out = out;
        }

        Reply exchange(byte[] request, Duration headTimeout) throws IOException {
            received = 0;
            raw.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, headTimeout.toMillis())));
            out.write(request);
            out.flush();
            Reply reply = readHead();
            raw.setSoTimeout(0); // the body is guarded by its reader's stall rule
            return reply;
        }

        /** Whether any byte of the answer arrived (a request sent on a connection the server had closed gets none). */
        boolean answered() {
            return received > 0;
        }

        Reply readHead() throws IOException {
            int headBytes = 0;
            while (true) {
                String statusLine = line();
                keepAlive = statusLine.startsWith("HTTP/1.1 ");
                headBytes += statusLine.length();
                String[] parts = statusLine.split(" ", 3);
                if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || parts[1].length() != 3) {
                    throw new ProtocolException("invalid status line: " + abbreviate(statusLine));
                }
                int status;
                try {
                    status = Integer.parseInt(parts[1]);
                } catch (NumberFormatException e) {
                    throw new ProtocolException("invalid status line: " + abbreviate(statusLine));
                }
                TreeMap<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                while (true) {
                    String h = line();
                    headBytes += h.length() + 2;
                    if (headBytes > MAX_HEAD) {
                        throw new ProtocolException("response head larger than " + MAX_HEAD + " bytes");
                    }
                    if (h.isEmpty()) {
                        break;
                    }
                    int colon = h.indexOf(':');
                    if (colon <= 0) {
                        throw new ProtocolException("invalid header line: " + abbreviate(h));
                    }
                    headers.putIfAbsent(h.substring(0, colon).strip(), h.substring(colon + 1).strip());
                }
                if (status / 100 == 1) {
                    continue; // an interim response (100 Continue, 103 Early Hints): the real one follows
                }
                String connection = headers.getOrDefault("Connection", "").toLowerCase(Locale.ROOT);
                if (connection.contains("close")) {
                    keepAlive = false;
                }
                return new Reply(status, name -> Optional.ofNullable(headers.get(name)), body(status, headers));
            }
        }

        private InputStream body(int status, Map<String, String> headers) throws IOException {
            String te = headers.get("Transfer-Encoding");
            if (status == 204 || status == 304) {
                return new Body(this, 0);
            }
            if (te != null) {
                if (!te.toLowerCase(Locale.ROOT).strip().endsWith("chunked")) {
                    throw new ProtocolException("unsupported Transfer-Encoding: " + abbreviate(te));
                }
                return new Chunked(this);
            }
            String cl = headers.get("Content-Length");
            if (cl != null) {
                long n;
                try {
                    n = Long.parseLong(cl.strip());
                } catch (NumberFormatException e) {
                    throw new ProtocolException("invalid Content-Length: " + abbreviate(cl));
                }
                if (n < 0) {
                    throw new ProtocolException("invalid Content-Length: " + abbreviate(cl));
                }
                return new Body(this, n);
            }
            return new Body(this, -1);
        }

        /** A line ending in CRLF (or LF), without it; ISO-8859-1, as HTTP's head is. */
        private String line() throws IOException {
            StringBuilder b = new StringBuilder(64);
            while (true) {
                if (pos == lim && fill() < 0) {
                    throw new EOFException("connection closed in the response head");
                }
                byte c = buf[pos++];
                if (c == '\n') {
                    int n = b.length();
                    return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
                }
                b.append((char) (c & 0xff));
                if (b.length() > MAX_HEAD) {
                    throw new ProtocolException("response line longer than " + MAX_HEAD + " bytes");
                }
            }
        }

        private int fill() throws IOException {
            int n = in.read(buf, 0, buf.length);
            pos = 0;
            lim = Math.max(n, 0);
            received += lim;
            return n;
        }

        /** Up to {@code len} bytes: what the head's buffer holds first, then straight from the socket. */
        int read(byte[] b, int off, int len) throws IOException {
            if (pos < lim) {
                int k = Math.min(len, lim - pos);
                System.arraycopy(buf, pos, b, off, k);
                pos += k;
                return k;
            }
            return in.read(b, off, len);
        }

        /** The body's end: {@code complete} when it was read to its end, so the connection can serve another. */
        void end(boolean complete) {
            if (complete && keepAlive && pos == lim && !raw.isClosed()) {
                owner.release(this);
            } else {
                closeSocket();
            }
        }

        void closeSocket() {
            try {
                raw.close();
            } catch (IOException ignored) {
                // nothing more to read or write on it
            }
        }

        private static String abbreviate(String s) {
            return s.length() > 100 ? s.substring(0, 100) + "…" : s;
        }
    }

    /**
     * A response body read from its connection: the open check, the end and the one-byte read in one place for both
     * framings. Closing it ends the connection's use ({@link Connection#end}, kept only when the body was read to its
     * end); it may be called from another thread (the stall watchdog), and a blocked read then fails.
     */
    private abstract static class BodyStream extends InputStream {
        final Connection c;
        private final AtomicBoolean closed = new AtomicBoolean();

        BodyStream(Connection c) {
            this.c = c;
        }

        /** Whether every byte of the body has been read. */
        abstract boolean complete();

        /** Reads at least one byte of the body, which is not complete, into {@code b} ({@code len > 0}). */
        abstract int readSome(byte[] b, int off, int len) throws IOException;

        @Override
        public final int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public final int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (closed.get()) {
                throw new IOException("stream closed");
            }
            if (complete()) {
                return -1;
            }
            return len == 0 ? 0 : readSome(b, off, len);
        }

        @Override
        public final void close() {
            if (closed.compareAndSet(false, true)) {
                c.end(complete());
            }
        }
    }

    /** A body of {@code length} bytes, or to the end of the connection when {@code length < 0}. */
    private static final class Body extends BodyStream {
        private final long length;
        private long read;

        Body(Connection c, long length) {
            super(c);
            this.length = length;
        }

        @Override
        boolean complete() {
            return length >= 0 && read == length;
        }

        @Override
        int readSome(byte[] b, int off, int len) throws IOException {
            int want = length < 0 ? len : (int) Math.min(len, length - read);
            int n = c.read(b, off, want);
            if (n < 0) {
                if (length >= 0) {
                    throw new EOFException("connection closed after " + read + " of " + length + " body bytes");
                }
                return -1;
            }
            read += n;
            return n;
        }
    }

    /** A chunked body: chunk sizes in hex on lines of their own (extensions ignored), a zero chunk, trailers. */
    private static final class Chunked extends BodyStream {
        private long left; // in the current chunk
        private boolean done;

        Chunked(Connection c) {
            super(c);
        }

        @Override
        boolean complete() {
            return done;
        }

        @Override
        int readSome(byte[] b, int off, int len) throws IOException {
            if (left == 0 && !nextChunk()) {
                return -1;
            }
            int n = c.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("connection closed in a chunk");
            }
            left -= n;
            if (left == 0 && !c.line().isEmpty()) {
                throw new ProtocolException("chunk not followed by CRLF");
            }
            return n;
        }

        private boolean nextChunk() throws IOException {
            String line = c.line();
            int semi = line.indexOf(';');
            String size = (semi >= 0 ? line.substring(0, semi) : line).strip();
            try {
                left = Long.parseLong(size, 16);
            } catch (NumberFormatException e) {
                throw new ProtocolException("invalid chunk size: " + Connection.abbreviate(line));
            }
            if (left < 0) {
                throw new ProtocolException("invalid chunk size: " + Connection.abbreviate(line));
            }
            if (left == 0) {
                while (!c.line().isEmpty()) {
                    // trailers: not used
                }
                done = true;
                return false;
            }
            return true;
        }
    }
}
