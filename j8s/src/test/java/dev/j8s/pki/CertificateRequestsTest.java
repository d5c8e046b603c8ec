package dev.j8s.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

class CertificateRequestsTest {

    /** A P-256 public key and the name upstream's kubelet (Go, digestedName) gives its client CSR for node-a. */
    private static final String PUBLIC_KEY = """
            -----BEGIN PUBLIC KEY-----
            MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmlR6BCnuhGeAhDRWgwgP0Xa47rVb
            XXSF5V31okBhWEuMw3nsZ9OLPl21oLNBVo/6kGxnRo6+O98L+DYHYPrLlw==
            -----END PUBLIC KEY-----
            """;
    private static final String UPSTREAM_NAME = "node-csr-OIEF5tcnu6VG9dTRLZYwgzWg5K-6vHLJ3cq55Jxglp4";

    @Test
    void aClientRequestIsNamedFromItsKeySubjectAndUsagesAsUpstreamNamesIt() {
        PublicKey key = Pem.parsePublicKey(PUBLIC_KEY, "EC", "test");

        String name = CertificateRequests.digestedName(key, "system:node:node-a", List.of("system:nodes"),
                CertificateRequests.clientUsages(key));

        assertThat(name).isEqualTo(UPSTREAM_NAME);
        assertThat(CertificateRequests.digestedName(key, "system:node:node-b", List.of("system:nodes"),
                CertificateRequests.clientUsages(key))).isNotEqualTo(UPSTREAM_NAME);
    }

    @Test
    void anEcKeyAsksForDigitalSignatureAndTheAuthOnlyAnRsaKeyAlsoForKeyEncipherment() throws Exception {
        KeyPair ec = CertificateRequests.newKeyPair();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);

        assertThat(ec.getPublic().getAlgorithm()).isEqualTo("EC");
        assertThat(CertificateRequests.clientUsages(ec.getPublic())).containsExactly("digital signature",
                "client auth");
        assertThat(CertificateRequests.servingUsages(ec.getPublic())).containsExactly("digital signature",
                "server auth");
        assertThat(CertificateRequests.clientUsages(rsa.generateKeyPair().getPublic())).containsExactly(
                "digital signature", "client auth", "key encipherment");
    }

    @Test
    void theRequestNamesTheNodeInSystemNodesIsSignedByTheKeyAndAsksForTheServingNames() throws Exception {
        KeyPair key = CertificateRequests.newKeyPair();

        PKCS10CertificationRequest client = parse(CertificateRequests.nodeRequest(key, "node-a", List.of(),
                List.of()));
        PKCS10CertificationRequest serving = parse(CertificateRequests.nodeRequest(key, "node-a",
                List.of("node-a.example"), List.of(InetAddress.ofLiteral("10.1.2.3"))));

        assertThat(client.getSubject().toString()).isEqualTo("O=system:nodes,CN=system:node:node-a");
        assertThat(client.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key.getPublic()))).isTrue();
        assertThat(client.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)).isEmpty();
        Extensions extensions = Extensions.getInstance(serving.getAttributes(
                PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0].getAttrValues().getObjectAt(0));
        GeneralName[] names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName).getNames();
        assertThat(names).extracting(GeneralName::toString).containsExactly("2: node-a.example", "7: #0a010203");
    }

    static PKCS10CertificationRequest parse(String pem) throws Exception {
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE REQUEST-----\n");
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return new PKCS10CertificationRequest(Base64.getDecoder().decode(body.getBytes(StandardCharsets.US_ASCII)));
    }
}
