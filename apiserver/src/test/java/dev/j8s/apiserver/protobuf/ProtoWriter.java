package dev.j8s.apiserver.protobuf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A minimal protobuf encoder for building test bodies field by field. Not thread-safe. */
final class ProtoWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static ProtoWriter message() {
        return new ProtoWriter();
    }

    /** The {@code "k8s\0"} magic and a runtime.Unknown envelope around {@code raw}. */
    static byte[] envelope(String apiVersion, String kind, ProtoWriter raw) {
        ProtoWriter env = message()
                .message(1, message().string(1, apiVersion).string(2, kind))
                .bytes(2, raw.toByteArray())
                .string(3, "")
                .string(4, "");
        byte[] body = env.toByteArray();
        byte[] withMagic = new byte[body.length + 4];
        withMagic[0] = 0x6b;
        withMagic[1] = 0x38;
        withMagic[2] = 0x73;
        System.arraycopy(body, 0, withMagic, 4, body.length);
        return withMagic;
    }

    ProtoWriter tag(int field, int wire) {
        return rawVarint((long) field << 3 | wire);
    }

    ProtoWriter rawVarint(long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
        return this;
    }

    ProtoWriter raw(byte... bytes) {
        out.writeBytes(bytes);
        return this;
    }

    ProtoWriter varint(int field, long v) {
        return tag(field, 0).rawVarint(v);
    }

    ProtoWriter fixed64(int field, long v) {
        tag(field, 1);
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
        return this;
    }

    ProtoWriter fixed32(int field, int v) {
        tag(field, 5);
        for (int i = 0; i < 4; i++) {
            out.write((v >>> (8 * i)) & 0xff);
        }
        return this;
    }

    ProtoWriter bytes(int field, byte[] b) {
        tag(field, 2).rawVarint(b.length);
        out.writeBytes(b);
        return this;
    }

    ProtoWriter string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter message(int field, ProtoWriter m) {
        return bytes(field, m.toByteArray());
    }

    ProtoWriter mapEntry(int field, String key, String value) {
        return message(field, message().string(1, key).string(2, value));
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
