package dev.j8s.kubelet.probe;

import dev.j8s.kubelet.format.GoErrors;
import dev.j8s.kubelet.format.GoDuration;
import dev.j8s.kubelet.format.GoQuote;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.hpack.HpackDecoder;
import org.eclipse.jetty.http2.hpack.HpackException;

/**
 * Upstream {@code pkg/probe/grpc}: one {@code grpc.health.v1.Health/Check} call for a service over plaintext HTTP/2
 * (h2c with prior knowledge, as gRPC's insecure transport speaks it), within the probe's timeout. {@code SERVING}
 * succeeds; any other status, gRPC error or transport failure fails with upstream's wording. The client is the
 * smallest HTTP/2 that call needs: the preface, settings (acknowledged), one stream with its request in one DATA
 * frame, pings answered, the response read until the stream ends; header blocks decoded with Jetty's HPACK.
 * Stateless and thread-safe.
 */
public final class GrpcProbe {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int SETTINGS = 0x4;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int CONTINUATION = 0x9;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int PADDED = 0x8;
    private static final int PRIORITY = 0x20;
    private static final int MAX_FRAME = 16384;
    private static final List<String> CODES = List.of("OK", "Canceled", "Unknown", "InvalidArgument",
            "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted",
            "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss",
            "Unauthenticated");
    private static final List<String> SERVING_STATUS = List.of("UNKNOWN", "SERVING", "NOT_SERVING",
            "SERVICE_UNKNOWN");

    private GrpcProbe() {}

