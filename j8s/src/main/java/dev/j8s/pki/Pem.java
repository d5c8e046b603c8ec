package dev.j8s.pki;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/** PEM encoding of certificates and PKCS#8 private keys (RFC 7468). Thread-safe. */
final class Pem {

    private static final Base64.Encoder ENCODER = Base64.getMimeEncoder(64, new byte[] {'\n'});

    private Pem() {}

    static String certificate(X509Certificate certificate) {
        try {
            return encode("CERTIFICATE", certificate.getEncoded());
        } catch (CertificateException e) {
            throw new PkiException("encode certificate " + certificate.getSubjectX500Principal(), e);
        }
    }

    static String privateKey(PrivateKey key) {
        return encode("PRIVATE KEY", key.getEncoded());
    }

    static String certificateRequest(byte[] der) {
        return encode("CERTIFICATE REQUEST", der);
    }

    static String publicKey(java.security.PublicKey key) {
        return encode("PUBLIC KEY", key.getEncoded());
    }

    static java.security.PublicKey parsePublicKey(String pem, String algorithm, String source) {
        try {
            byte[] der = decode("PUBLIC KEY", pem, source);
            return KeyFactory.getInstance(algorithm).generatePublic(new java.security.spec.X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new PkiException("parse public key " + source, e);
        }
    }

    static X509Certificate parseCertificate(String pem, String source) {
        try {
            byte[] der = decode("CERTIFICATE", pem, source);
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new PkiException("parse certificate " + source, e);
        }
    }

    static PrivateKey parsePrivateKey(String pem, String algorithm, String source) {
        try {
            byte[] der = decode("PRIVATE KEY", pem, source);
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new PkiException("parse private key " + source, e);
        }
    }

    /** Every certificate of a PEM text, in order (a chain, or a certificate followed by its key). */
    static java.util.List<X509Certificate> parseCertificates(String pem, String source) {
        try {
            java.util.List<X509Certificate> out = new java.util.ArrayList<>();
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (byte[] der : decodeAll("CERTIFICATE", pem, source)) {
                out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der)));
            }
            if (out.isEmpty()) {
                throw new PkiException("parse " + source + ": no PEM block \"CERTIFICATE\"");
            }
            return out;
        } catch (CertificateException e) {
            throw new PkiException("parse certificates " + source, e);
        }
    }

    private static java.util.List<byte[]> decodeAll(String label, String pem, String source) {
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        for (int from = pem.indexOf(begin); from >= 0; from = pem.indexOf(begin, from + 1)) {
            int to = pem.indexOf(end, from);
            if (to < 0) {
                throw new PkiException("parse " + source + ": unterminated PEM block \"" + label + "\"");
            }
            out.add(decode(label, pem.substring(from, to + end.length()), source));
        }
        return out;
    }

    private static String encode(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + ENCODER.encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private static byte[] decode(String label, String pem, String source) {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new PkiException("parse " + source + ": no PEM block \"" + label + "\"");
        }
        String body = pem.substring(from + begin.length(), to).replaceAll("\\s", "");
        try {
            return Base64.getDecoder().decode(body.getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new PkiException("parse " + source + ": invalid base64 in PEM block \"" + label + "\"", e);
        }
    }
}
