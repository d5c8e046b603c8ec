package dev.j8s.controllers.certificates;

import dev.j8s.api.certificates.CertificateRequest;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA that signs certificate requests under upstream's {@code PermissiveSigningPolicy}
 * ({@code pkg/controller/certificates/authority}): the request's subject, SANs and key; the key usages the CSR
 * asks for; CA:FALSE; valid from five minutes before now, for the TTL (less the backdate when the TTL is eight
 * hours or more), never past the CA's own expiry; a random 128-bit serial. Immutable and thread-safe.
 */
public final class CertificateAuthority {

    /** Upstream's backdate: clocks of clients may run a little behind. */
    static final Duration BACKDATE = Duration.ofMinutes(5);
    /** A TTL below this is short: its end is not backdated. */
    static final Duration SHORT = Duration.ofHours(8);

    private static final SecureRandom RANDOM = new SecureRandom();

    /** certificates.k8s.io key usages that are X.509 key usage bits. */
    private static final Map<String, Integer> KEY_USAGES = Map.of(
            "signing", KeyUsage.digitalSignature, "digital signature", KeyUsage.digitalSignature,
            "content commitment", KeyUsage.nonRepudiation, "key encipherment", KeyUsage.keyEncipherment,
            "key agreement", KeyUsage.keyAgreement, "data encipherment", KeyUsage.dataEncipherment,
            "cert sign", KeyUsage.keyCertSign, "crl sign", KeyUsage.cRLSign,
            "encipher only", KeyUsage.encipherOnly, "decipher only", KeyUsage.decipherOnly);

    /** certificates.k8s.io key usages that are extended key usages, ordered as Go's ExtKeyUsage constants sort. */
    private static final Map<String, KeyPurposeId> EXTENDED_USAGES = Map.ofEntries(
            Map.entry("any", KeyPurposeId.anyExtendedKeyUsage), Map.entry("server auth", KeyPurposeId.id_kp_serverAuth),
            Map.entry("client auth", KeyPurposeId.id_kp_clientAuth),
            Map.entry("code signing", KeyPurposeId.id_kp_codeSigning),
            Map.entry("email protection", KeyPurposeId.id_kp_emailProtection),
            Map.entry("s/mime", KeyPurposeId.id_kp_emailProtection),
            Map.entry("ipsec end system", KeyPurposeId.id_kp_ipsecEndSystem),
            Map.entry("ipsec tunnel", KeyPurposeId.id_kp_ipsecTunnel),
            Map.entry("ipsec user", KeyPurposeId.id_kp_ipsecUser),
            Map.entry("timestamping", KeyPurposeId.id_kp_timeStamping),
            Map.entry("ocsp signing", KeyPurposeId.id_kp_OCSPSigning),
            Map.entry("microsoft sgc", purpose("1.3.6.1.4.1.311.10.3.3")),
            Map.entry("netscape sgc", purpose("2.16.840.1.113730.4.1")));
    private static final List<String> EXTENDED_ORDER = List.of("any", "server auth", "client auth", "code signing",
            "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping",
            "ocsp signing", "microsoft sgc", "netscape sgc");

    private static KeyPurposeId purpose(String oid) {
        return KeyPurposeId.getInstance(new org.bouncycastle.asn1.ASN1ObjectIdentifier(oid));
    }

    /** Signing failed; the message is upstream's. */
    public static final class SigningException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SigningException(String message) {
            super(message);
        }
    }

    private final X509Certificate certificate;
    private final PrivateKey key;

    public CertificateAuthority(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * A certificate for {@code request} valid for {@code ttl} from {@code now}.
     *
     * @throws SigningException when the CA has expired or a usage is unknown
     */
    public X509Certificate sign(CertificateRequest request, List<String> usages, Duration ttl, Instant now) {
        Instant caNotAfter = certificate.getNotAfter().toInstant();
        Instant notBefore = now.minus(BACKDATE);
        if (!notBefore.isBefore(caNotAfter)) {
            throw new SigningException("the signer has expired: NotAfter=" + caNotAfter);
        }
        request.checkSignature();
        int keyUsage = 0;
        Map<Integer, KeyPurposeId> extended = new TreeMap<>();
        List<String> unrecognized = new ArrayList<>();
        for (String usage : usages) {
            if (KEY_USAGES.containsKey(usage)) {
                keyUsage |= KEY_USAGES.get(usage);
            } else if (EXTENDED_USAGES.containsKey(usage)) {
                extended.putIfAbsent(EXTENDED_ORDER.indexOf(usage), EXTENDED_USAGES.get(usage));
            } else {
                unrecognized.add(usage);
            }
        }
        if (!unrecognized.isEmpty()) {
            throw new SigningException("unrecognized usage values: [" + String.join(" ",
                    unrecognized.stream().map(u -> "\"" + u + "\"").toList()) + "]");
        }
        Instant notAfter = ttl.compareTo(SHORT) < 0 ? now.plus(ttl) : now.plus(ttl).minus(BACKDATE);
        if (!notAfter.isBefore(caNotAfter)) {
            notAfter = caNotAfter;
        }
        if (!now.isBefore(caNotAfter)) {
            throw new SigningException("refusing to sign a certificate that expired in the past: NotAfter=" + caNotAfter);
        }
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    new JcaX509CertificateHolder(certificate).getSubject(), new BigInteger(128, RANDOM),
                    Date.from(notBefore), Date.from(notAfter), request.subjectName(), request.publicKey());
            if (keyUsage != 0) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            }
            if (!extended.isEmpty()) {
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(extended.values().toArray(KeyPurposeId[]::new)));
            }
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
            if (request.alternativeNames().isPresent()) {
                builder.addExtension(Extension.subjectAlternativeName, false, request.alternativeNames().get());
            }
            String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(algorithm).build(key)));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new SigningException("failed to sign certificate: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "CertificateAuthority[" + certificate.getSubjectX500Principal() + ", key=<redacted>]";
    }
}
