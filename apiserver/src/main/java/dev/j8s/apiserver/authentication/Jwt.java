package dev.j8s.apiserver.authentication;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * JSON Web Tokens in compact serialization (RFC 7519) signed with RS256 or ES256 (RFC 7518), through the JDK's
 * own providers. Stateless and thread-safe.
 */
final class Jwt {

    static final String RS256 = "RS256";
    static final String ES256 = "ES256";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    /** Tokens longer than this are not ours (upstream refuses far smaller ones; a bound on parsing work). */
    private static final int MAX_LENGTH = 16 * 1024;

    private Jwt() {}

    /** A token split into its parts, its header and claims parsed, its signature not checked yet. */
    record Parsed(ObjectNode header, ObjectNode claims, byte[] signingInput, byte[] signature) {
        String algorithm() {
            return header.path("alg").asText("");
        }

        String keyId() {
            return header.path("kid").asText("");
        }
    }

    /** Signs {@code claims} under {@code header} with {@code key} for {@code algorithm}. */
    static String sign(ObjectNode header, ObjectNode claims, PrivateKey key, String algorithm) {
        String input = encode(header) + "." + encode(claims);
        try {
            Signature signer = Signature.getInstance(jcaName(algorithm));
            signer.initSign(key);
            signer.update(input.getBytes(StandardCharsets.US_ASCII));
            byte[] signature = signer.sign();
            if (algorithm.equals(ES256)) {
                signature = derToConcatenated(signature, 32);
            }
            return input + "." + ENCODER.encodeToString(signature);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sign token with " + algorithm + ": " + e.getMessage(), e);
        }
    }

    /** The token's parts, or empty when it is not a compact JWT whose header and claims are JSON objects. */
    static Optional<Parsed> parse(String token) {
        if (token.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            JsonNode header = Json.MAPPER.readTree(DECODER.decode(parts[0]));
            JsonNode claims = Json.MAPPER.readTree(DECODER.decode(parts[1]));
            byte[] signature = DECODER.decode(parts[2]);
            if (!(header instanceof ObjectNode h) || !(claims instanceof ObjectNode c)) {
                return Optional.empty();
            }
            byte[] input = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
            return Optional.of(new Parsed(h, c, input, signature));
        } catch (IllegalArgumentException | IOException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code key} made the token's signature with the algorithm its header names. */
    static boolean verify(Parsed token, PublicKey key) {
        String algorithm = token.algorithm();
        if (!algorithm.equals(algorithmFor(key))) {
            return false;
        }
        try {
            Signature verifier = Signature.getInstance(jcaName(algorithm));
            verifier.initVerify(key);
            verifier.update(token.signingInput());
            byte[] signature = token.signature();
            if (algorithm.equals(ES256)) {
                if (signature.length != 64) {
                    return false;
                }
                signature = concatenatedToDer(signature);
            }
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** RS256 for RSA keys, ES256 for EC (P-256) keys. */
    static String algorithmFor(PublicKey key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> RS256;
            case "EC" -> ES256;
            default -> throw new IllegalArgumentException("no JWT algorithm for " + key.getAlgorithm() + " keys");
        };
    }

    static String encode(JsonNode node) {
        try {
            return ENCODER.encodeToString(Json.MAPPER.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new IllegalStateException("encode token part", e);
        }
    }

    static String base64Url(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    private static String jcaName(String algorithm) {
        return switch (algorithm) {
            case RS256 -> "SHA256withRSA";
            case ES256 -> "SHA256withECDSA";
            default -> throw new IllegalArgumentException("unsupported JWT algorithm " + algorithm);
        };
    }

    /** An ASN.1 DER ECDSA signature as the fixed-size R || S of JWS. */
    static byte[] derToConcatenated(byte[] der, int size) {
        int offset = 2;
        if ((der[1] & 0x80) != 0) {
            offset += der[1] & 0x7f;
        }
        byte[] out = new byte[2 * size];
        int rLength = der[offset + 1];
        copyInteger(der, offset + 2, rLength, out, 0, size);
        int sOffset = offset + 2 + rLength;
        int sLength = der[sOffset + 1];
        copyInteger(der, sOffset + 2, sLength, out, size, size);
        return out;
    }

    private static void copyInteger(byte[] src, int from, int length, byte[] dst, int at, int size) {
        while (length > size && src[from] == 0) {
            from++;
            length--;
        }
        System.arraycopy(src, from, dst, at + size - length, length);
    }

    /** R || S as an ASN.1 DER sequence of two integers. */
    static byte[] concatenatedToDer(byte[] rs) {
        int size = rs.length / 2;
        byte[] r = integer(Arrays.copyOfRange(rs, 0, size));
        byte[] s = integer(Arrays.copyOfRange(rs, size, rs.length));
        int length = 2 + r.length + 2 + s.length;
        byte[] der = new byte[2 + length];
        der[0] = 0x30;
        der[1] = (byte) length;
        der[2] = 0x02;
        der[3] = (byte) r.length;
        System.arraycopy(r, 0, der, 4, r.length);
        der[4 + r.length] = 0x02;
        der[5 + r.length] = (byte) s.length;
        System.arraycopy(s, 0, der, 6 + r.length, s.length);
        return der;
    }

    private static byte[] integer(byte[] magnitude) {
        int start = 0;
        while (start < magnitude.length - 1 && magnitude[start] == 0) {
            start++;
        }
        byte[] trimmed = Arrays.copyOfRange(magnitude, start, magnitude.length);
        if ((trimmed[0] & 0x80) != 0) {
            byte[] padded = new byte[trimmed.length + 1];
            System.arraycopy(trimmed, 0, padded, 1, trimmed.length);
            return padded;
        }
        return trimmed;
    }
}
