package dev.j8s.pki;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.j8s.api.FabricClients;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * TLS bootstrapping of a kubelet's client certificate, as upstream's {@code pkg/kubelet/certificate/bootstrap}: when
 * the kubeconfig is missing or its client certificate is not valid now, a key pair (ECDSA P-256, kept in
 * {@code kubelet-client.key.tmp} until the certificate arrives, so a restart asks again with the same key and finds
 * its own request) signs a request for {@code system:node:<node>} in {@code system:nodes}, sent with the bootstrap
 * kubeconfig's credentials to the {@code kubernetes.io/kube-apiserver-client-kubelet} signer; once the cluster has
 * approved and issued it, the pair goes to the {@code kubelet-client} store and a kubeconfig naming the store's
 * current file is written. Not thread-safe: one call at a time per directory.
 */
public final class KubeletClientBootstrap {

    private static final System.Logger LOG = System.getLogger(KubeletClientBootstrap.class.getName());
    static final String TEMPORARY_KEY = "kubelet-client.key.tmp";
    /** Upstream's kubelet waits an hour for its bootstrap certificate. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);

    private KubeletClientBootstrap() {}

    /**
     * Makes {@code kubeconfig} hold a valid client certificate of {@code nodeName}, bootstrapping one with
     * {@code bootstrapKubeconfig} when it does not; returns whether it bootstrapped.
     */
    public static boolean loadClientCert(Path kubeconfig, Path bootstrapKubeconfig, Path certDir, String nodeName,
                                         Duration timeout, Clock clock) {
        Instant now = clock.instant();
        if (clientCertificateValid(kubeconfig, now)) {
            LOG.log(Level.INFO, "the kubeconfig is valid, no bootstrap needed path={0}", kubeconfig);
            return false;
        }
        CertificateFileStore store = new CertificateFileStore(certDir, "kubelet-client");
        Optional<CertificateFileStore.Pair> current = store.current()
                .filter(p -> p.validAt(now) && p.leaf().getSubjectX500Principal().getName()
                        .contains("CN=" + CertificateRequests.nodeUser(nodeName)));
        if (current.isPresent()) {
            LOG.log(Level.INFO, "the stored client certificate is valid, writing the kubeconfig for it path={0}",
                    store.currentPath());
            writeKubeconfig(bootstrapKubeconfig, kubeconfig, store.currentPath());
            return false;
        }
        LOG.log(Level.INFO, "bootstrapping a client certificate with the bootstrap kubeconfig node={0} bootstrap={1}",
                nodeName, bootstrapKubeconfig);
        KeyPair key = temporaryKey(certDir.resolve(TEMPORARY_KEY));
        List<String> usages = CertificateRequests.clientUsages(key.getPublic());
        String name = CertificateRequests.digestedName(key.getPublic(), CertificateRequests.nodeUser(nodeName),
                List.of(CertificateRequests.NODES_GROUP), usages);
        String pem;
        try (KubernetesClient client = FabricClients.connect(bootstrapKubeconfig)) {
            CertificateSigningRequest csr = CertificateSigningRequests.request(client, Optional.of(name),
                    CertificateRequests.nodeRequest(key, nodeName, List.of(), List.of()),
                    CertificateRequests.CLIENT_KUBELET_SIGNER, usages, key);
            LOG.log(Level.INFO, "waiting for the client certificate to be issued csr={0}", name);
            pem = CertificateSigningRequests.waitForCertificate(client, csr, timeout);
        }
        List<X509Certificate> chain = Pem.parseCertificates(pem, "the certificate of " + name);
        if (!CertificateFileStore.sameKey(chain.getFirst().getPublicKey(), key.getPublic())) {
            throw new PkiException("the certificate issued for " + name + " is not for the requested key");
        }
        store.update(new CertificateFileStore.Pair(chain, key.getPrivate()), clock.instant());
        try {
            Files.deleteIfExists(certDir.resolve(TEMPORARY_KEY));
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot remove the bootstrap key path={0} error={1}",
                    certDir.resolve(TEMPORARY_KEY), e.getMessage());
        }
        writeKubeconfig(bootstrapKubeconfig, kubeconfig, store.currentPath());
        LOG.log(Level.INFO, "client certificate issued subject={0} notAfter={1} kubeconfig={2}",
                chain.getFirst().getSubjectX500Principal(), chain.getFirst().getNotAfter().toInstant(), kubeconfig);
        return true;
    }

    /** Whether {@code kubeconfig} exists and every certificate of its client certificate is valid at {@code now}. */
    public static boolean clientCertificateValid(Path kubeconfig, Instant now) {
        return clientCertificates(kubeconfig).map(chain -> chain.stream().allMatch(c ->
                !now.isBefore(c.getNotBefore().toInstant()) && !now.isAfter(c.getNotAfter().toInstant())))
                .orElse(false);
    }

    /** The client certificate chain of {@code kubeconfig}; empty when it is missing or names none it can read. */
    public static Optional<List<X509Certificate>> clientCertificates(Path kubeconfig) {
        String text;
        try {
            text = Files.readString(kubeconfig);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("read kubeconfig " + kubeconfig, e);
        }
        try {
            Config config = Config.fromKubeconfig(text);
            String pem;
            if (config.getClientCertData() != null && !config.getClientCertData().isEmpty()) {
                pem = new String(Base64.getDecoder().decode(config.getClientCertData().strip()),
                        StandardCharsets.US_ASCII);
            } else if (config.getClientCertFile() != null && !config.getClientCertFile().isEmpty()) {
                pem = Files.readString(Path.of(config.getClientCertFile()), StandardCharsets.US_ASCII);
            } else {
                return Optional.empty();
            }
            return Optional.of(Pem.parseCertificates(pem, "the client certificate of " + kubeconfig));
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot read the kubeconfig''s client certificate, bootstrapping path={0}"
                    + " error={1}", kubeconfig, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * When the rotation of a certificate valid from {@code notBefore} to {@code notAfter} is due: at a random point
     * between 70 and 90 % of its validity, as upstream's certificate manager jitters it.
     */
    public static Instant rotationDeadline(Instant notBefore, Instant notAfter) {
        long total = Duration.between(notBefore, notAfter).toMillis();
        return notBefore.plusMillis((long) (total * (0.7 + 0.2 * ThreadLocalRandom.current().nextDouble())));
    }

    /**
     * A kubeconfig of the bootstrap kubeconfig's cluster (server, CA, TLS verification) whose user's client
     * certificate and key are both {@code pem}, as upstream's kubelet writes it.
     */
    static void writeKubeconfig(Path bootstrapKubeconfig, Path kubeconfig, Path pem) {
        Config bootstrap;
        try {
            bootstrap = Config.fromKubeconfig(Files.readString(bootstrapKubeconfig));
        } catch (IOException e) {
            throw new UncheckedIOException("read bootstrap kubeconfig " + bootstrapKubeconfig, e);
        }
        YAMLMapper yaml = new YAMLMapper();
        ObjectNode root = yaml.createObjectNode().put("apiVersion", "v1").put("kind", "Config");
        ObjectNode cluster = root.putArray("clusters").addObject().put("name", "default-cluster")
                .putObject("cluster").put("server", bootstrap.getMasterUrl().replaceAll("/+$", ""));
        if (bootstrap.isTrustCerts()) {
            cluster.put("insecure-skip-tls-verify", true);
        } else if (bootstrap.getCaCertFile() != null && !bootstrap.getCaCertFile().isEmpty()) {
            cluster.put("certificate-authority", Path.of(bootstrap.getCaCertFile()).toAbsolutePath().toString());
        } else if (bootstrap.getCaCertData() != null) {
            cluster.put("certificate-authority-data", bootstrap.getCaCertData().strip());
        }
        String file = pem.toAbsolutePath().toString();
        root.putArray("users").addObject().put("name", "default-auth").putObject("user")
                .put("client-certificate", file).put("client-key", file);
        root.putArray("contexts").addObject().put("name", "default-context").putObject("context")
                .put("cluster", "default-cluster").put("user", "default-auth").put("namespace", "default");
        root.put("current-context", "default-context");
        try {
            CertificateFileStore.writePrivate(kubeconfig, yaml.writeValueAsString(root));
        } catch (IOException e) {
            throw new UncheckedIOException("write kubeconfig " + kubeconfig, e);
        }
    }

    /** The bootstrap key of {@code file} (PKCS#8 and its public key), made and written with mode 0600 if absent. */
    static KeyPair temporaryKey(Path file) {
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            return new KeyPair(CertificateFileStore.publicKey(pem, file.toString()),
                    CertificateFileStore.privateKey(pem, file.toString()));
        } catch (NoSuchFileException e) {
            // first request: make one
        } catch (IOException | PkiException e) {
            LOG.log(Level.WARNING, "cannot read the bootstrap key, making a new one path={0} error={1}", file,
                    e.getMessage());
        }
        KeyPair key = CertificateRequests.newKeyPair();
        try {
            CertificateFileStore.writePrivate(file, Pem.privateKey(key.getPrivate()) + Pem.publicKey(key.getPublic()));
        } catch (IOException e) {
            throw new UncheckedIOException("write the bootstrap key " + file, e);
        }
        return key;
    }
}
