package dev.j8s.pki;

import dev.j8s.api.FabricClients;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Rotation of a bootstrapped client certificate before it expires, as upstream's certificate manager
 * ({@code k8s.io/client-go/util/certificate}): at a jittered 70-90 % of the current certificate's validity a new key
 * asks, with the node's own credentials, for a new certificate of the same subject ({@code csr-} named by the server,
 * signer {@code kubernetes.io/kube-apiserver-client-kubelet}); once issued it becomes the store's current pair, which
 * the kubeconfig names, and the clients' connections made with the old one are closed, so they connect again with it. A failed attempt is retried with a backoff doubling from
 * 5 s to 5 minutes. Not thread-safe: one rotation loop per store.
 */
public final class KubeletClientRotation {

    private static final System.Logger LOG = System.getLogger(KubeletClientRotation.class.getName());
    /** How long one rotation request waits for its certificate (upstream's certificate manager waits 15 minutes). */
    static final Duration WAIT = Duration.ofMinutes(15);
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(5);
    private static final Duration LAST_BACKOFF = Duration.ofMinutes(5);

    private final Path kubeconfig;
    private final CertificateFileStore store;
    private final String nodeName;
    private final Clock clock;

    public KubeletClientRotation(Path kubeconfig, Path certDir, String nodeName, Clock clock) {
        this.kubeconfig = kubeconfig;
        this.store = new CertificateFileStore(certDir, "kubelet-client");
        this.nodeName = nodeName;
        this.clock = clock;
    }

    /** Whether {@code kubeconfig}'s client certificate is this store's current pair, which this class rotates. */
    public static boolean rotates(Path kubeconfig, Path certDir) {
        Optional<List<X509Certificate>> used = KubeletClientBootstrap.clientCertificates(kubeconfig);
        Optional<CertificateFileStore.Pair> stored = new CertificateFileStore(certDir, "kubelet-client").current();
        return used.isPresent() && stored.isPresent() && used.get().getFirst().equals(stored.get().leaf());
    }

    /** Rotates the certificate each time it is due, until interrupted. */
    public void run() throws InterruptedException {
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            CertificateFileStore.Pair current = store.current().orElseThrow(() ->
                    new PkiException("no client certificate in " + store.currentPath() + " to rotate"));
            Instant deadline = KubeletClientBootstrap.rotationDeadline(current.leaf().getNotBefore().toInstant(),
                    current.leaf().getNotAfter().toInstant());
            LOG.log(Level.INFO, "client certificate rotation scheduled notAfter={0} rotation={1}",
                    current.leaf().getNotAfter().toInstant(), deadline);
            sleepUntil(deadline);
            try {
                rotate();
                backoff = FIRST_BACKOFF;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "client certificate rotation failed, trying again in {0}s error={1}",
                        backoff.toSeconds(), e.getMessage());
                Thread.sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(LAST_BACKOFF) > 0 ? LAST_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** Asks for a new certificate with a new key and makes it the current pair once issued. */
    CertificateFileStore.Pair rotate() {
        KeyPair key = CertificateRequests.newKeyPair();
        String pem;
        try (KubernetesClient client = FabricClients.connect(kubeconfig)) {
            CertificateSigningRequest csr = CertificateSigningRequests.request(client, Optional.empty(),
                    CertificateRequests.nodeRequest(key, nodeName, List.of(), List.of()),
                    CertificateRequests.CLIENT_KUBELET_SIGNER, CertificateRequests.clientUsages(key.getPublic()), key);
            LOG.log(Level.INFO, "waiting for the rotated client certificate csr={0}", csr.getMetadata().getName());
            pem = CertificateSigningRequests.waitForCertificate(client, csr, WAIT);
        }
        List<X509Certificate> chain = Pem.parseCertificates(pem, "the rotated client certificate");
        if (!CertificateFileStore.sameKey(chain.getFirst().getPublicKey(), key.getPublic())) {
            throw new PkiException("the rotated client certificate is not for the requested key");
        }
        CertificateFileStore.Pair pair = store.update(new CertificateFileStore.Pair(chain, key.getPrivate()),
                clock.instant());
        LOG.log(Level.INFO, "client certificate rotated notAfter={0}", pair.leaf().getNotAfter().toInstant());
        FabricClients.reloadClientCertificates();
        return pair;
    }

    private void sleepUntil(Instant deadline) throws InterruptedException {
        Duration left = Duration.between(clock.instant(), deadline);
        if (!left.isNegative()) {
            Thread.sleep(left);
        }
    }
}
