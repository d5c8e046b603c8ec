package dev.j8s.apiserver.authentication;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.j8s.apiserver.json.Json;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The key service-account tokens are signed with and the keys they are verified with (upstream's
 * {@code --service-account-signing-key-file} and {@code --service-account-key-file}), each known by its key ID:
 * the unpadded base64url SHA-256 of its DER SubjectPublicKeyInfo. Immutable and thread-safe.
 */
public final class ServiceAccountKeys {

    /** One verification key. */
    record VerificationKey(String keyId, PublicKey key) {}

    private final PrivateKey signingKey;
    private final String signingKeyId;
    private final String algorithm;
    private final List<VerificationKey> verification;

    /**
     * @param signing the signing pair (RSA, or EC P-256)
     * @param moreVerificationKeys earlier public keys whose tokens are still accepted
     */
    public ServiceAccountKeys(KeyPair signing, List<PublicKey> moreVerificationKeys) {
        this.signingKey = Objects.requireNonNull(signing.getPrivate());
        this.algorithm = Jwt.algorithmFor(signing.getPublic());
        this.signingKeyId = keyId(signing.getPublic());
        List<VerificationKey> keys = new ArrayList<>();
        keys.add(new VerificationKey(signingKeyId, signing.getPublic()));
        for (PublicKey k : moreVerificationKeys) {
            keys.add(new VerificationKey(keyId(k), k));
        }
        this.verification = List.copyOf(keys);
    }

    /** A fresh RSA-2048 pair, for tests and servers given no key. */
    public static KeyPair generateRsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("generate RSA key pair", e);
        }
    }

    /** A fresh EC P-256 pair. */
    public static KeyPair generateEc() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("generate EC key pair", e);
        }
    }

    /** Upstream's key ID: base64url (no padding) of the SHA-256 of the DER-encoded public key. */
    public static String keyId(PublicKey key) {
        try {
            return Jwt.base64Url(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    String algorithm() {
        return algorithm;
    }

    String signingKeyId() {
        return signingKeyId;
    }

    /** Signs {@code claims} with a header naming the algorithm and key ID (no {@code typ}, as upstream). */
    String sign(ObjectNode claims) {
        ObjectNode header = Json.object();
        header.put("alg", algorithm);
        header.put("kid", signingKeyId);
        return Jwt.sign(header, claims, signingKey, algorithm);
    }

    /** Whether one of the keys signed the token: the one its {@code kid} names, else any. */
    boolean verify(Jwt.Parsed token) {
        String kid = token.keyId();
        if (!kid.isEmpty()) {
            for (VerificationKey k : verification) {
                if (k.keyId().equals(kid)) {
                    return Jwt.verify(token, k.key());
                }
            }
            return false;
        }
        for (VerificationKey k : verification) {
            if (Jwt.verify(token, k.key())) {
                return true;
            }
        }
        return false;
    }

    /** The JSON Web Key Set of the verification keys ({@code /openid/v1/jwks}). */
    public ObjectNode jwks() {
        ObjectNode set = Json.object();
        ArrayNode keys = set.putArray("keys");
        for (VerificationKey k : verification) {
            ObjectNode jwk = keys.addObject();
            jwk.put("use", "sig");
            switch (k.key()) {
                case RSAPublicKey rsa -> {
                    jwk.put("kty", "RSA");
                    jwk.put("kid", k.keyId());
                    jwk.put("alg", Jwt.RS256);
                    jwk.put("n", Jwt.base64Url(unsigned(rsa.getModulus())));
                    jwk.put("e", Jwt.base64Url(unsigned(rsa.getPublicExponent())));
                }
                case ECPublicKey ec -> {
                    jwk.put("kty", "EC");
                    jwk.put("kid", k.keyId());
                    jwk.put("crv", "P-256");
                    jwk.put("alg", Jwt.ES256);
                    jwk.put("x", Jwt.base64Url(fixed(ec.getW().getAffineX(), 32)));
                    jwk.put("y", Jwt.base64Url(fixed(ec.getW().getAffineY(), 32)));
                }
                default -> throw new IllegalStateException("unsupported key " + k.key().getAlgorithm());
            }
        }
        return set;
    }

    /** The signing algorithms of the verification keys, for the discovery document. */
    List<String> algorithms() {
        return verification.stream().map(k -> Jwt.algorithmFor(k.key())).distinct().sorted().toList();
    }

    private static byte[] unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            byte[] trimmed = new byte[bytes.length - 1];
            System.arraycopy(bytes, 1, trimmed, 0, trimmed.length);
            return trimmed;
        }
        return bytes;
    }

    private static byte[] fixed(BigInteger value, int size) {
        byte[] bytes = unsigned(value);
        byte[] out = new byte[size];
        System.arraycopy(bytes, 0, out, size - bytes.length, bytes.length);
        return out;
    }

    @Override
    public String toString() {
        return "ServiceAccountKeys[algorithm=" + algorithm + ", kid=" + signingKeyId + ", keys=" + verification.size()
                + ", private key <redacted>]";
    }
}
