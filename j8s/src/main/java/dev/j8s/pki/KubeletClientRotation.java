package dev.j8s.pki;

import dev.j8s.api.FabricClients;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Rotation of a bootstrapped client certificate before it expires, as upstream's certificate manager
 * ({@code k8s.io/client-go/util/certificate}): at a jittered 70-90 % of the current certificate's validity a new key
 * asks, with the node's own credentials, for a new certificate of the same subject ({@code csr-} named by the server,
 * signer {@code kubernetes.io/kube-apiserver-client-kubelet}); once issued it becomes the store's current pair, which
 * the kubeconfig names, and the clients' connections made with the old one are closed, so they connect again with it.
 * The schedule, and the backoff after a failed attempt, are {@link CertificateRenewal}'s. Not thread-safe: one
 * rotation loop per store.
 */
public final class KubeletClientRotation {

    /** A client certificate names the node alone: whatever its addresses, it serves. */
    private static final KubeletServingCertificates.NodeNames SUBJECT_ONLY =
            new KubeletServingCertificates.NodeNames(List.of(), List.of());

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
        if (store.current().isEmpty()) {
            throw new PkiException("no client certificate in " + store.currentPath() + " to rotate");
        }
        new CertificateRenewal("client certificate", store, () -> Optional.of(SUBJECT_ONLY),
                CertificateRenewal.nodeRequest(kubeconfig, nodeName, CertificateRequests.CLIENT_KUBELET_SIGNER,
                        CertificateRequests::clientUsages),
                pair -> FabricClients.reloadClientCertificates(), clock).run();
    }
}
