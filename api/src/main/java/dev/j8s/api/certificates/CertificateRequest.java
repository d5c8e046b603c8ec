package dev.j8s.api.certificates;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * A parsed PKCS#10 certificate signing request: its subject (common name, organizations), public key and the
 * subject alternative names of its extension request. {@link #parsePem} takes the first PEM block as upstream's
 * {@code certificates.ParseCSR} does; {@link #checkSignature} is Go's {@code CertificateRequest.CheckSignature}.
 * Messages of {@link InvalidRequest} are upstream's (Go's) words. Immutable and thread-safe.
 */
public final class CertificateRequest {

    /** A request that does not parse or whose signature does not verify; the message is upstream's. */
    public static final class InvalidRequest extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        InvalidRequest(String message) {
            super(message);
        }
    }

    public static final String PEM_TYPE = "CERTIFICATE REQUEST";

    private final JcaPKCS10CertificationRequest request;
    private final PublicKey publicKey;
    private final List<String> dnsNames = new ArrayList<>();
    private final List<InetAddress> ipAddresses = new ArrayList<>();
    private final List<String> emailAddresses = new ArrayList<>();
    private final List<String> uris = new ArrayList<>();

    private CertificateRequest(JcaPKCS10CertificationRequest request, PublicKey publicKey) {
        this.request = request;
        this.publicKey = publicKey;
        for (GeneralName name : subjectAlternativeNames(request)) {
            switch (name.getTagNo()) {
                case GeneralName.dNSName -> dnsNames.add(text(name.getName()));
                case GeneralName.rfc822Name -> emailAddresses.add(text(name.getName()));
                case GeneralName.uniformResourceIdentifier -> uris.add(text(name.getName()));
                case GeneralName.iPAddress -> ipAddresses.add(address(name));
                default -> { }
            }
        }
    }

    /**
     * The request in the first PEM block of {@code pem}.
     *
     * @throws InvalidRequest when there is no block, it is not a {@code CERTIFICATE REQUEST}, or its DER is malformed
     */
    public static CertificateRequest parsePem(byte[] pem) {
        Optional<PemBlock> block = PemBlock.first(pem);
        if (block.isEmpty() || !block.get().type().equals(PEM_TYPE)) {
            throw new InvalidRequest("PEM block type must be CERTIFICATE REQUEST");
        }
        return parseDer(block.get().der());
    }

    /** The request in {@code der}. */
    public static CertificateRequest parseDer(byte[] der) {
        try {
            JcaPKCS10CertificationRequest request = new JcaPKCS10CertificationRequest(der);
            return new CertificateRequest(request, request.getPublicKey());
        } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
            throw new InvalidRequest("asn1: structure error: " + e.getMessage());
        }
    }

    /**
     * Verifies the request's self-signature with its own public key.
     *
     * @throws InvalidRequest with Go's message for the key's algorithm
     */
    public void checkSignature() {
        checkSignature(publicKey);
    }

    /**
     * Verifies the request's signature with {@code key} instead of the key it carries: whether the request was made
     * with that key (a kubelet checks so that a request it finds again is its own).
     *
     * @throws InvalidRequest with Go's message for the key's algorithm
     */
    public void checkSignature(PublicKey key) {
        boolean valid;
        try {
            valid = request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
        } catch (OperatorCreationException | PKCSException | RuntimeException e) {
            valid = false;
        }
        if (!valid) {
            throw new InvalidRequest(switch (key.getAlgorithm()) {
                case "RSA" -> "crypto/rsa: verification error";
                case "EC" -> "x509: ECDSA verification failure";
                case "Ed25519", "EdDSA" -> "x509: Ed25519 verification failure";
                default -> "x509: cannot verify signature: algorithm unimplemented";
            });
        }
    }

    /** The subject as BouncyCastle's name, to copy into a certificate unchanged. */
    public X500Name subjectName() {
        return request.getSubject();
    }

    /** The first common name of the subject, "" when it has none. */
    public String commonName() {
        return values(BCStyle.CN).stream().findFirst().orElse("");
    }

    /** The organizations of the subject, in order. */
    public List<String> organizations() {
        return values(BCStyle.O);
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    public List<String> dnsNames() {
        return List.copyOf(dnsNames);
    }

    public List<InetAddress> ipAddresses() {
        return List.copyOf(ipAddresses);
    }

    public List<String> emailAddresses() {
        return List.copyOf(emailAddresses);
    }

    public List<String> uris() {
        return List.copyOf(uris);
    }

    /** The subject alternative names as the request asks them, for a certificate's extension. */
    public Optional<GeneralNames> alternativeNames() {
        List<GeneralName> names = subjectAlternativeNames(request);
        return names.isEmpty() ? Optional.empty() : Optional.of(new GeneralNames(names.toArray(GeneralName[]::new)));
    }

    private List<String> values(org.bouncycastle.asn1.ASN1ObjectIdentifier type) {
        List<String> out = new ArrayList<>();
        for (RDN rdn : request.getSubject().getRDNs(type)) {
            for (var attribute : rdn.getTypesAndValues()) {
                if (attribute.getType().equals(type)) {
                    out.add(text(attribute.getValue()));
                }
            }
        }
        return out;
    }

    private static List<GeneralName> subjectAlternativeNames(JcaPKCS10CertificationRequest request) {
        List<GeneralName> names = new ArrayList<>();
        for (Attribute attribute : request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable value : attribute.getAttributeValues()) {
                Extensions extensions = Extensions.getInstance(value);
                GeneralNames san = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
                if (san != null) {
                    names.addAll(List.of(san.getNames()));
                }
            }
        }
        return names;
    }

    private static String text(ASN1Encodable value) {
        return value instanceof ASN1String s ? s.getString() : value.toString();
    }

    private static InetAddress address(GeneralName name) {
        try {
            return InetAddress.getByAddress(ASN1OctetString.getInstance(name.getName()).getOctets());
        } catch (UnknownHostException e) {
            throw new InvalidRequest("x509: cannot parse IP address of length "
                    + ASN1OctetString.getInstance(name.getName()).getOctets().length);
        }
    }

    @Override
    public String toString() {
        return "CertificateRequest[subject=" + request.getSubject() + "]";
    }
}
