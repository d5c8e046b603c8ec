package dev.j8s.apiserver.protobuf;

import dev.j8s.apiserver.errors.ApiError;
import java.nio.charset.StandardCharsets;

/**
 * A bounded cursor over one protobuf message inside a byte array: varints, fixed 64/32-bit values and
 * length-delimited slices (https://protobuf.dev/programming-guides/encoding/). Every read checks the
 * message's end, so truncated or oversized input ends in {@link ApiError.BadRequest}. Not thread-safe.
 */
final class WireReader {

    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int START_GROUP = 3;
    static final int END_GROUP = 4;
    static final int FIXED32 = 5;

    private static final int MAX_FIELD_NUMBER = (1 << 29) - 1;

    private final byte[] buf;
    private int pos;
    private final int limit;

    WireReader(byte[] buf, int pos, int limit) {
        this.buf = buf;
        this.pos = pos;
        this.limit = limit;
    }

    boolean atEnd() {
        return pos >= limit;
    }

    int position() {
        return pos;
    }

    /** Reads a field key; returns {@code fieldNumber << 3 | wireType}. */
    int tag() {
        int at = pos;
        long key = varint();
        long number = key >>> 3;
        if (number == 0 || number > MAX_FIELD_NUMBER) {
            throw malformed("invalid field number " + number, at);
        }
        return (int) key;
    }

    long varint() {
        int at = pos;
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= limit) {
                throw malformed("truncated varint", at);
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw malformed("varint longer than 10 bytes", at);
    }

    long fixed64() {
        need(8, "truncated 64-bit value");
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (buf[pos + i] & 0xffL);
        }
        pos += 8;
        return v;
    }

    int fixed32() {
        need(4, "truncated 32-bit value");
        int v = 0;
        for (int i = 3; i >= 0; i--) {
            v = (v << 8) | (buf[pos + i] & 0xff);
        }
        pos += 4;
        return v;
    }

    /** Reads a length prefix and returns a reader over exactly that many following bytes. */
    WireReader lengthDelimited() {
        int at = pos;
        long length = varint();
        if (length < 0 || length > limit - pos) {
            throw malformed("length " + Long.toUnsignedString(length) + " past the end of the message", at);
        }
        WireReader slice = new WireReader(buf, pos, pos + (int) length);
        pos += (int) length;
        return slice;
    }

    byte[] remainingBytes() {
        byte[] out = new byte[limit - pos];
        System.arraycopy(buf, pos, out, 0, out.length);
        pos = limit;
        return out;
    }

    String remainingString() {
        String s = new String(buf, pos, limit - pos, StandardCharsets.UTF_8);
        pos = limit;
        return s;
    }

    /** Skips the value of a field this decoder does not know. Groups (wire types 3/4) are refused. */
    void skip(int wireType) {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> {
                need(8, "truncated 64-bit value");
                pos += 8;
            }
            case LENGTH_DELIMITED -> lengthDelimited();
            case FIXED32 -> {
                need(4, "truncated 32-bit value");
                pos += 4;
            }
            default -> throw malformed("unsupported wire type " + wireType, pos);
        }
    }

    private void need(int bytes, String what) {
        if (limit - pos < bytes) {
            throw malformed(what, pos);
        }
    }

    static ApiError.BadRequest malformed(String what, int offset) {
        return new ApiError.BadRequest("unable to decode the protobuf request body: " + what + " at offset " + offset);
    }
}