    /** Checks {@code service} (empty: the server as a whole) on {@code host:port}. */
    public static ProbeResult probe(String host, String service, int port, Connector connector, Duration timeout)
            throws InterruptedIOException {
        String address = GoErrors.joinHostPort(host, port);
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketChannel channel;
        try {
            channel = connector.connect(host, port, timeout);
        } catch (SocketTimeoutException e) {
            return ProbeResult.failure("timeout: failed to connect service " + GoQuote.quote(address) + " within "
                    + GoDuration.format(timeout) + ": context deadline exceeded");
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            throw interrupted(address);
        } catch (IOException e) {
            // grpc-go with WithBlock retries a refused dial until the deadline, then reports the deadline
            return ProbeResult.failure("timeout: failed to connect service " + GoQuote.quote(address) + " within "
                    + GoDuration.format(timeout) + ": context deadline exceeded");
        }
        try (channel) {
            Socket socket = channel.socket();
            socket.setSoTimeout(millisLeft(deadline));
            OutputStream out = socket.getOutputStream();
            out.write(request(address, service, timeout));
            out.flush();
            Call call = readCall(new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream())), out,
                    socket, deadline);
            return verdict(call, timeout);
        } catch (SocketTimeoutException e) {
            return ProbeResult.failure("timeout: health rpc did not complete within " + GoDuration.format(timeout));
        } catch (InterruptedIOException | ClosedByInterruptException e) {
            throw interrupted(address);
        } catch (IOException | HpackException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw interrupted(address);
            }
            return ProbeResult.failure("error: health rpc probe failed: rpc error: code = Unavailable desc = "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    private static ProbeResult verdict(Call call, Duration timeout) {
        int code = call.status();
        if (code == 12) {
            return ProbeResult.failure("error: this server does not implement the grpc health protocol "
                    + "(grpc.health.v1.Health): " + call.message());
        }
        if (code == 4) {
            return ProbeResult.failure("timeout: health rpc did not complete within " + GoDuration.format(timeout));
        }
        if (code != 0) {
            String name = code >= 0 && code < CODES.size() ? CODES.get(code) : "Code(" + code + ")";
            return ProbeResult.failure("error: health rpc probe failed: rpc error: code = " + name + " desc = "
                    + call.message());
        }
        int serving = servingStatus(call.body());
        if (serving != 1) {
            String name = serving >= 0 && serving < SERVING_STATUS.size() ? SERVING_STATUS.get(serving)
                    : Integer.toString(serving);
            return ProbeResult.failure("service unhealthy (responded with " + GoQuote.quote(name) + ")");
        }
        return ProbeResult.success("service healthy");
    }

    /** The preface, an empty SETTINGS, then stream 1: HEADERS and one DATA frame that ends it. */
    private static byte[] request(String authority, String service, Duration timeout) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        literal(block, ":method", "POST");
        literal(block, ":scheme", "http");
        literal(block, ":path", "/grpc.health.v1.Health/Check");
        literal(block, ":authority", authority);
        literal(block, "content-type", "application/grpc");
        literal(block, "user-agent", "kube-probe/" + HttpGetRequest.KUBE_VERSION);
        literal(block, "te", "trailers");
        literal(block, "grpc-timeout", Math.max(1, timeout.toMillis()) + "m");
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        if (name.length > 0) {
            message.write(0x0a); // HealthCheckRequest.service, field 1, length-delimited
            varint(message, name.length);
            message.writeBytes(name);
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.write(0); // not compressed
        data.writeBytes(ByteBuffer.allocate(4).putInt(message.size()).array());
        data.writeBytes(message.toByteArray());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(PREFACE);
        try {
            frame(out, SETTINGS, 0, 0, new byte[0]);
            frame(out, HEADERS, END_HEADERS, 1, block.toByteArray());
            frame(out, DATA, END_STREAM, 1, data.toByteArray());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("a byte array stream does not fail", e);
        }
        return out.toByteArray();
    }

    /** The call's outcome: its gRPC status and message, and the response message's bytes. */
    private record Call(int status, String message, byte[] body) {}

    private static Call readCall(DataInputStream in, OutputStream out, Socket socket, long deadline)
            throws IOException, HpackException {
        HpackDecoder decoder = new HpackDecoder(64 * 1024, System::nanoTime);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteArrayOutputStream headerBlock = null;
        Map<String, String> fields = new HashMap<>();
        boolean streamEnds = false;
        while (true) {
            socket.setSoTimeout(millisLeft(deadline));
            int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            if (length > MAX_FRAME) {
                throw new IOException("frame of " + length + " bytes exceeds the maximum frame size");
            }
            byte[] payload = new byte[length];
            in.readFully(payload);
            switch (type) {
                case SETTINGS -> {
                    if ((flags & ACK) == 0) {
                        frame(out, SETTINGS, ACK, 0, new byte[0]);
                        out.flush();
                    }
                }
                case PING -> {
                    if ((flags & ACK) == 0) {
                        frame(out, PING, ACK, 0, payload);
                        out.flush();
                    }
                }
                case GOAWAY -> throw new IOException("the server sent GOAWAY");
                case RST_STREAM -> {
                    if (stream == 1) {
                        int error = payload.length >= 4 ? ByteBuffer.wrap(payload).getInt() : 0;
                        throw new IOException("stream terminated by RST_STREAM with error code: " + error);
                    }
                }
                case DATA -> {
                    if (stream == 1) {
                        body.writeBytes(unpad(payload, flags));
                        if ((flags & END_STREAM) != 0) {
                            return new Call(status(fields), message(fields), grpcMessage(body.toByteArray()));
                        }
                    }
                }
                case HEADERS, CONTINUATION -> {
                    if (stream != 1) {
                        continue;
                    }
                    if (type == HEADERS) {
                        headerBlock = new ByteArrayOutputStream();
                        streamEnds = (flags & END_STREAM) != 0;
                        headerBlock.writeBytes(headerFragment(payload, flags));
                    } else if (headerBlock != null) {
                        headerBlock.writeBytes(payload);
                    }
                    if ((flags & END_HEADERS) != 0 && headerBlock != null) {
                        MetaData meta = decoder.decode(ByteBuffer.wrap(headerBlock.toByteArray()));
                        for (HttpField f : meta.getHttpFields()) {
                            fields.put(f.getLowerCaseName(), f.getValue());
                        }
                        if (meta instanceof MetaData.Response r && r.getStatus() != 200 && !fields.containsKey(
                                "grpc-status")) {
                            throw new IOException("unexpected HTTP status code received from server: "
                                    + r.getStatus());
                        }
                        headerBlock = null;
                        if (streamEnds) {
                            return new Call(status(fields), message(fields), grpcMessage(body.toByteArray()));
                        }
                    }
                }
                default -> { } // WINDOW_UPDATE, PRIORITY and unknown frames need nothing from a one-call client
            }
        }
    }

    private static int status(Map<String, String> fields) throws IOException {
        String status = fields.get("grpc-status");
        if (status == null) {
            throw new IOException("server closed the stream without sending trailers");
        }
        try {
            return Integer.parseInt(status.strip());
        } catch (NumberFormatException e) {
            throw new IOException("malformed grpc-status " + GoQuote.quote(status));
        }
    }

    private static String message(Map<String, String> fields) {
        String m = fields.getOrDefault("grpc-message", "");
        try {
            return URLDecoder.decode(m.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return m;
        }
    }

    /** The payload of the one length-prefixed gRPC message in the DATA bytes. */
    private static byte[] grpcMessage(byte[] data) {
        if (data.length < 5) {
            return new byte[0];
        }
        int length = ByteBuffer.wrap(data, 1, 4).getInt();
        return java.util.Arrays.copyOfRange(data, 5, Math.min(data.length, 5 + Math.max(0, length)));
    }

    /** {@code HealthCheckResponse.status} (field 1, varint); 0 (UNKNOWN) when absent. */
    private static int servingStatus(byte[] message) {
        int i = 0;
        int status = 0;
        while (i < message.length) {
            int key = message[i++] & 0xff;
            int field = key >>> 3;
            int wire = key & 7;
            if (wire == 0) {
                long v = 0;
                int shift = 0;
                while (i < message.length) {
                    int b = message[i++] & 0xff;
                    v |= (long) (b & 0x7f) << shift;
                    shift += 7;
                    if ((b & 0x80) == 0) {
                        break;
                    }
                }
                if (field == 1) {
                    status = (int) v;
                }
            } else if (wire == 2 && i < message.length) {
                int len = message[i++] & 0x7f; // short fields only in this message
                i += len;
            } else {
                break;
            }
        }
        return status;
    }

    private static byte[] unpad(byte[] payload, int flags) {
        if ((flags & PADDED) == 0 || payload.length == 0) {
            return payload;
        }
        int pad = payload[0] & 0xff;
        return java.util.Arrays.copyOfRange(payload, 1, Math.max(1, payload.length - pad));
    }

    private static byte[] headerFragment(byte[] payload, int flags) {
        int start = 0;
        int end = payload.length;
        if ((flags & PADDED) != 0 && payload.length > 0) {
            start = 1;
            end -= payload[0] & 0xff;
        }
        if ((flags & PRIORITY) != 0) {
            start += 5;
        }
        return java.util.Arrays.copyOfRange(payload, Math.min(start, payload.length), Math.max(start, end));
    }

    /** An HPACK literal header field without indexing, with a new name, neither part Huffman-coded. */
    private static void literal(ByteArrayOutputStream out, String name, String value) {
        out.write(0x00);
        byte[] n = name.getBytes(StandardCharsets.ISO_8859_1);
        hpackLength(out, n.length);
        out.writeBytes(n);
        byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
        hpackLength(out, v.length);
        out.writeBytes(v);
    }

    /** An HPACK integer with a 7-bit prefix and the Huffman bit clear. */
    private static void hpackLength(ByteArrayOutputStream out, int length) {
        if (length < 127) {
            out.write(length);
            return;
        }
        out.write(127);
        int rest = length - 127;
        while (rest >= 128) {
            out.write((rest & 0x7f) | 0x80);
            rest >>>= 7;
        }
        out.write(rest);
    }

    private static void varint(ByteArrayOutputStream out, int value) {
        int v = value;
        while ((v & ~0x7f) != 0) {
            out.write((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(payload.length >>> 16);
        out.write(payload.length >>> 8);
        out.write(payload.length);
        out.write(type);
        out.write(flags);
        out.write(ByteBuffer.allocate(4).putInt(stream).array());
        out.write(payload);
    }

    private static int millisLeft(long deadline) throws SocketTimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("deadline");
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000));
    }

    private static InterruptedIOException interrupted(String address) {
        Thread.currentThread().interrupt();
        return new InterruptedIOException("interrupted probing " + address);
    }
}
