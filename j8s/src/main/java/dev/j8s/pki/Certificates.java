package dev.j8s.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Issues the cluster CA and serving certificates with BouncyCastle's builder API, signing with the
 * JDK's own providers (no BouncyCastle JCE provider is registered). Thread-safe.
 */
final class Certificates {

    static final String KEY_ALGORITHM = "EC";
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    /** Clocks of clients may run a little behind: certificates are valid from an hour before issuance. */
    private static final Duration BACKDATE = Duration.ofHours(1);
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration SERVING_VALIDITY = Duration.ofDays(365);

    private static final SecureRandom RANDOM = new SecureRandom();

    private Certificates() {}

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(KEY_ALGORITHM);
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new PkiException("generate EC P-256 key pair", e);
        }
    }

    /** A self-signed CA certificate, valid for ten years from {@code now}. */
    static X509Certificate issueCa(KeyPair ca, String commonName, Instant now) {
        X500Name subject = new X500Name("CN=" + commonName);
        try {
            X509v3CertificateBuilder builder = builder(subject, subject, ca.getPublic(), now, CA_VALIDITY);
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(ca.getPublic()));
            return sign(builder, ca, subject);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new PkiException("issue CA certificate CN=" + commonName, e);
        }
    }

    /** A serving certificate for {@code names}, signed by the CA, valid for one year from {@code now}. */
    static X509Certificate issueServing(KeyPair serving, KeyPair ca, X509Certificate caCertificate,
                                        String commonName, ServingNames names, Instant now) {
        X500Name issuer = X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
        X500Name subject = new X500Name("CN=" + commonName);
        try {
            X509v3CertificateBuilder builder = builder(issuer, subject, serving.getPublic(), now, SERVING_VALIDITY);
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            List<GeneralName> alternativeNames = new ArrayList<>();
            names.dnsNames().forEach(name -> alternativeNames.add(new GeneralName(GeneralName.dNSName, name)));
            names.addresses().forEach(address ->
                    alternativeNames.add(new GeneralName(GeneralName.iPAddress, address.getHostAddress())));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(alternativeNames.toArray(GeneralName[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensions.createSubjectKeyIdentifier(serving.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(caCertificate));
            return sign(builder, ca, subject);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new PkiException("issue serving certificate for " + names, e);
        }
    }

    /** A client certificate for {@code user} in {@code groups} (CN and O), signed by the CA, valid for one year. */
    static X509Certificate issueClient(KeyPair client, KeyPair ca, X509Certificate caCertificate, String user,
                                       List<String> groups, Instant now) {
        X500Name issuer = X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
        org.bouncycastle.asn1.x500.X500NameBuilder name =
                new org.bouncycastle.asn1.x500.X500NameBuilder(org.bouncycastle.asn1.x500.style.BCStyle.INSTANCE);
        for (String group : groups) {
            name.addRDN(org.bouncycastle.asn1.x500.style.BCStyle.O, group);
        }
        name.addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, user);
        X500Name subject = name.build();
        try {
            X509v3CertificateBuilder builder = builder(issuer, subject, client.getPublic(), now, SERVING_VALIDITY);
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            extensions.createAuthorityKeyIdentifier(caCertificate));
            return sign(builder, ca, subject);
        } catch (CertIOException | GeneralSecurityException e) {
            throw new PkiException("issue client certificate for user " + user, e);
        }
    }

    /**
     * The subject alternative names of {@code certificate} as strings: DNS names as they are, IP
     * addresses in {@link java.net.InetAddress#getHostAddress()} form.
     */
    static Set<String> alternativeNames(X509Certificate certificate) {
        try {
            Collection<List<?>> entries = certificate.getSubjectAlternativeNames();
            Set<String> names = new HashSet<>();
            if (entries != null) {
                for (List<?> entry : entries) {
                    int type = (Integer) entry.get(0);
                    if (type == GeneralName.dNSName) {
                        names.add((String) entry.get(1));
                    } else if (type == GeneralName.iPAddress) {
                        names.add(java.net.InetAddress.ofLiteral((String) entry.get(1)).getHostAddress());
                    }
                }
            }
            return names;
        } catch (CertificateParsingException e) {
            throw new PkiException("read subject alternative names of " + certificate.getSubjectX500Principal(), e);
        }
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key,
                                                    Instant now, Duration validity) {
        BigInteger serial = new BigInteger(127, RANDOM).add(BigInteger.ONE);
        return new JcaX509v3CertificateBuilder(issuer, serial,
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, key);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer, X500Name subject)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(issuer.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new PkiException("sign certificate " + subject, e);
        }
    }
}
