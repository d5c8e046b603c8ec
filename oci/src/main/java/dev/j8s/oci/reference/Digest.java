package dev.j8s.oci.reference;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest {@code algorithm:hex} validated like go-digest: sha256, sha384 and sha512 with exact
 * lowercase hex lengths; safe to use as a path or URL component once constructed.
 *
 * <p>Immutable and thread-safe.
 *
 * @param algorithm {@code sha256}, {@code sha384} or {@code sha512}
 * @param hex the lowercase hex encoding of the hash
 */
public record Digest(String algorithm, String hex) {
    private static final Pattern GRAMMAR =
            Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");
    private static final Pattern LOWER_HEX = Pattern.compile("[a-f0-9]+");

    /** Validates the parts; throws {@link InvalidReferenceException} with go-digest's texts. */
    public Digest {
        String s = algorithm + ":" + hex;
        int size = hexLength(algorithm);
        if (size < 0) {
            throw new InvalidReferenceException(s, GRAMMAR.matcher(s).matches()
                    ? "unsupported digest algorithm" : "invalid checksum digest format");
        }
        if (hex.length() != size) {
            throw new InvalidReferenceException(s, "invalid checksum digest length");
        }
        if (!LOWER_HEX.matcher(hex).matches()) {
            throw new InvalidReferenceException(s, "invalid checksum digest format");
        }
    }

    /** Parses {@code algorithm:hex}. */
    public static Digest parse(String s) {
        int i = s.indexOf(':');
        if (i <= 0 || i + 1 == s.length()) {
            throw new InvalidReferenceException(s, "invalid checksum digest format");
        }
        return new Digest(s.substring(0, i), s.substring(i + 1));
    }

    /** The digest of {@code bytes} with the given algorithm. */
    public static Digest of(String algorithm, byte[] bytes) {
        MessageDigest md = newMessageDigest(algorithm);
        return new Digest(algorithm, HexFormat.of().formatHex(md.digest(bytes)));
    }

    /** The sha256 digest of {@code bytes}. */
    public static Digest sha256(byte[] bytes) {
        return of("sha256", bytes);
    }

    /** A fresh {@link MessageDigest} for this digest's algorithm. */
    public MessageDigest newMessageDigest() {
        return newMessageDigest(algorithm);
    }

    /** Whether {@code md}'s result (consumed by this call) equals this digest. */
    public boolean matches(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest()).equals(hex);
    }

    /** Number of bytes of hash output. */
    public int byteLength() {
        return hex.length() / 2;
    }

    /** A fresh SHA-256 {@link MessageDigest}: OpenSSL's where usable ({@link NativeSha256}), else the JDK's. */
    public static MessageDigest newSha256() {
        return newMessageDigest("sha256");
    }

    static MessageDigest newMessageDigest(String algorithm) {
        if (algorithm.equals("sha256") && NativeSha256.usable()) {
            return new NativeSha256();
        }
        String jca = switch (algorithm) {
            case "sha256" -> "SHA-256";
            case "sha384" -> "SHA-384";
            case "sha512" -> "SHA-512";
            default -> throw new InvalidReferenceException(algorithm, "unsupported digest algorithm");
        };
        try {
            return MessageDigest.getInstance(jca);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int hexLength(String algorithm) {
        return switch (algorithm) {
            case "sha256" -> 64;
            case "sha384" -> 96;
            case "sha512" -> 128;
            default -> -1;
        };
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }
}
