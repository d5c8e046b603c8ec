package dev.j8s.kubelet.probe;

import dev.j8s.kubelet.format.GoErrors;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * One plain-HTTP or TCP probe over a non-blocking channel, for a selector loop that drives many at once: connect,
 * for HTTP write the GET and read the response until it is complete (its length, the last chunk, the end of the
 * stream or {@value HttpGetClient#MAX_BODY} bytes of body), then the same verdicts and texts as {@link HttpProbe} and
 * {@link TcpProbe}. A redirect the blocking client would follow is handed back ({@link #redirected}) for that client
 * to take over. Not thread-safe: one loop thread drives it.
 */
public final class NonBlockingProbe {

    private static final int MAX_RESPONSE = 64 * 1024 + HttpGetClient.MAX_BODY;

    private final SocketChannel channel;
    private final Optional<HttpGetRequest> request;
    private final String host;
    private final int port;
    private final ByteBuffer out;
    private final ByteArrayOutputStream in = new ByteArrayOutputStream();
    private final ByteBuffer buffer = ByteBuffer.allocate(8192);
    private boolean connected;
    private ProbeResult result;
    private boolean redirected;

    private NonBlockingProbe(SocketChannel channel, Optional<HttpGetRequest> request, String host, int port) {
        this.channel = channel;
        this.request = request;
        this.host = host;
        this.port = port;
        this.out = request.map(r -> ByteBuffer.wrap(HttpGetClient.requestBytes(r))).orElse(ByteBuffer.allocate(0));
    }

    /** An HTTP probe of {@code request} over {@code channel} (unconnected, non-blocking). */
    public static NonBlockingProbe http(HttpGetRequest request, SocketChannel channel) {
        return new NonBlockingProbe(channel, Optional.of(request), request.host(), request.port());
    }

    /** A TCP probe of {@code host:port} over {@code channel} (unconnected, non-blocking). */
    public static NonBlockingProbe tcp(String host, int port, SocketChannel channel) {
        return new NonBlockingProbe(channel, Optional.empty(), host, port);
    }

    public SocketChannel channel() {
        return channel;
    }

    /** Starts connecting to {@code address}; the interest ops to register, 0 once done. */
    public int start(InetSocketAddress address) {
        try {
            if (channel.connect(address)) {
                return connected();
            }
            return SelectionKey.OP_CONNECT;
        } catch (IOException e) {
            return fail(e);
        }
    }

    /** Handles readiness; the interest ops to register next, 0 once done. */
    public int ready(SelectionKey key) {
        try {
            if (!connected) {
                if (!key.isConnectable() || !channel.finishConnect()) {
                    return SelectionKey.OP_CONNECT;
                }
                return connected();
            }
            if (out.hasRemaining()) {
                channel.write(out);
                return out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            }
            return read();
        } catch (IOException e) {
            return fail(e);
        }
    }

    private int connected() throws IOException {
        connected = true;
        if (request.isEmpty()) {
            result = ProbeResult.success("");
            return 0;
        }
        channel.write(out);
        return out.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ;
    }

    private int read() throws IOException {
        while (true) {
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                return finish(true);
            }
            if (n == 0) {
                return complete() ? finish(false) : SelectionKey.OP_READ;
            }
            in.write(buffer.array(), 0, n);
            if (in.size() >= MAX_RESPONSE) {
                return finish(false);
            }
        }
    }

    /** Whether the bytes so far hold a whole response: its headers and its body (or enough of it). */
    private boolean complete() {
        byte[] bytes = in.toByteArray();
        int end = headersEnd(bytes);
        if (end < 0) {
            return false;
        }
        String head = new String(bytes, 0, end, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        int body = bytes.length - end;
        if (body >= HttpGetClient.MAX_BODY || head.startsWith("http/1.1 204") || head.startsWith("http/1.1 304")) {
            return true;
        }
        int length = head.indexOf("\ncontent-length:");
        if (length >= 0) {
            int eol = head.indexOf('\n', length + 1);
            try {
                long declared = Long.parseLong(head.substring(length + 16, eol < 0 ? head.length() : eol).strip());
                return body >= declared;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if (head.contains("\ntransfer-encoding:") && head.contains("chunked")) {
            String tail = new String(bytes, end, body, StandardCharsets.ISO_8859_1);
            return tail.startsWith("0\r\n") || tail.contains("\r\n0\r\n");
        }
        return false; // the body runs to the end of the stream
    }

    private static int headersEnd(byte[] b) {
        for (int i = 3; i < b.length; i++) {
            if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    private int finish(boolean endOfStream) {
        HttpGetRequest r = request.orElseThrow();
        try {
            HttpGetClient.Exchanged exchanged = HttpGetClient.read(new ByteArrayInputStream(in.toByteArray()));
            if (exchanged.followable(r)) {
                redirected = true;
                return 0;
            }
            result = HttpProbe.interpret(exchanged.response());
        } catch (IOException e) {
            result = ProbeResult.failure("Get " + HttpGetClient.quote(r.url()) + ": "
                    + (endOfStream && in.size() == 0 ? "EOF" : GoErrors.io(e)));
        }
        return 0;
    }

    private int fail(IOException e) {
        if (!connected) {
            String dial = GoErrors.dial(host, port, e);
            result = ProbeResult.failure(request.map(r -> "Get " + HttpGetClient.quote(r.url()) + ": " + dial)
                    .orElse(dial));
        } else {
            result = ProbeResult.failure("Get " + HttpGetClient.quote(request.orElseThrow().url()) + ": "
                    + GoErrors.io(e));
        }
        return 0;
    }

    /** The deadline passed: the result is the client's timeout. */
    public ProbeResult expire() {
        result = request.map(r -> ProbeResult.failure(HttpGetClient.timeout(r.url()).getMessage()))
                .orElseGet(() -> ProbeResult.failure("dial tcp " + GoErrors.joinHostPort(host, port) + ": i/o timeout"));
        return result;
    }

    /** The verdict, once done and not {@link #redirected}. */
    public Optional<ProbeResult> result() {
        return Optional.ofNullable(result);
    }

    /** The response is a redirect the blocking client follows: the probe is to be run by it. */
    public boolean redirected() {
        return redirected;
    }
}
