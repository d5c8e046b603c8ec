package dev.j8s.api.certificates;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * One PEM block as Go's {@code encoding/pem} decodes it: its type, whether it carried headers
 * ({@code Key: value} lines before the base64 body), and its DER bytes. Immutable and thread-safe.
 */
public record PemBlock(String type, boolean hasHeaders, byte[] der) {

    public PemBlock {
        der = der.clone();
    }

    @Override
    public byte[] der() {
        return der.clone();
    }

    /** Every block of {@code data} in order, stopping at the first that does not decode. */
    public static List<PemBlock> all(byte[] data) {
        List<PemBlock> blocks = new ArrayList<>();
        String text = new String(data, StandardCharsets.ISO_8859_1);
        int from = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN ", from);
            if (begin < 0) {
                return blocks;
            }
            int typeEnd = text.indexOf("-----", begin + 11);
            int lineEnd = typeEnd < 0 ? -1 : text.indexOf('\n', typeEnd);
            if (typeEnd < 0 || lineEnd < 0) {
                return blocks;
            }
            String type = text.substring(begin + 11, typeEnd);
            String endMarker = "-----END " + type + "-----";
            int end = text.indexOf(endMarker, lineEnd);
            if (end < 0) {
                return blocks;
            }
            StringBuilder body = new StringBuilder();
            boolean headers = false;
            for (String line : text.substring(lineEnd + 1, end).split("\n")) {
                if (line.contains(":")) {
                    headers = true;
                } else {
                    body.append(line.strip());
                }
            }
            try {
                blocks.add(new PemBlock(type, headers, Base64.getDecoder().decode(body.toString())));
            } catch (IllegalArgumentException e) {
                return blocks;
            }
            from = end + endMarker.length();
        }
    }

    /** The first block of {@code data}. */
    public static Optional<PemBlock> first(byte[] data) {
        return all(data).stream().findFirst();
    }

    /** {@code der} in a block of {@code type}, 64 base64 characters a line. */
    public static String encode(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
