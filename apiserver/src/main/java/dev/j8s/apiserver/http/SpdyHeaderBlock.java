package dev.j8s.apiserver.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * SPDY/3 name/value header blocks: the plain encoding (a 32-bit pair count, then length-prefixed
 * names and values, several values of one name joined by NUL) and its zlib compression with the
 * SPDY/3 dictionary, one compression context per direction of a connection (draft 3, section 2.6.10).
 * Not thread-safe: a {@link Decoder} or {@link Encoder} belongs to one connection's reader or writer.
 */
final class SpdyHeaderBlock {

    /** The most decompressed bytes one header block may have; kubectl's are a few dozen. */
    static final int MAX_DECODED_BYTES = 64 * 1024;
    /** The most name/value pairs one header block may have. */
    static final int MAX_PAIRS = 128;

    /**
     * The standard SPDY/3 zlib dictionary (1423 bytes): header names and common values, each with a
     * 32-bit length prefix, then a run of status codes, dates and media types.
     */
    static final byte[] DICTIONARY = dictionary();

    private SpdyHeaderBlock() {
    }

    private static byte[] dictionary() {
        String[] words = {"options", "head", "post", "put", "delete", "trace", "accept", "accept-charset",
            "accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization",
            "cache-control", "connection", "content-base", "content-encoding", "content-language",
            "content-length", "content-location", "content-md5", "content-range", "content-type", "date",
            "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match",
            "if-range", "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma",
            "proxy-authenticate", "proxy-authorization", "range", "referer", "retry-after", "server", "te",
            "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
            "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public",
            "set-cookie", "keep-alive", "origin"};
        String tail = "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
                + "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request"
                + "401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented"
                + "503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 "
                + "Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,"
                + "application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age="
                + "gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
        ByteBuffer out = ByteBuffer.allocate(2048);
        for (String word : words) {
            byte[] b = word.getBytes(StandardCharsets.US_ASCII);
            out.putInt(b.length).put(b);
        }
        out.put(tail.getBytes(StandardCharsets.US_ASCII));
        byte[] dictionary = new byte[out.position()];
        out.flip().get(dictionary);
        return dictionary;
    }

    /** A header block that cannot be decoded: the connection's compression state is lost with it. */
    static final class MalformedException extends RuntimeException {
        MalformedException(String message) {
            super(message);
        }
    }

    /**
     * Encodes {@code headers} (names lowercased; a list of values joined by NUL) without compression.
     */
    static byte[] encodePlain(Map<String, List<String>> headers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeInt(out, headers.size());
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            byte[] name = e.getKey().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
            byte[] value = String.join("\0", e.getValue()).getBytes(StandardCharsets.UTF_8);
            writeInt(out, name.length);
            out.writeBytes(name);
            writeInt(out, value.length);
            out.writeBytes(value);
        }
        return out.toByteArray();
    }

    /**
     * Decodes a plain header block; names are lowercased, values split at NUL.
     *
     * @throws MalformedException for a truncated block, too many pairs, an empty or repeated name
     */
    static Map<String, List<String>> decodePlain(byte[] block) {
        ByteBuffer in = ByteBuffer.wrap(block);
        int pairs = readLength(in, "pair count");
        if (pairs > MAX_PAIRS) {
            throw new MalformedException("header block has " + pairs + " pairs, more than " + MAX_PAIRS);
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 0; i < pairs; i++) {
            String name = readString(in, "name").toLowerCase(Locale.ROOT);
            String value = readString(in, "value");
            if (name.isEmpty()) {
                throw new MalformedException("header block has an empty name");
            }
            if (headers.containsKey(name)) {
                throw new MalformedException("header block repeats the name " + name);
            }
            headers.put(name, List.of(value.split("\0", -1)));
        }
        if (in.hasRemaining()) {
            throw new MalformedException("header block has " + in.remaining() + " bytes after its last pair");
        }
        return headers;
    }

    private static int readLength(ByteBuffer in, String what) {
        if (in.remaining() < 4) {
            throw new MalformedException("header block is truncated in a " + what);
        }
        int n = in.getInt();
        if (n < 0 || n > in.remaining() && !what.equals("pair count")) {
            throw new MalformedException("header block " + what + " length " + Integer.toUnsignedString(n)
                    + " exceeds the block");
        }
        return n;
    }

    private static String readString(ByteBuffer in, String what) {
        int n = readLength(in, what);
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /** Inflates the header blocks a peer sends, in order, through one zlib stream. */
    static final class Decoder implements AutoCloseable {
        private final Inflater inflater = new Inflater();

        /**
         * Decompresses and decodes one header block.
         *
         * @throws MalformedException for bad zlib data, a wrong dictionary, more than
         *     {@link #MAX_DECODED_BYTES} or a malformed plain block
         */
        Map<String, List<String>> decode(byte[] compressed) {
            inflater.setInput(compressed);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            try {
                while (true) {
                    int n = inflater.inflate(chunk);
                    if (n == 0) {
                        if (inflater.needsDictionary()) {
                            if (Integer.toUnsignedLong(inflater.getAdler()) != DICTIONARY_ADLER) {
                                throw new MalformedException("header block uses an unknown zlib dictionary");
                            }
                            inflater.setDictionary(DICTIONARY);
                            continue;
                        }
                        if (inflater.needsInput() || inflater.finished()) {
                            break;
                        }
                    }
                    out.write(chunk, 0, n);
                    if (out.size() > MAX_DECODED_BYTES) {
                        throw new MalformedException("header block exceeds " + MAX_DECODED_BYTES + " bytes");
                    }
                }
            } catch (DataFormatException e) {
                throw new MalformedException("header block is not valid zlib data: " + e.getMessage());
            }
            return decodePlain(out.toByteArray());
        }

        @Override
        public void close() {
            inflater.end();
        }
    }

    private static final long DICTIONARY_ADLER = adler(DICTIONARY);

    private static long adler(byte[] data) {
        java.util.zip.Adler32 a = new java.util.zip.Adler32();
        a.update(data);
        return a.getValue();
    }

    /** Deflates the header blocks we send, in order, through one zlib stream (sync-flushed per block). */
    static final class Encoder implements AutoCloseable {
        private final Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION);

        Encoder() {
            deflater.setDictionary(DICTIONARY);
        }

        byte[] encode(Map<String, List<String>> headers) {
            deflater.setInput(encodePlain(headers));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            int n;
            do {
                n = deflater.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
                out.write(chunk, 0, n);
            } while (n == chunk.length);
            return out.toByteArray();
        }

        @Override
        public void close() {
            deflater.end();
        }
    }

    /** The header's first value, or "" when absent. */
    static String first(Map<String, List<String>> headers, String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? "" : v.getFirst();
    }

    static Map<String, List<String>> of(String... namesAndValues) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 0; i + 1 < namesAndValues.length; i += 2) {
            headers.computeIfAbsent(namesAndValues[i], k -> new ArrayList<>()).add(namesAndValues[i + 1]);
        }
        return headers;
    }
}
