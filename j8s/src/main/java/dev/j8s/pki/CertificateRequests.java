package dev.j8s.pki;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The PKCS#10 requests a kubelet sends in a {@code certificates.k8s.io/v1} CertificateSigningRequest, as upstream's
 * kubelet makes them ({@code pkg/kubelet/certificate/bootstrap}, {@code k8s.io/client-go/util/cert.MakeCSR}): the
 * node's subject ({@code CN=system:node:<node>}, {@code O=system:nodes}), the usages of its signer, and the name a
 * client CSR gets from a digest of its key, subject and usages, so that a kubelet restarted with the same key finds
 * its own request again instead of making a second. Stateless, thread-safe.
 */
public final class CertificateRequests {

    /** The signer of kubelet client certificates (upstream {@code KubeAPIServerClientKubeletSignerName}). */
    public static final String CLIENT_KUBELET_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
    /** The signer of kubelet serving certificates (upstream {@code KubeletServingSignerName}). */
    public static final String KUBELET_SERVING_SIGNER = "kubernetes.io/kubelet-serving";
    /** The group every node certificate names as its organization. */
    public static final String NODES_GROUP = "system:nodes";

    private CertificateRequests() {}

    /** The user a node's certificates name. */
    public static String nodeUser(String nodeName) {
        return "system:node:" + nodeName;
    }

    /**
     * The usages of a client certificate for a key: digital signature and client auth, plus key encipherment for an
     * RSA key (which TLS can encrypt to), in upstream's order.
     */
    public static List<String> clientUsages(PublicKey key) {
        List<String> usages = new ArrayList<>(List.of("digital signature", "client auth"));
        if (key instanceof RSAPublicKey) {
            usages.add("key encipherment");
        }
        return List.copyOf(usages);
    }

    /** The usages of a serving certificate for a key, as {@link #clientUsages} with server auth. */
    public static List<String> servingUsages(PublicKey key) {
        List<String> usages = new ArrayList<>(List.of("digital signature", "server auth"));
        if (key instanceof RSAPublicKey) {
            usages.add("key encipherment");
        }
        return List.copyOf(usages);
    }

    /**
     * A PEM {@code CERTIFICATE REQUEST} for {@code nodeName}'s subject signed by {@code key}, asking for the DNS
     * names and addresses given as subject alternative names (none for a client certificate).
     */
    public static String nodeRequest(KeyPair key, String nodeName, List<String> dnsNames,
                                     List<InetAddress> addresses) {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, NODES_GROUP)
                .addRDN(BCStyle.CN, nodeUser(nodeName)).build();
        JcaPKCS10CertificationRequestBuilder builder = new JcaPKCS10CertificationRequestBuilder(subject,
                key.getPublic());
        List<GeneralName> names = new ArrayList<>();
        dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        addresses.forEach(a -> names.add(new GeneralName(GeneralName.iPAddress, a.getHostAddress())));
        try {
            if (!names.isEmpty()) {
                ExtensionsGenerator extensions = new ExtensionsGenerator();
                extensions.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
                builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
            }
            String algorithm = key.getPublic() instanceof RSAPublicKey ? "SHA256withRSA" : "SHA256withECDSA";
            return Pem.certificateRequest(builder.build(new JcaContentSignerBuilder(algorithm)
                    .build(key.getPrivate())).getEncoded());
        } catch (IOException | OperatorCreationException e) {
            throw new PkiException("make the certificate request of node " + nodeName, e);
        }
    }

    /**
     * The name of a node's client CSR: {@code node-csr-} and the unpadded URL-safe base64 of a SHA-512/256 digest over
     * the key (PKIX), the common name, the organizations and the usages, each base64-encoded and followed by
     * {@code |}, as upstream's kubelet names it (so a request made again with the same key has the same name).
     */
    public static String digestedName(PublicKey key, String commonName, List<String> organizations,
                                      List<String> usages) {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-512/256");
            List<byte[]> parts = new ArrayList<>();
            parts.add(key.getEncoded());
            parts.add(commonName.getBytes(StandardCharsets.UTF_8));
            organizations.forEach(o -> parts.add(o.getBytes(StandardCharsets.UTF_8)));
            usages.forEach(u -> parts.add(u.getBytes(StandardCharsets.UTF_8)));
            for (byte[] part : parts) {
                digest.update(encoder.encode(part));
                digest.update((byte) '|');
            }
            return "node-csr-" + encoder.encodeToString(digest.digest());
        } catch (GeneralSecurityException e) {
            throw new PkiException("digest the certificate request name of " + commonName, e);
        }
    }

    /** A new ECDSA P-256 key pair, as upstream's kubelet makes for its certificates. */
    public static KeyPair newKeyPair() {
        return Certificates.newKeyPair();
    }
}
