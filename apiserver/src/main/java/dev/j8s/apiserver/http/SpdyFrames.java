package dev.j8s.apiserver.http;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SPDY/3.1 framing (draft 3.1, section 2): the frames kubectl's {@code spdystream} exchanges, a
 * {@link Parser} that cuts them out of received bytes and an {@link Writer} that serializes them.
 * Frames are values; a parser or writer belongs to one connection and is not thread-safe (each owns
 * its direction's header compression context).
 */
final class SpdyFrames {

    static final int VERSION = 3;
    static final int FLAG_FIN = 0x01;
    static final int FLAG_UNIDIRECTIONAL = 0x02;

    static final int TYPE_SYN_STREAM = 1;
    static final int TYPE_SYN_REPLY = 2;
    static final int TYPE_RST_STREAM = 3;
    static final int TYPE_SETTINGS = 4;
    static final int TYPE_PING = 6;
    static final int TYPE_GOAWAY = 7;
    static final int TYPE_HEADERS = 8;
    static final int TYPE_WINDOW_UPDATE = 9;

    /** RST_STREAM status codes. */
    static final int RST_PROTOCOL_ERROR = 1;
    static final int RST_INVALID_STREAM = 2;
    static final int RST_REFUSED_STREAM = 3;
    static final int RST_CANCEL = 5;
    static final int RST_FLOW_CONTROL_ERROR = 7;
    static final int RST_STREAM_IN_USE = 8;
    static final int RST_FRAME_TOO_LARGE = 11;

    /** GOAWAY status codes. */
    static final int GOAWAY_OK = 0;
    static final int GOAWAY_PROTOCOL_ERROR = 1;
    static final int GOAWAY_INTERNAL_ERROR = 2;

    /** The SETTINGS id of the initial per-stream window. */
    static final int SETTINGS_INITIAL_WINDOW_SIZE = 7;

    static final int HEADER_BYTES = 8;
    /** The largest data frame we accept: kubectl writes at most 32 KiB at a time. */
    static final int MAX_DATA_LENGTH = 1024 * 1024;
    /** The largest control frame we accept (its header block compressed). */
    static final int MAX_CONTROL_LENGTH = 64 * 1024;

    private SpdyFrames() {
    }

    /** One SPDY frame. */
    sealed interface Frame permits Data, SynStream, SynReply, RstStream, Settings, Ping, GoAway, Headers,
            WindowUpdate, Unknown {
    }

    record Data(int streamId, int flags, byte[] data) implements Frame {
        boolean fin() {
            return (flags & FLAG_FIN) != 0;
        }
    }

    record SynStream(int streamId, int associatedStreamId, int priority, int flags,
            Map<String, List<String>> headers) implements Frame {
        SynStream {
            headers = Map.copyOf(headers);
        }

        boolean fin() {
            return (flags & FLAG_FIN) != 0;
        }
    }

    record SynReply(int streamId, int flags, Map<String, List<String>> headers) implements Frame {
        SynReply {
            headers = Map.copyOf(headers);
        }
    }

    record RstStream(int streamId, int status) implements Frame {
    }

    /** SETTINGS: each entry is {@code id -> value} (flags are ignored). */
    record Settings(int flags, Map<Integer, Integer> values) implements Frame {
        Settings {
            values = Map.copyOf(values);
        }
    }

    record Ping(int id) implements Frame {
    }

    record GoAway(int lastGoodStreamId, int status) implements Frame {
    }

    record Headers(int streamId, int flags, Map<String, List<String>> headers) implements Frame {
        Headers {
            headers = Map.copyOf(headers);
        }
    }

    record WindowUpdate(int streamId, int delta) implements Frame {
    }

    /** A control frame of a type we do not know: ignored, as the draft requires. */
    record Unknown(int type, int flags, int length) implements Frame {
    }

    /**
     * A violation that ends the session: the connection answers GOAWAY with {@code status} and closes.
     */
    static final class ProtocolException extends RuntimeException {
        private final int status;

        ProtocolException(String message) {
            this(message, GOAWAY_PROTOCOL_ERROR);
        }

        ProtocolException(String message, int status) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /** Cuts frames out of the bytes a peer sent, inflating header blocks in order. Not thread-safe. */
    static final class Parser implements AutoCloseable {
        private final SpdyHeaderBlock.Decoder headers = new SpdyHeaderBlock.Decoder();

        /**
         * Parses the next complete frame at {@code in}'s position and advances past it; empty (and
         * {@code in} untouched) while the frame is incomplete.
         *
         * @throws ProtocolException for a wrong version, a frame larger than we accept, a length that
         *     does not fit the type or a header block that cannot be decoded
         */
        Optional<Frame> next(ByteBuffer in) {
            if (in.remaining() < HEADER_BYTES) {
                return Optional.empty();
            }
            int start = in.position();
            int word = in.getInt(start);
            int flags = in.get(start + 4) & 0xff;
            int length = in.getInt(start + 4) & 0xffffff;
            boolean control = word < 0;
            int limit = control ? MAX_CONTROL_LENGTH : MAX_DATA_LENGTH;
            if (length > limit) {
                throw new ProtocolException((control ? "control" : "data") + " frame of " + length
                        + " bytes exceeds the limit of " + limit);
            }
            if (in.remaining() < HEADER_BYTES + length) {
                return Optional.empty();
            }
            ByteBuffer body = in.slice(start + HEADER_BYTES, length);
            in.position(start + HEADER_BYTES + length);
            if (!control) {
                byte[] data = new byte[length];
                body.get(data);
                return Optional.of(new Data(word & 0x7fffffff, flags, data));
            }
            int version = (word >>> 16) & 0x7fff;
            int type = word & 0xffff;
            if (version != VERSION) {
                throw new ProtocolException("unsupported SPDY version " + version);
            }
            return Optional.of(control(type, flags, length, body));
        }

        private Frame control(int type, int flags, int length, ByteBuffer body) {
            return switch (type) {
                case TYPE_SYN_STREAM -> {
                    requireAtLeast(type, length, 10);
                    int id = body.getInt() & 0x7fffffff;
                    int assoc = body.getInt() & 0x7fffffff;
                    int priority = (body.get() & 0xff) >>> 5;
                    body.get(); // slot
                    yield new SynStream(id, assoc, priority, flags, block(body));
                }
                case TYPE_SYN_REPLY -> {
                    requireAtLeast(type, length, 4);
                    int id = body.getInt() & 0x7fffffff;
                    yield new SynReply(id, flags, block(body));
                }
                case TYPE_HEADERS -> {
                    requireAtLeast(type, length, 4);
                    int id = body.getInt() & 0x7fffffff;
                    yield new Headers(id, flags, block(body));
                }
                case TYPE_RST_STREAM -> {
                    requireExactly(type, length, 8);
                    yield new RstStream(body.getInt() & 0x7fffffff, body.getInt());
                }
                case TYPE_SETTINGS -> {
                    requireAtLeast(type, length, 4);
                    int count = body.getInt();
                    if (count < 0 || (long) count * 8 != length - 4) {
                        throw new ProtocolException("SETTINGS frame of " + length + " bytes cannot hold "
                                + Integer.toUnsignedString(count) + " entries");
                    }
                    Map<Integer, Integer> values = new java.util.HashMap<>();
                    for (int i = 0; i < count; i++) {
                        int id = body.getInt() & 0xffffff;
                        values.put(id, body.getInt());
                    }
                    yield new Settings(flags, values);
                }
                case TYPE_PING -> {
                    requireExactly(type, length, 4);
                    yield new Ping(body.getInt());
                }
                case TYPE_GOAWAY -> {
                    requireExactly(type, length, 8);
                    yield new GoAway(body.getInt() & 0x7fffffff, body.getInt());
                }
                case TYPE_WINDOW_UPDATE -> {
                    requireExactly(type, length, 8);
                    yield new WindowUpdate(body.getInt() & 0x7fffffff, body.getInt() & 0x7fffffff);
                }
                default -> new Unknown(type, flags, length);
            };
        }

        private Map<String, List<String>> block(ByteBuffer body) {
            byte[] compressed = new byte[body.remaining()];
            body.get(compressed);
            try {
                return headers.decode(compressed);
            } catch (SpdyHeaderBlock.MalformedException e) {
                throw new ProtocolException(e.getMessage());
            }
        }

        private static void requireExactly(int type, int length, int expected) {
            if (length != expected) {
                throw new ProtocolException("control frame type " + type + " has length " + length + ", not "
                        + expected);
            }
        }

        private static void requireAtLeast(int type, int length, int expected) {
            if (length < expected) {
                throw new ProtocolException("control frame type " + type + " has length " + length
                        + ", less than " + expected);
            }
        }

        @Override
        public void close() {
            headers.close();
        }
    }

    /** Serializes frames, deflating header blocks in order. Not thread-safe. */
    static final class Writer implements AutoCloseable {
        private final SpdyHeaderBlock.Encoder headers = new SpdyHeaderBlock.Encoder();

        ByteBuffer write(Frame frame) {
            return switch (frame) {
                case Data d -> ByteBuffer.allocate(HEADER_BYTES + d.data().length)
                        .put(dataHeader(d.streamId(), d.flags(), d.data().length)).put(d.data()).flip();
                case SynStream s -> {
                    byte[] block = headers.encode(s.headers());
                    ByteBuffer b = control(TYPE_SYN_STREAM, s.flags(), 10 + block.length);
                    b.putInt(s.streamId()).putInt(s.associatedStreamId()).put((byte) (s.priority() << 5))
                            .put((byte) 0).put(block);
                    yield b.flip();
                }
                case SynReply r -> {
                    byte[] block = headers.encode(r.headers());
                    yield control(TYPE_SYN_REPLY, r.flags(), 4 + block.length).putInt(r.streamId()).put(block).flip();
                }
                case Headers h -> {
                    byte[] block = headers.encode(h.headers());
                    yield control(TYPE_HEADERS, h.flags(), 4 + block.length).putInt(h.streamId()).put(block).flip();
                }
                case RstStream r -> control(TYPE_RST_STREAM, 0, 8).putInt(r.streamId()).putInt(r.status()).flip();
                case Settings s -> {
                    ByteBuffer b = control(TYPE_SETTINGS, s.flags(), 4 + 8 * s.values().size());
                    b.putInt(s.values().size());
                    s.values().forEach((id, value) -> b.putInt(id & 0xffffff).putInt(value));
                    yield b.flip();
                }
                case Ping p -> control(TYPE_PING, 0, 4).putInt(p.id()).flip();
                case GoAway g -> control(TYPE_GOAWAY, 0, 8).putInt(g.lastGoodStreamId()).putInt(g.status()).flip();
                case WindowUpdate w -> control(TYPE_WINDOW_UPDATE, 0, 8).putInt(w.streamId()).putInt(w.delta()).flip();
                case Unknown u -> throw new IllegalArgumentException("cannot write an unknown frame type " + u.type());
            };
        }

        /** The 8 bytes that precede {@code length} bytes of data on a stream, so the data itself need not be copied. */
        ByteBuffer dataHeader(int streamId, int flags, int length) {
            if (length < 0 || length > 0xffffff) {
                throw new IllegalArgumentException("data frame of " + length + " bytes");
            }
            return ByteBuffer.allocate(HEADER_BYTES).putInt(streamId & 0x7fffffff).putInt((flags << 24) | length).flip();
        }

        private static ByteBuffer control(int type, int flags, int length) {
            ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + length);
            b.putInt(0x80000000 | (VERSION << 16) | type);
            b.putInt((flags << 24) | length);
            return b;
        }

        @Override
        public void close() {
            headers.close();
        }
    }
}
