package dev.j8s.kubelet.format;

import java.nio.charset.StandardCharsets;

/** Quotes a string as Go's {@code %q} verb ({@code strconv.Quote}) does; stateless and thread-safe. */
public final class GoQuote {
    private GoQuote() {}

    /**
     * {@code "..."} with Go's escapes: {@code \a \b \f \n \r \t \v \\ \"}, other control characters and invalid
     * UTF-8 as {@code \x..}, DEL as {@code \x7f}; printable Unicode is kept.
     */
    public static String quote(String s) {
        return quote(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The bytes as Go quotes a {@code string(bytes)}: valid UTF-8 sequences kept, invalid bytes as {@code \x..}. */
    public static String quote(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length + 2).append('"');
        var decoder = StandardCharsets.UTF_8.newDecoder();
        int i = 0;
        while (i < bytes.length) {
            int b = bytes[i] & 0xff;
            if (b < 0x80) {
                switch (b) {
                    case 0x07 -> out.append("\\a");
                    case 0x08 -> out.append("\\b");
                    case 0x0c -> out.append("\\f");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    case 0x0b -> out.append("\\v");
                    case '\\' -> out.append("\\\\");
                    case '"' -> out.append("\\\"");
                    default -> {
                        if (b < 0x20 || b == 0x7f) {
                            out.append(String.format("\\x%02x", b));
                        } else {
                            out.append((char) b);
                        }
                    }
                }
                i++;
                continue;
            }
            int length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
            String decoded = null;
            if (length > 1 && i + length <= bytes.length) {
                try {
                    decoded = decoder.decode(java.nio.ByteBuffer.wrap(bytes, i, length)).toString();
                } catch (java.nio.charset.CharacterCodingException e) {
                    decoded = null;
                }
            }
            if (decoded == null) {
                out.append(String.format("\\x%02x", b));
                i++;
            } else {
                out.append(decoded);
                i += length;
            }
        }
        return out.append('"').toString();
    }
}
