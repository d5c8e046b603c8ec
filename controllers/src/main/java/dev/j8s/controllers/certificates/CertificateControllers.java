package dev.j8s.controllers.certificates;

import dev.j8s.api.client.KubeClient;
import dev.j8s.controllers.informers.InformerFactory;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;

/**
 * The approver, the signer and the cleaner of CertificateSigningRequests over one informer, as
 * kube-controller-manager runs its {@code csrapproving}, {@code csrsigning} and {@code csrcleaner} controllers: the informer lists and watches through the controller
 * manager's client, both controllers write as {@code certificate-controller}. Thread-safe; {@link #close} stops
 * what it started.
 */
public final class CertificateControllers implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(CertificateControllers.class.getName());

    private final InformerFactory informers;
    private final CsrApprovingController approver;
    private final CsrSigningController signer;
    private final CsrCleaner cleaner;

    private CertificateControllers(InformerFactory informers, CsrApprovingController approver,
                                   CsrSigningController signer, CsrCleaner cleaner) {
        this.informers = informers;
        this.approver = approver;
        this.signer = signer;
        this.cleaner = cleaner;
    }

    /**
     * Starts the controllers.
     *
     * @param informerClient the controller manager's client, for the informer
     * @param client         the client of {@value CsrSigningController#SERVICE_ACCOUNT}
     * @param ca             the CA the cluster trusts for client certificates
     * @param reviewer       answers the approver's SubjectAccessReviews
     */
    public static CertificateControllers start(KubeClient informerClient, KubeClient client, CertificateAuthority ca,
                                               AccessReviewer reviewer, Clock clock) {
        InformerFactory informers = new InformerFactory(informerClient, Duration.ofMinutes(10));
        CsrApprovingController approver = new CsrApprovingController(client, informers, reviewer, clock);
        CsrSigningController signer = new CsrSigningController(client, informers, ca,
                CsrSigningController.DEFAULT_DURATION, clock);
        CsrCleaner cleaner = new CsrCleaner(client, informers, clock);
        informers.start();
        if (!informers.awaitSynced(Duration.ofSeconds(60))) {
            LOG.log(Level.WARNING, "certificate informer not synced within 60s; the controllers start anyway");
        }
        approver.start();
        signer.start();
        cleaner.start();
        return new CertificateControllers(informers, approver, signer, cleaner);
    }

    @Override
    public void close() {
        approver.close();
        signer.close();
        cleaner.close();
        informers.close();
    }
}
