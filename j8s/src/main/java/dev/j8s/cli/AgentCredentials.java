package dev.j8s.cli;

import dev.j8s.api.Cluster;
import dev.j8s.api.FabricClients;
import dev.j8s.kubelet.server.KubeletServer;
import dev.j8s.pki.CertificateFileStore;
import dev.j8s.pki.KubeletClientBootstrap;
import dev.j8s.pki.KubeletClientRotation;
import dev.j8s.pki.KubeletServingCertificates;
import dev.j8s.pki.PkiException;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The credentials of {@code j8s agent} in its certificate directory ({@code <data-dir>/pki}): the client certificate
 * bootstrapped with a bootstrap kubeconfig, and the kubelet API's serving certificate, self-signed and kept, or
 * signed by the cluster with {@code --rotate-server-certificates}. Stateless; its background threads are virtual.
 */
final class AgentCredentials {

    private static final System.Logger LOG = System.getLogger(AgentCredentials.class.getName());
    /** How long a serving certificate request waits for the cluster (upstream never approves them itself). */
    private static final Duration SERVING_TIMEOUT = Duration.ofHours(1);

    private AgentCredentials() {
    }

    static Path certDir(Path dataDir) {
        return dataDir.resolve("pki");
    }

    /**
     * Bootstraps the client certificate when {@code kubeconfig}'s is missing or not valid; then, with {@code rotate},
     * rotates it before it expires, else warns in the log when it nears expiry.
     */
    static void bootstrap(Path kubeconfig, Path bootstrapKubeconfig, Path dataDir, String node, boolean rotate) {
        try {
            KubeletClientBootstrap.loadClientCert(kubeconfig, bootstrapKubeconfig, certDir(dataDir), node,
                    KubeletClientBootstrap.DEFAULT_TIMEOUT, Clock.systemUTC());
        } catch (PkiException e) {
            throw new IllegalStateException("bootstrap the client certificate of node " + node + ": "
                    + e.getMessage(), e);
        }
        if (rotate && KubeletClientRotation.rotates(kubeconfig, certDir(dataDir))) {
            KubeletClientRotation rotation = new KubeletClientRotation(kubeconfig, certDir(dataDir), node,
                    Clock.systemUTC());
            Thread.ofVirtual().name("j8s-client-certificate-rotation").start(() -> {
                try {
                    rotation.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "client certificate rotation stopped: {0}", e.getMessage());
                }
            });
            return;
        }
        if (rotate) {
            LOG.log(Level.WARNING, "the kubeconfig''s client certificate is not the bootstrapped one, it is not"
                    + " rotated kubeconfig={0}", kubeconfig);
        }
        KubeletClientBootstrap.clientCertificates(kubeconfig).map(List::getFirst).ifPresent(certificate ->
                Thread.ofVirtual().name("j8s-client-certificate-expiry").start(() -> warnBeforeExpiry(certificate)));
    }

    private static void warnBeforeExpiry(X509Certificate certificate) {
        Instant deadline = KubeletClientBootstrap.rotationDeadline(certificate.getNotBefore().toInstant(),
                certificate.getNotAfter().toInstant());
        try {
            Thread.sleep(Duration.between(Instant.now(), deadline).toMillis() > 0
                    ? Duration.between(Instant.now(), deadline) : Duration.ZERO);
        } catch (InterruptedException e) {
            return;
        }
        LOG.log(Level.WARNING, "the client certificate nears expiry and is not rotated (--rotate-certificates): once it"
                + " has expired, a restart bootstraps a new one with --bootstrap-kubeconfig notAfter={0}",
                certificate.getNotAfter().toInstant());
    }

    /**
     * The certificate the kubelet API starts with: with {@code rotate}, the cluster-signed one of an earlier run while
     * it is fresh; else the kept self-signed one, made again when the names changed or it nears expiry.
     */
    static CertificateFileStore.Pair initialServing(Path dataDir, String host, Set<String> names, boolean rotate) {
        Instant now = Instant.now();
        Optional<CertificateFileStore.Pair> issued = rotate ? KubeletServingCertificates.issued(certDir(dataDir), now)
                : Optional.empty();
        return issued.orElseGet(() -> KubeletServingCertificates.selfSigned(certDir(dataDir), host, names, now));
    }

    /**
     * In the background: once the Node has addresses, asks the cluster for a serving certificate of them (unless the
     * one served is for them) and serves it once issued.
     */
    static void rotateServing(Path kubeconfig, Cluster cluster, String node, Path dataDir, KubeletServer api) {
        Thread.ofVirtual().name("j8s-serving-certificate").start(() -> {
            try {
                KubeletServingCertificates.NodeNames names = nodeNames(cluster, node);
                Optional<CertificateFileStore.Pair> issued = KubeletServingCertificates.issued(certDir(dataDir),
                        Instant.now());
                if (issued.isPresent() && KubeletServingCertificates.serves(issued.get(), names)) {
                    return;
                }
                try (KubernetesClient client = FabricClients.connect(kubeconfig)) {
                    CertificateFileStore.Pair pair = KubeletServingCertificates.request(client, node, names,
                            certDir(dataDir), SERVING_TIMEOUT);
                    KubeletApi.useServingCertificate(api, pair);
                    LOG.log(Level.INFO, "the kubelet API serves the cluster-signed certificate subject={0}"
                            + " notAfter={1}", pair.leaf().getSubjectX500Principal(), pair.leaf().getNotAfter()
                            .toInstant());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "no cluster-signed serving certificate, the kubelet API keeps the one it has:"
                        + " {0}", e.getMessage());
            }
        });
    }

    /** The names of the Node's addresses, once it has some. */
    private static KubeletServingCertificates.NodeNames nodeNames(Cluster cluster, String node)
            throws InterruptedException {
        while (true) {
            try {
                Optional<KubeletServingCertificates.NodeNames> names = cluster.node(node).map(Node::getStatus)
                        .map(NodeStatus::getAddresses).map(KubeletServingCertificates.NodeNames::of)
                        .filter(n -> !n.isEmpty());
                if (names.isPresent()) {
                    return names.get();
                }
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "cannot read the Node for its addresses yet node={0} error={1}", node,
                        e.getMessage());
            }
            Thread.sleep(1_000);
        }
    }
}
