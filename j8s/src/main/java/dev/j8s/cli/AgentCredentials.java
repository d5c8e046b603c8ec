package dev.j8s.cli;

import dev.j8s.api.Cluster;
import dev.j8s.kubelet.server.KubeletServer;
import dev.j8s.pki.CertificateFileStore;
import dev.j8s.pki.CertificateRenewal;
import dev.j8s.pki.KubeletClientBootstrap;
import dev.j8s.pki.KubeletClientRotation;
import dev.j8s.pki.KubeletServingCertificates;
import dev.j8s.pki.PkiException;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeStatus;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The credentials of {@code j8s agent} in its certificate directory ({@code <data-dir>/pki}): the client certificate
 * bootstrapped with a bootstrap kubeconfig, and the kubelet API's serving certificate, self-signed and kept, or
 * signed by the cluster with {@code --rotate-server-certificates}. Stateless; its background threads are virtual.
 */
final class AgentCredentials {

    private static final System.Logger LOG = System.getLogger(AgentCredentials.class.getName());

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
     * The certificate the kubelet API starts with: with {@code rotate}, the cluster-signed one of an earlier run until
     * it expires (the renewal replaces it when due); else the kept self-signed one, made again when the names changed
     * or it nears expiry.
     */
    static CertificateFileStore.Pair initialServing(Path dataDir, String host, Set<String> names, boolean rotate) {
        Instant now = Instant.now();
        Optional<CertificateFileStore.Pair> issued = rotate ? KubeletServingCertificates.issued(certDir(dataDir), now)
                : Optional.empty();
        return issued.orElseGet(() -> KubeletServingCertificates.selfSigned(certDir(dataDir), host, names, now));
    }

    /**
     * In the background, for as long as the agent runs: once the Node has addresses, asks the cluster for a serving
     * certificate of them unless the one kept serves them, again at a jittered 70-90 % of each one's validity and
     * whenever the Node gains an address it does not serve, retrying failed or denied requests with backoff; the
     * kubelet API serves each issued one from its next handshake on (see {@link dev.j8s.pki.CertificateRenewal}).
     */
    static void rotateServing(Path kubeconfig, Cluster cluster, String node, Path dataDir, KubeletServer api) {
        CertificateRenewal renewal = servingRenewal(dataDir, new NodeAddressNames(cluster, node, Clock.systemUTC()),
                KubeletServingCertificates.request(kubeconfig, node), api);
        Thread.ofVirtual().name("j8s-serving-certificate").start(() -> {
            try {
                renewal.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "serving certificate rotation stopped, the kubelet API keeps the one it has:"
                        + " {0}", e.getMessage());
            }
        });
    }

    /** The renewal of the serving certificate whose every issued pair {@code api} serves from its next handshake on. */
    static CertificateRenewal servingRenewal(Path dataDir,
                                             Supplier<Optional<KubeletServingCertificates.NodeNames>> names,
                                             CertificateRenewal.Request request, KubeletServer api) {
        return KubeletServingCertificates.renewal(certDir(dataDir), names, request, pair -> {
            KubeletApi.useServingCertificate(api, pair);
            LOG.log(Level.INFO, "the kubelet API serves the cluster-signed certificate subject={0} notAfter={1}",
                    pair.leaf().getSubjectX500Principal(), pair.leaf().getNotAfter().toInstant());
        });
    }

    /**
     * The names of the Node's addresses, empty until it has an IP address; the Node is read again at most every 10 s,
     * as often as the kubelet posts its status, not at each of the renewal's checks. Not thread-safe: the renewal's
     * thread only.
     */
    private static final class NodeAddressNames implements Supplier<Optional<KubeletServingCertificates.NodeNames>> {
        private static final Duration READ_EVERY = Duration.ofSeconds(10);
        private final Cluster cluster;
        private final String node;
        private final Clock clock;
        private Optional<KubeletServingCertificates.NodeNames> last = Optional.empty();
        private Instant read = Instant.MIN;

        NodeAddressNames(Cluster cluster, String node, Clock clock) {
            this.cluster = cluster;
            this.node = node;
            this.clock = clock;
        }

        @Override
        public Optional<KubeletServingCertificates.NodeNames> get() {
            Instant now = clock.instant();
            if (last.isEmpty() || !now.isBefore(read.plus(READ_EVERY))) {
                read = now;
                last = cluster.node(node).map(Node::getStatus).map(NodeStatus::getAddresses)
                        .map(KubeletServingCertificates.NodeNames::of)
                        .filter(KubeletServingCertificates.NodeNames::requestable);
            }
            return last;
        }
    }
}
