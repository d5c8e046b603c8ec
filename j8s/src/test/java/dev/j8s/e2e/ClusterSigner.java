package dev.j8s.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The parts of TLS bootstrapping the local control plane has no component for, played with its CA
 * ({@code pki/ca.crt}, {@code pki/ca.key}) and the real {@code openssl} and {@code kubectl}: a bootstrap credential
 * (a client certificate of {@code system:bootstrap:<id>} in {@code system:bootstrappers}, where a cluster with
 * bootstrap-token authentication would take the token), and the approver and signer of the controller manager
 * ({@code kubectl certificate approve}, then the certificate made from the request with the CA key and written to the
 * request's {@code status} as the signer writes it). Not thread-safe: one test drives it.
 */
final class ClusterSigner {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path pki;
    private final Path adminKubeconfig;
    private final Kubectl admin;
    private final Path work;

    ClusterSigner(Path pki, Path adminKubeconfig, Kubectl admin, Path work) {
        this.pki = pki;
        this.adminKubeconfig = adminKubeconfig;
        this.admin = admin;
        this.work = work;
    }

    /** A kubeconfig of the cluster whose user is the bootstrap identity {@code system:bootstrap:<tokenId>}. */
    Path bootstrapKubeconfig(String tokenId) {
        String name = "bootstrap-" + tokenId;
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file(name + ".key"));
        openssl("req", "-new", "-key", file(name + ".key"), "-subj",
                "/O=system:bootstrappers/CN=system:bootstrap:" + tokenId, "-out", file(name + ".csr"));
        write(name + ".ext", "extendedKeyUsage=clientAuth\n");
        sign(name + ".csr", name + ".ext", name + ".crt", false);
        try {
            Config cluster = Config.fromKubeconfig(Files.readString(adminKubeconfig));
            return write(name + ".kubeconfig", """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: c, cluster: {server: "%s", certificate-authority-data: %s}}]
                    users: [{name: %s, user: {client-certificate-data: %s, client-key-data: %s}}]
                    contexts: [{name: bootstrap, context: {cluster: c, user: %s}}]
                    current-context: bootstrap
                    """.formatted(cluster.getMasterUrl().replaceAll("/+$", ""), cluster.getCaCertData(), name,
                    base64(work.resolve(name + ".crt")), base64(work.resolve(name + ".key")), name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The requests {@code username} sent to {@code signerName}, by name (as the API server lists them). */
    List<JsonNode> requests(String username, String signerName) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode csr : Await.json(admin.run("get", "csr", "-o", "json")).path("items")) {
            if (csr.path("spec").path("username").asText().equals(username)
                    && csr.path("spec").path("signerName").asText().equals(signerName)) {
                out.add(csr);
            }
        }
        return out;
    }

    /** Waits for the first request of {@code username} to {@code signerName}. */
    JsonNode awaitRequest(String username, String signerName, Duration timeout) {
        return Await.until(timeout, "a certificate signing request of " + username + " to " + signerName,
                () -> requests(username, signerName), l -> !l.isEmpty()).getFirst();
    }

    /** The subject of a request's PKCS#10, as {@code openssl req -subject} prints it. */
    String subject(JsonNode csr) {
        String name = csr.path("metadata").path("name").asText();
        write(name + ".pem", decode(csr.path("spec").path("request").asText()));
        return openssl("req", "-in", file(name + ".pem"), "-noout", "-subject", "-nameopt", "compat").strip();
    }

    /**
     * Approves the request as an administrator and issues it as the cluster's signer would: the certificate made
     * from the request by the CA key (keeping a serving request's names), written to its status.
     */
    void approveAndSign(JsonNode csr, boolean serving) {
        String name = csr.path("metadata").path("name").asText();
        admin.run("certificate", "approve", name).ok();
        write(name + ".pem", decode(csr.path("spec").path("request").asText()));
        write(name + ".ext", serving ? "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
                : "keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
        sign(name + ".pem", name + ".ext", name + ".crt", serving);
        try {
            writeStatus(name, Files.readString(work.resolve(name + ".crt")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code certificatePem} to the request's {@code status.certificate}, as a signer does. */
    private void writeStatus(String name, String certificatePem) {
        ObjectNode approved = (ObjectNode) Await.json(admin.run("get", "csr", name, "-o", "json"));
        try {
            ((ObjectNode) approved.path("status")).put("certificate",
                    Base64.getEncoder().encodeToString(certificatePem.getBytes(StandardCharsets.US_ASCII)));
            Path body = work.resolve(name + "-status.json");
            JSON.writeValue(body.toFile(), approved);
            admin.run("replace", "--raw", "/apis/certificates.k8s.io/v1/certificatesigningrequests/" + name
                    + "/status", "-f", body.toString()).ok();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Approves and issues a client request as {@link #approveAndSign} does, with a certificate valid from now for
     * {@code validity} only (finer than openssl's days), made with BouncyCastle from the request and the CA key.
     */
    java.security.cert.X509Certificate approveAndSignFor(JsonNode csr, Duration validity) {
        return approveAndSignFor(csr, validity, false);
    }

    /** As {@link #approveAndSignFor(JsonNode, Duration)}; a {@code serving} request keeps its names. */
    java.security.cert.X509Certificate approveAndSignFor(JsonNode csr, Duration validity, boolean serving) {
        String name = csr.path("metadata").path("name").asText();
        admin.run("certificate", "approve", name).ok();
        try {
            String pem = decode(csr.path("spec").path("request").asText());
            var request = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest(
                    (org.bouncycastle.pkcs.PKCS10CertificationRequest) new org.bouncycastle.openssl.PEMParser(
                            new java.io.StringReader(pem)).readObject());
            var caKey = new org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter().getKeyPair(
                    (org.bouncycastle.openssl.PEMKeyPair) new org.bouncycastle.openssl.PEMParser(
                            Files.newBufferedReader(pki.resolve("ca.key"))).readObject());
            var ca = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(Files.newInputStream(pki.resolve("ca.crt")));
            java.time.Instant now = java.time.Instant.now();
            var builder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(ca,
                    java.math.BigInteger.valueOf(now.toEpochMilli()), java.util.Date.from(now),
                    java.util.Date.from(now.plus(validity)), request.getSubject(), request.getPublicKey())
                    .addExtension(org.bouncycastle.asn1.x509.Extension.keyUsage, true,
                            new org.bouncycastle.asn1.x509.KeyUsage(org.bouncycastle.asn1.x509.KeyUsage.digitalSignature))
                    .addExtension(org.bouncycastle.asn1.x509.Extension.extendedKeyUsage, false,
                            new org.bouncycastle.asn1.x509.ExtendedKeyUsage(
                                    serving ? org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_serverAuth
                                            : org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_clientAuth));
            if (serving) {
                builder.addExtension(request.getRequestedExtensions().getExtension(
                        org.bouncycastle.asn1.x509.Extension.subjectAlternativeName));
            }
            var certificate = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                    builder.build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                            .build(caKey.getPrivate())));
            String issued = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                    .encodeToString(certificate.getEncoded()) + "\n-----END CERTIFICATE-----\n";
            writeStatus(name, issued);
            return certificate;
        } catch (Exception e) {
            throw new IllegalStateException("sign " + name + " for " + validity, e);
        }
    }

    /** Denies the request as an administrator ({@code kubectl certificate deny}). */
    void deny(JsonNode csr) {
        admin.run("certificate", "deny", csr.path("metadata").path("name").asText()).ok();
    }

    /** The CA's certificate. */
    Path caCertificate() {
        return pki.resolve("ca.crt");
    }

    private void sign(String request, String extensions, String certificate, boolean copyNames) {
        List<String> args = new ArrayList<>(List.of("x509", "-req", "-in", file(request), "-CA",
                pki.resolve("ca.crt").toString(), "-CAkey", pki.resolve("ca.key").toString(), "-CAcreateserial",
                "-days", "2", "-extfile", file(extensions), "-out", file(certificate)));
        if (copyNames) {
            args.addAll(List.of("-copy_extensions", "copy"));
        }
        openssl(args.toArray(String[]::new));
    }

    private String file(String name) {
        return work.resolve(name).toString();
    }

    private Path write(String name, String text) {
        try {
            return Files.writeString(work.resolve(name), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String base64(Path file) throws IOException {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
    }

    private static String openssl(String... args) {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(command.toString()).isTrue();
            assertThat(p.exitValue()).as(command + ": " + out).isZero();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
